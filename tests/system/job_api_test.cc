// Jobs over real HTTP: every transition allowed and refused, parameter and input checks naming
// the field, permissions on every route, the worker protocol with its fencing (driven by a test
// worker through /api/v1/worker/..., leases expired by the server's own clock and Sweep), the
// long-poll, logs, outputs and data files with ranges, job-scoped tokens, and vitrine/dark-objects
// run end to end by in-process workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <numbers>
#include <thread>

#include "core/percent_encoding.h"
#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "wire/json.h"
#include "worker/workers.h"

namespace vitrine::testing {
namespace {

using wire::Json;
using Clock = std::chrono::steady_clock;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

Json With(Json base, const Json& more) {
  base.update(more);
  return base;
}

service::ServiceOptions JobServiceOptions() {
  service::ServiceOptions options = FastServiceOptions();
  options.jobs.lease = std::chrono::seconds(30);
  options.jobs.max_attempts = 3;
  return options;
}

class JobApiTest : public ::testing::Test {
 protected:
  JobApiTest() : server_({}, JobServiceOptions()) {}

  void SetUp() override {
    ASSERT_TRUE(server_.service().jobs().RegisterBuiltins().ok());
    admin_ = server_.CreateUserWithToken("root", true);
    alice_ = server_.CreateUserWithToken("alice", false, &alice_id_);
    bob_ = server_.CreateUserWithToken("bob", false, &bob_id_);
    carol_ = server_.CreateUserWithToken("carol", false, &carol_id_);
    eve_ = server_.CreateUserWithToken("eve", false, &eve_id_);
    project_ = BodyOf(Call("POST", "/api/v1/projects", alice_, Json{{"name", "Traps"}}.dump()))["id"];
    other_project_ = BodyOf(Call("POST", "/api/v1/projects", eve_, Json{{"name", "Eve's"}}.dump()))["id"];
    Member(bob_id_, "contributor");
    Member(carol_id_, "viewer");
  }

  HttpResult Call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "", std::vector<std::string> headers = {}) {
    headers.push_back("Authorization: Bearer " + token);
    bool typed = false;
    for (const auto& h : headers) typed = typed || h.rfind("Content-Type:", 0) == 0;
    if (!typed) headers.push_back("Content-Type: application/json");
    return HttpCall(method, server_.url(path), headers, body);
  }

  // The call, expecting `status`; its JSON body.
  Json Expect(int status, const std::string& method, const std::string& path, const std::string& token,
              const Json& body = nullptr) {
    HttpResult r = Call(method, path, token, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, status) << method << " " << path << ": " << r.body;
    return BodyOf(r);
  }

  void Member(UserId user, const std::string& role) {
    Expect(200, "PUT", Project() + "/members/" + std::to_string(user.value()), alice_, Json{{"role", role}});
  }

  std::string Project() const { return "/api/v1/projects/" + std::to_string(project_); }
  static std::string JobPath(std::int64_t id, const std::string& rest = "") {
    return "/api/v1/jobs/" + std::to_string(id) + rest;
  }
  static std::string WorkerPath(std::int64_t id, const std::string& rest) {
    return "/api/v1/worker/jobs/" + std::to_string(id) + rest;
  }

  std::int64_t UploadImage(std::int64_t project, const std::string& token, const std::string& name,
                           const std::string& bytes) {
    HttpResult r =
        HttpCall("POST", server_.url("/api/v1/projects/" + std::to_string(project) + "/images?filename=" + name),
                 {"Authorization: Bearer " + token}, bytes);
    EXPECT_EQ(r.status, 201) << r.body;
    return BodyOf(r).value("id", std::int64_t{0});
  }
  std::int64_t UploadSample(std::int64_t project, const std::string& token, const std::string& name) {
    auto path = files_.path() / name;
    WriteSampleImage(path, {.width = 64, .height = 48});
    return UploadImage(project, token, name, ReadFileBytes(path));
  }

  Json CreateJob(const std::string& token, const Json& body, int status = 201) {
    return Expect(status, "POST", "/api/v1/jobs", token, body);
  }
  std::int64_t NoopJob(const std::string& token, bool auto_start = false) {
    Json job = CreateJob(token, {{"project", project_}, {"analytic", "vitrine/noop"}, {"auto_start", auto_start}});
    return job.value("id", std::int64_t{0});
  }
  std::int64_t PyramidsJob(std::int64_t image, bool auto_start = true) {
    Json job = CreateJob(alice_, {{"project", project_},
                                  {"analytic", "vitrine/pyramids"},
                                  {"inputs", {{"images", {{"image-ids", {image}}}}}},
                                  {"auto_start", auto_start}});
    return job.value("id", std::int64_t{0});
  }
  std::string StateOf(std::int64_t job) { return Expect(200, "GET", JobPath(job), alice_)["state"]; }

  // A claim by the test worker (an administrator); the claim's JSON, or null when there was none.
  Json Claim(const std::string& worker_token, const std::vector<std::string>& analytics = {"vitrine/pyramids"}) {
    HttpResult r = Call("POST", "/api/v1/worker/claim", worker_token,
                        Json{{"worker", "test-worker"}, {"analytics", analytics}}.dump());
    if (r.status == 204) return nullptr;
    EXPECT_EQ(r.status, 200) << r.body;
    return BodyOf(r);
  }
  HttpResult Beat(std::int64_t job, int attempt, const std::string& token, Json extra = Json::object()) {
    extra["attempt"] = attempt;
    return Call("POST", WorkerPath(job, "/heartbeat"), token, extra.dump());
  }
  HttpResult Log(std::int64_t job, int attempt, const std::string& text) {
    return Call("POST", WorkerPath(job, "/log?attempt=" + std::to_string(attempt)), admin_, text,
                {"Content-Type: text/plain"});
  }
  HttpResult PutOutput(std::int64_t job, int attempt, const std::string& name, const std::string& bytes) {
    return Call("POST", WorkerPath(job, "/outputs/" + name + "?attempt=" + std::to_string(attempt)), admin_, bytes,
                {"Content-Type: application/json"});
  }
  HttpResult Finish(std::int64_t job, int attempt, bool success, const std::string& token = "") {
    return Call("POST", WorkerPath(job, "/finish"), token.empty() ? admin_ : token,
                Json{{"attempt", attempt}, {"success", success}}.dump());
  }
  // Lets the lease run out on the server's clock and runs the housekeeping the server runs.
  void ExpireLeases() {
    server_.clock().Advance(std::chrono::seconds(31));
    auto swept = server_.service().jobs().Sweep();
    ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  }

  TestServer server_;
  TempDir files_;
  std::string admin_, alice_, bob_, carol_, eve_;
  UserId alice_id_, bob_id_, carol_id_, eve_id_;
  std::int64_t project_ = 0, other_project_ = 0;
};

// ---- transitions ----

TEST_F(JobApiTest, TransitionsAllowedAndRefused) {
  Json created = CreateJob(alice_, {{"project", project_}, {"analytic", "vitrine/noop"}, {"name", "probe"}});
  const std::int64_t job = created["id"];
  EXPECT_EQ(created["state"], "READY");
  EXPECT_EQ(created["name"], "probe");
  EXPECT_EQ(created["parameters"], (Json{{"sleep_ms", 0}, {"fail", false}})) << "defaults filled in";

  Expect(409, "POST", JobPath(job, "/kill"), alice_);  // nothing runs yet
  EXPECT_EQ(Expect(200, "POST", JobPath(job, "/start"), alice_)["state"], "QUEUED");
  Expect(409, "POST", JobPath(job, "/start"), alice_);
  Expect(409, "DELETE", JobPath(job), alice_);
  Expect(409, "POST", JobPath(job, "/archive"), alice_);
  Json killed = Expect(200, "POST", JobPath(job, "/kill"), alice_);
  EXPECT_EQ(killed["state"], "FAILED");
  EXPECT_EQ(killed["failure_type"], "USER");
  Expect(409, "POST", JobPath(job, "/kill"), alice_);
  Expect(409, "POST", JobPath(job, "/start"), alice_);

  // Archived jobs leave the default listing and come back with ?archived=true or any.
  const std::int64_t ready = NoopJob(alice_);
  EXPECT_TRUE(Expect(200, "POST", JobPath(job, "/archive"), alice_)["archived"].get<bool>());
  EXPECT_TRUE(Expect(200, "POST", JobPath(ready, "/archive"), alice_)["archived"].get<bool>());  // READY may be
  auto listed = [&](const std::string& query) {
    std::vector<std::int64_t> ids;
    const Json page = Expect(200, "GET", "/api/v1/jobs?project=" + std::to_string(project_) + query, alice_);
    for (const auto& j : page["items"]) ids.push_back(j["id"]);
    EXPECT_EQ(page["total"], ids.size());
    return ids;
  };
  EXPECT_TRUE(listed("").empty());
  EXPECT_EQ(listed("&archived=true&sort=id&order=asc"), (std::vector<std::int64_t>{job, ready}));
  Expect(200, "POST", JobPath(job, "/unarchive"), alice_);
  EXPECT_EQ(listed(""), (std::vector<std::int64_t>{job}));
  EXPECT_EQ(listed("&archived=any&sort=id&order=asc"), (std::vector<std::int64_t>{job, ready}));

  Expect(204, "DELETE", JobPath(job), alice_);
  Expect(404, "GET", JobPath(job), alice_);
  Expect(404, "DELETE", JobPath(job), alice_);
  Expect(204, "DELETE", JobPath(ready), alice_);  // a READY job may be deleted

  // auto_start queues at creation.
  EXPECT_EQ(StateOf(NoopJob(alice_, true)), "QUEUED");
}

// ---- what a job request must hold ----

TEST_F(JobApiTest, BadParametersAndInputsAre400NamingTheField) {
  const std::int64_t image = UploadSample(project_, alice_, "mine.png");
  // One image alice can read in another project, one she cannot read at all.
  const std::int64_t elsewhere = UploadSample(other_project_, eve_, "hers.png");
  Expect(200, "PUT",
         "/api/v1/projects/" + std::to_string(other_project_) + "/members/" + std::to_string(alice_id_.value()), eve_,
         Json{{"role", "viewer"}});
  const std::int64_t private_project = BodyOf(Call("POST", "/api/v1/projects", eve_, Json{{"name", "P"}}.dump()))["id"];
  const std::int64_t unreadable = UploadSample(private_project, eve_, "private.png");

  auto refused = [&](const Json& body, const std::string& field) {
    HttpResult r = Call("POST", "/api/v1/jobs", alice_, body.dump());
    EXPECT_EQ(r.status, 400) << body.dump() << ": " << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << field << " not named in " << r.body;
  };
  Json noop{{"project", project_}, {"analytic", "vitrine/noop"}};
  refused(With(noop, {{"parameters", {{"sleep", 5}}}}), "sleep");
  refused(With(noop, {{"parameters", {{"sleep_ms", "soon"}}}}), "sleep_ms");
  refused(With(noop, {{"parameters", {{"sleep_ms", 3600001}}}}), "sleep_ms");
  refused(With(noop, {{"parameters", {{"sleep_ms", -1}}}}), "sleep_ms");
  refused(With(noop, {{"parameters", {{"fail", 1}}}}), "fail");
  refused(With(noop, {{"inputs", {{"images", {{"image-ids", {image}}}}}}}), "images");
  refused(With(noop, {{"analytic", "vitrine/none"}}), "vitrine/none");

  Json dark{{"project", project_}, {"analytic", "vitrine/dark-objects"}};
  refused(dark, "images");  // required
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", Json::array()}}}}}}), "images");
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", {elsewhere}}}}}}}), "images");
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", {unreadable}}}}}}}), "images");
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", {999999}}}}}}}), "images");
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", {image}}}}}}, {"parameters", {{"min_area", 0}}}}),
          "min_area");
  refused(With(dark, {{"inputs", {{"images", {{"image-ids", {image}}}}}}, {"parameters", {{"blur_sigma", "x"}}}}),
          "blur_sigma");
  Json ok = CreateJob(alice_, With(dark, {{"inputs", {{"images", {{"image-ids", {image}}}}}}}));
  EXPECT_EQ(ok["parameters"]["min_area"], 50);
  EXPECT_EQ(ok["inputs"]["images"]["image-ids"], Json::array({image}));
  EXPECT_EQ(Expect(200, "GET", "/api/v1/jobs?project=" + std::to_string(project_), alice_)["total"],
            1);  // nothing refused was stored
}

// ---- permissions ----

TEST_F(JobApiTest, PermissionsOnEveryRoute) {
  const std::int64_t alices = NoopJob(alice_);
  // The viewer reads but cannot create or start.
  Expect(200, "GET", JobPath(alices), carol_);
  Expect(200, "GET", JobPath(alices, "/log"), carol_);
  Expect(200, "GET", JobPath(alices, "/outputs"), carol_);
  Expect(200, "GET", JobPath(alices, "/status"), carol_);
  EXPECT_EQ(Expect(200, "GET", "/api/v1/jobs", carol_)["total"], 1);
  Expect(403, "POST", "/api/v1/jobs", carol_, {{"project", project_}, {"analytic", "vitrine/noop"}});
  Expect(403, "POST", JobPath(alices, "/start"), carol_);
  Expect(403, "POST", JobPath(alices, "/kill"), carol_);
  Expect(403, "POST", JobPath(alices, "/archive"), carol_);
  Expect(403, "DELETE", JobPath(alices), carol_);

  // A contributor creates and starts; only the creator or a manager kills, archives, deletes.
  const std::int64_t bobs = NoopJob(bob_);
  Expect(200, "POST", JobPath(alices, "/start"), bob_);
  Expect(403, "POST", JobPath(alices, "/kill"), bob_);
  Expect(403, "POST", JobPath(alices, "/archive"), bob_);
  Expect(200, "POST", JobPath(bobs, "/start"), bob_);
  Expect(200, "POST", JobPath(bobs, "/kill"), bob_);
  Expect(200, "POST", JobPath(alices, "/kill"), alice_);
  Expect(403, "DELETE", JobPath(alices), bob_);
  Expect(204, "DELETE", JobPath(bobs), alice_);  // a manager deletes anyone's job

  // A non-member sees nothing.
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", JobPath(alices)},
                                                        {"GET", JobPath(alices, "/log")},
                                                        {"GET", JobPath(alices, "/outputs")},
                                                        {"GET", JobPath(alices, "/outputs/summary")},
                                                        {"GET", JobPath(alices, "/status")},
                                                        {"POST", JobPath(alices, "/start")},
                                                        {"POST", JobPath(alices, "/kill")},
                                                        {"POST", JobPath(alices, "/archive")},
                                                        {"DELETE", JobPath(alices)}}) {
    Expect(404, method, path, eve_);
  }
  Expect(404, "POST", "/api/v1/jobs", eve_, {{"project", project_}, {"analytic", "vitrine/noop"}});
  Expect(404, "GET", "/api/v1/jobs?project=" + std::to_string(project_), eve_);
  EXPECT_EQ(Expect(200, "GET", "/api/v1/jobs", eve_)["total"], 0);
  Expect(401, "GET", JobPath(alices), "not-a-token");

  // Analytics: everyone reads, only an administrator registers or removes.
  Json analytics = Expect(200, "GET", "/api/v1/analytics", carol_)["analytics"];
  ASSERT_EQ(analytics.size(), 4u);  // the built-in ones
  auto noop =
      std::find_if(analytics.begin(), analytics.end(), [](const Json& a) { return a["name"] == "vitrine/noop"; });
  ASSERT_NE(noop, analytics.end()) << analytics.dump();
  const std::int64_t noop_id = (*noop)["id"];
  Expect(200, "GET", "/api/v1/analytics/" + std::to_string(noop_id), eve_);
  Expect(403, "POST", "/api/v1/analytics", alice_);
  Expect(403, "DELETE", "/api/v1/analytics/" + std::to_string(noop_id), alice_);
  Expect(400, "DELETE", "/api/v1/analytics/" + std::to_string(noop_id), admin_);  // built-in

  // Claiming takes the worker capability: an administrator has it, a user is given it.
  Expect(403, "POST", "/api/v1/worker/claim", alice_, Json::object());
  Expect(403, "POST", WorkerPath(alices, "/heartbeat"), alice_, {{"attempt", 1}});
  Expect(403, "POST", WorkerPath(alices, "/finish"), alice_, {{"attempt", 1}, {"success", true}});
  Expect(403, "PATCH", "/api/v1/users/" + std::to_string(carol_id_.value()), carol_, {{"worker", true}});
  EXPECT_TRUE(
      Expect(200, "PATCH", "/api/v1/users/" + std::to_string(carol_id_.value()), admin_, {{"worker", true}})["worker"]
          .get<bool>());
  EXPECT_EQ(Call("POST", "/api/v1/worker/claim", carol_, "{}").status, 204) << "a worker now; nothing queued";
  EXPECT_EQ(Call("POST", "/api/v1/worker/claim", admin_, "{}").status, 204);
}

// ---- the worker protocol ----

TEST_F(JobApiTest, AWorkerRunsAJobThroughToCompleteOnce) {
  const std::int64_t image = UploadSample(project_, alice_, "a.png");
  const std::int64_t job = PyramidsJob(image);
  EXPECT_TRUE(Claim(admin_, {"vitrine/noop"}).is_null()) << "filtered by analytic";
  Json lease = Claim(admin_);
  ASSERT_FALSE(lease.is_null());
  EXPECT_EQ(lease["job"]["id"], job);
  EXPECT_EQ(lease["job"]["state"], "SCHEDULED");
  EXPECT_EQ(lease["lease_seconds"], 30);
  EXPECT_EQ(lease["doc"]["info"]["name"], "vitrine/pyramids");
  const int attempt = lease["job"]["attempt"];
  EXPECT_EQ(attempt, 1);
  EXPECT_TRUE(Claim(admin_).is_null()) << "claimed once";

  HttpResult beat = Beat(job, attempt, admin_, {{"progress", 40}, {"message", "half way"}});
  ASSERT_EQ(beat.status, 200) << beat.body;
  EXPECT_EQ(BodyOf(beat)["state"], "RUNNING");
  EXPECT_EQ(BodyOf(beat)["progress"], 40);
  Expect(409, "POST", JobPath(job, "/start"), alice_);
  Expect(409, "DELETE", JobPath(job), alice_);

  EXPECT_EQ(PutOutput(job, attempt, "nonesuch", "{}").status, 400);
  std::string summary = R"({"images":[{"id":)" + std::to_string(image) + R"(,"pyramid":"not needed"}]})";
  HttpResult put = PutOutput(job, attempt, "summary", summary);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(BodyOf(put)["size"], summary.size());

  HttpResult done = Finish(job, attempt, true);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(BodyOf(done)["state"], "COMPLETE");
  EXPECT_EQ(BodyOf(done)["progress"], 100);
  EXPECT_EQ(Finish(job, attempt, true).status, 409) << "a second finish";
  EXPECT_EQ(Finish(job, attempt, false).status, 409);
  EXPECT_EQ(Beat(job, attempt, admin_).status, 409);
  EXPECT_EQ(StateOf(job), "COMPLETE");

  // The output, whole and in part; an unknown one is 404.
  HttpResult whole = Call("GET", JobPath(job, "/outputs/summary"), carol_);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, summary);
  EXPECT_NE(whole.header("content-disposition").find("pyramids.json"), std::string::npos);
  HttpResult part = Call("GET", JobPath(job, "/outputs/summary"), carol_, "", {"Range: bytes=2-7"});
  ASSERT_EQ(part.status, 206) << part.body;
  EXPECT_EQ(part.body, summary.substr(2, 6));
  EXPECT_EQ(part.header("content-range"), "bytes 2-7/" + std::to_string(summary.size()));
  Expect(404, "GET", JobPath(job, "/outputs/other"), alice_);
  Json outputs = Expect(200, "GET", JobPath(job, "/outputs"), alice_)["outputs"];
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0]["name"], "summary");
  Expect(204, "DELETE", JobPath(job), alice_);  // finished
}

// A busy worker's one round trip per job: the claim starts the job it hands out, and carries
// the previous job's result.
TEST_F(JobApiTest, AClaimCanStartItsJobAndReportThePreviousOne) {
  const std::int64_t first = NoopJob(alice_, true), second = NoopJob(alice_, true);
  auto claim = [&](Json body) {
    body["worker"] = "busy";
    body["analytics"] = {"vitrine/noop"};
    return Call("POST", "/api/v1/worker/claim", admin_, body.dump());
  };
  HttpResult r = claim({{"start", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json lease = BodyOf(r);
  EXPECT_EQ(lease["job"]["id"], first);
  EXPECT_EQ(lease["job"]["state"], "RUNNING") << "started by the claim itself";
  EXPECT_FALSE(lease["job"]["started_at"].is_null());
  EXPECT_FALSE(lease.contains("finished")) << "nothing was reported";
  std::vector<std::string> said;
  for (const auto& m : lease["job"]["messages"]) said.push_back(m["message"]);
  ASSERT_GE(said.size(), 2u);
  EXPECT_NE(said[said.size() - 2].find("Scheduled on busy"), std::string::npos) << said[said.size() - 2];
  EXPECT_EQ(said.back(), "Running");

  // Reports the first, claims (and starts) the second.
  r = claim({{"start", true}, {"finish", {{"job_id", first}, {"attempt", 1}, {"success", true}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json both = BodyOf(r);
  EXPECT_EQ(both["finished"]["id"], first);
  EXPECT_EQ(both["finished"]["state"], "COMPLETE");
  EXPECT_EQ(both["job"]["id"], second);
  EXPECT_EQ(StateOf(first), "COMPLETE");

  // A stale report is refused on its own; the claim still answers (nothing is queued).
  r = claim({{"finish", {{"job_id", first}, {"attempt", 1}, {"success", false}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json refused = BodyOf(r);
  EXPECT_FALSE(refused.contains("job"));
  EXPECT_EQ(refused["finish_error"]["error"]["code"], "conflict") << refused.dump();
  EXPECT_EQ(StateOf(first), "COMPLETE") << "its result stands";

  r = claim({{"finish", {{"job_id", second}, {"attempt", 1}, {"success", false}, {"reason", "no"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["finished"]["state"], "FAILED");
  EXPECT_EQ(BodyOf(r)["finished"]["failure_reason"], "no");

  // Malformed reports are the request's error, before anything is claimed or reported.
  EXPECT_EQ(claim({{"finish", {{"attempt", 1}, {"success", true}}}}).status, 400);
  EXPECT_EQ(claim({{"finish", {{"job_id", second}, {"success", true}}}}).status, 400);
  EXPECT_EQ(claim({{"finish", "done"}}).status, 400);
  EXPECT_EQ(claim({{"start", "yes"}}).status, 400);
}

TEST_F(JobApiTest, OutputsPastTheirTtlAreGoneAndSweptAway) {
  const std::int64_t image = UploadSample(project_, alice_, "a.png");
  const std::int64_t job = CreateJob(alice_, {{"project", project_},
                                              {"analytic", "vitrine/pyramids"},
                                              {"inputs", {{"images", {{"image-ids", {image}}}}}},
                                              {"auto_start", true},
                                              {"output_ttl", 60}})["id"];
  ASSERT_FALSE(Claim(admin_).is_null());
  ASSERT_EQ(PutOutput(job, 1, "summary", "{}").status, 201);
  ASSERT_EQ(Finish(job, 1, true).status, 200);
  EXPECT_EQ(Call("GET", JobPath(job, "/outputs/summary"), alice_).status, 200);
  server_.clock().Advance(std::chrono::seconds(61));
  EXPECT_EQ(Call("GET", JobPath(job, "/outputs/summary"), alice_).status, 404) << "expired before any sweep";
  ASSERT_TRUE(server_.service().jobs().Sweep().ok());
  Json swept = Expect(200, "GET", JobPath(job), alice_);
  EXPECT_TRUE(swept["outputs"].empty());
  EXPECT_EQ(swept["state"], "COMPLETE");
  EXPECT_EQ(Call("GET", JobPath(job, "/outputs/summary"), alice_).status, 404);
}

TEST_F(JobApiTest, AMissingRequiredOutputFailsTheJobAsTheAnalytics) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  Json lease = Claim(admin_);
  ASSERT_FALSE(lease.is_null());
  HttpResult done = Finish(job, lease["job"]["attempt"], true);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(BodyOf(done)["state"], "FAILED");
  EXPECT_EQ(BodyOf(done)["failure_type"], "ANALYTIC");
  EXPECT_NE(BodyOf(done)["failure_reason"].get<std::string>().find("summary"), std::string::npos);
}

TEST_F(JobApiTest, AStaleAttemptChangesNothingAfterItsLeaseIsTakenOver) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  Json first = Claim(admin_);
  ASSERT_FALSE(first.is_null());
  ASSERT_EQ(Beat(job, 1, admin_).status, 200);
  ASSERT_EQ(Log(job, 1, "first attempt\n").status, 204);

  ExpireLeases();
  Json requeued = Expect(200, "GET", JobPath(job), alice_);
  EXPECT_EQ(requeued["state"], "QUEUED");
  EXPECT_EQ(requeued["worker"], "");
  Json second = Claim(admin_);
  ASSERT_FALSE(second.is_null());
  EXPECT_EQ(second["job"]["attempt"], 2);

  // The first worker comes back late: all its writes are refused.
  EXPECT_EQ(Beat(job, 1, admin_).status, 409);
  EXPECT_EQ(Log(job, 1, "late\n").status, 409);
  EXPECT_EQ(PutOutput(job, 1, "summary", "{}").status, 409);
  EXPECT_EQ(Finish(job, 1, true).status, 409);
  Json now = Expect(200, "GET", JobPath(job), alice_);
  EXPECT_EQ(now["state"], "SCHEDULED");
  EXPECT_EQ(now["attempt"], 2);
  EXPECT_TRUE(now["outputs"].empty());
  EXPECT_EQ(Call("GET", JobPath(job, "/log"), alice_).body, "first attempt\n");
  EXPECT_EQ(Beat(job, 3, admin_).status, 409) << "nor does a future attempt";

  // Lost twice more: the platform gave up.
  ExpireLeases();
  ASSERT_FALSE(Claim(admin_).is_null());
  ExpireLeases();
  Json failed = Expect(200, "GET", JobPath(job), alice_);
  EXPECT_EQ(failed["state"], "FAILED");
  EXPECT_EQ(failed["failure_type"], "PLATFORM");
  EXPECT_EQ(failed["attempt"], 3);
  EXPECT_TRUE(Claim(admin_).is_null());
  EXPECT_EQ(Beat(job, 3, admin_).status, 409);
}

TEST_F(JobApiTest, AKilledJobsWorkerIsToldAtItsNextHeartbeat) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  ASSERT_FALSE(Claim(admin_).is_null());
  ASSERT_EQ(Beat(job, 1, admin_).status, 200);
  Expect(200, "POST", JobPath(job, "/kill"), alice_);
  EXPECT_EQ(Beat(job, 1, admin_).status, 409);
  EXPECT_EQ(Finish(job, 1, true).status, 409);
  EXPECT_EQ(Expect(200, "GET", JobPath(job), alice_)["failure_type"], "USER");
}

TEST_F(JobApiTest, TheLongPollAnswersAsSoonAsTheJobChanges) {
  const std::int64_t job = NoopJob(alice_);
  const auto asked = Clock::now();
  auto waiter = std::async(std::launch::async, [&] { return Call("GET", JobPath(job, "?wait=10"), carol_); });
  // The start is the change awaited. Should it land before the waiter's first read, the waiter
  // waits for the next change: the claim, then the heartbeats, each a real change, until it answers.
  Expect(200, "POST", JobPath(job, "/start"), alice_);
  int changes = 0;
  while (waiter.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready && changes < 20) {
    if (changes++ == 0) {
      ASSERT_FALSE(Claim(admin_, {"vitrine/noop"}).is_null());
    } else {
      ASSERT_EQ(Beat(job, 1, admin_, {{"progress", changes}}).status, 200);
    }
  }
  if (changes == 0) {
    ASSERT_FALSE(Claim(admin_, {"vitrine/noop"}).is_null());
  }
  HttpResult answer = waiter.get();
  const auto took = Clock::now() - asked;
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(BodyOf(answer)["state"], "READY");
  EXPECT_LT(took, std::chrono::seconds(3)) << "the long-poll waited out its time instead of answering the change";
  std::cout << "long-poll answered after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms, " << changes << " further change(s)\n";

  // A finished job is answered at once.
  ASSERT_EQ(Finish(job, 1, true).status, 200);
  const auto again = Clock::now();
  EXPECT_EQ(Expect(200, "GET", JobPath(job, "?wait=10"), carol_)["state"], "COMPLETE");
  EXPECT_LT(Clock::now() - again, std::chrono::seconds(2));
  Expect(400, "GET", JobPath(job, "?wait=100000"), carol_);
}

TEST_F(JobApiTest, LogIsAppendedByTheWorkerAndReadOnWithAfter) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  ASSERT_FALSE(Claim(admin_).is_null());
  EXPECT_EQ(Log(job, 1, "one\n").status, 204);
  EXPECT_EQ(Log(job, 1, "two\n").status, 204);
  EXPECT_EQ(Call("POST", WorkerPath(job, "/log"), admin_, "x").status, 400) << "no attempt";
  EXPECT_EQ(Call("POST", WorkerPath(job, "/log?attempt=1"), alice_, "x").status, 403) << "not a worker";
  HttpResult all = Call("GET", JobPath(job, "/log"), carol_);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body, "one\ntwo\n");
  const std::string next = all.header("x-log-next");
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(Call("GET", JobPath(job, "/log?after=" + next), carol_).body, "");
  EXPECT_EQ(Log(job, 1, "three\n").status, 204);
  HttpResult more = Call("GET", JobPath(job, "/log?after=" + next), carol_);
  EXPECT_EQ(more.body, "three\n");
  EXPECT_NE(more.header("x-log-next"), next);
  EXPECT_EQ(Expect(200, "GET", JobPath(job), alice_)["log_bytes"], 14);
}

TEST_F(JobApiTest, ALogIsWaitedForAndFollowedUntilTheJobEnds) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  ASSERT_FALSE(Claim(admin_).is_null());

  // ?wait= answers as soon as a line arrives (well before its 20 s).
  HttpResult waiting;
  std::thread reader([&] { waiting = Call("GET", JobPath(job, "/log?after=0&wait=20"), carol_); });
  EXPECT_EQ(Log(job, 1, "first\n").status, 204);
  reader.join();
  EXPECT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_EQ(waiting.body, "first\n");
  EXPECT_TRUE(waiting.header("x-log-ended").empty()) << "the job still runs";

  // ?follow=true streams each line as it comes, and ends with the job.
  std::mutex mu;
  std::condition_variable cv;
  std::string seen;
  HttpResult followed;
  std::thread follower([&] {
    followed = HttpFollow(server_.url(JobPath(job, "/log?follow=true")), {"Authorization: Bearer " + carol_},
                          [&](std::string_view data) {
                            std::lock_guard lock(mu);
                            seen += data;
                            cv.notify_all();
                          });
  });
  auto saw = [&](const std::string& text) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return seen == text; });
  };
  EXPECT_TRUE(saw("first\n")) << "what was written before";
  EXPECT_EQ(Log(job, 1, "second\n").status, 204);
  EXPECT_TRUE(saw("first\nsecond\n")) << "a new line, while the job runs";
  ASSERT_EQ(Finish(job, 1, true).status, 200);
  follower.join();
  EXPECT_EQ(followed.status, 200) << followed.error;
  EXPECT_TRUE(followed.error.empty()) << followed.error;
  EXPECT_EQ(seen, "first\nsecond\n");

  HttpResult ended = Call("GET", JobPath(job, "/log?after=" + waiting.header("x-log-next") + "&wait=5"), carol_);
  EXPECT_EQ(ended.body, "second\n");
  ended = Call("GET", JobPath(job, "/log?after=" + ended.header("x-log-next") + "&wait=5"), carol_);
  EXPECT_EQ(ended.body, "");
  EXPECT_EQ(ended.header("x-log-ended"), "true") << "ended, nothing left: answered at once";

  EXPECT_EQ(Call("GET", JobPath(job, "/log?follow=maybe"), carol_).status, 400);
  EXPECT_EQ(Call("GET", JobPath(99999, "/log?follow=true"), carol_).status, 404);
}

// ---- data files ----

// One part of a multipart/form-data body: a field (no filename) or a file.
struct FormPart {
  std::string name, filename, type, bytes;
};

TEST_F(JobApiTest, DataAndBundlesArriveAsMultipartToo) {
  auto send = [&](const std::string& path, const std::string& token, const std::vector<FormPart>& parts) {
    const std::string boundary = "vitrine-test-boundary";
    std::string body;
    for (const auto& p : parts) {
      body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
      if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
      body += "\r\n";
      if (!p.type.empty()) body += "Content-Type: " + p.type + "\r\n";
      body += "\r\n" + p.bytes + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return Call("POST", path, token, body, {"Content-Type: multipart/form-data; boundary=" + boundary});
  };
  const std::string csv = "a,b\n1,2\n";
  const std::string project = std::to_string(project_);

  HttpResult r = send("/api/v1/data", bob_,
                      {{"project", "", "", project}, {"ttl", "", "", "3600"}, {"file", "counts.csv", "text/csv", csv}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["name"], "counts.csv") << "named after the file part";
  EXPECT_EQ(BodyOf(r)["media_type"], "text/csv");
  EXPECT_FALSE(BodyOf(r)["expires_at"].is_null());
  EXPECT_EQ(
      Call("GET", "/api/v1/data/" + std::to_string(BodyOf(r)["id"].get<std::int64_t>()) + "/download", carol_).body,
      csv);
  r = send("/api/v1/data?project=" + project, bob_,
           {{"name", "", "", "renamed.csv"}, {"file", "counts.csv", "text/csv", csv}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["name"], "renamed.csv") << "a name field wins; the project from the query";

  EXPECT_EQ(send("/api/v1/data", bob_, {{"file", "x.csv", "text/csv", csv}}).status, 400) << "no project";
  EXPECT_EQ(send("/api/v1/data", bob_, {{"project", "", "", project}}).status, 400) << "no file part";
  EXPECT_EQ(send("/api/v1/data", bob_, {{"project", "", "", project}, {"ttl", "", "", "soon"}, {"file", "x", "", csv}})
                .status,
            400);
  EXPECT_EQ(
      send("/api/v1/data", bob_, {{"project", "", "", project}, {"file", "x", "", csv}, {"ttl", "", "", "60"}}).status,
      400)
      << "a field after the file";
  EXPECT_EQ(send("/api/v1/data", carol_, {{"project", "", "", project}, {"file", "x", "", csv}}).status, 403);

  // An analytic bundle, as Voxel51's client sends one.
  const auto dir = files_.path() / "bundle";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "analytic.json")
        << R"({"info": {"name": "lab/multipart", "version": "1.0", "entrypoint": "run.sh"},)"
           R"( "inputs": [], "parameters": [], "outputs": []})";
    std::ofstream(dir / "run.sh") << "#!/bin/sh\necho hello\n";
  }
  const auto tarball = files_.path() / "bundle.tar.gz";
  ASSERT_EQ(std::system(("tar czf " + tarball.string() + " -C " + dir.string() + " .").c_str()), 0);
  const std::string bundle = ReadFileBytes(tarball);
  const FormPart file{"file", "bundle.tar.gz", "application/gzip", bundle};
  EXPECT_EQ(send("/api/v1/analytics", alice_, {file}).status, 403) << "administrators only";
  r = send("/api/v1/analytics", admin_, {{"analytic_type", "", "", "PLATFORM"}, file});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["name"], "lab/multipart");
  EXPECT_EQ(send("/api/v1/analytics", admin_, {{"file", "x.tar.gz", "", "not a bundle"}}).status, 400);
}

TEST_F(JobApiTest, DataIsUploadedDownloadedListedExpiredAndDeleted) {
  const std::string csv = "id,count\n1,12\n2,7\n";
  auto upload = [&](const std::string& token, const std::string& query) {
    return Call("POST", "/api/v1/data?" + query, token, csv, {"Content-Type: text/csv"});
  };
  const std::string p = "project=" + std::to_string(project_);
  HttpResult kept = upload(bob_, p + "&name=counts.csv");
  ASSERT_EQ(kept.status, 201) << kept.body;
  const std::int64_t kept_id = BodyOf(kept)["id"];
  EXPECT_EQ(BodyOf(kept)["size"], csv.size());
  EXPECT_EQ(BodyOf(kept)["media_type"], "text/csv");
  HttpResult brief = upload(bob_, p + "&name=brief.csv&ttl=60");
  ASSERT_EQ(brief.status, 201) << brief.body;
  const std::int64_t brief_id = BodyOf(brief)["id"];
  EXPECT_FALSE(BodyOf(brief)["expires_at"].is_null());

  EXPECT_EQ(upload(carol_, p + "&name=x.csv").status, 403) << "a viewer";
  EXPECT_EQ(upload(eve_, p + "&name=x.csv").status, 404) << "a non-member";
  EXPECT_EQ(upload(bob_, "name=x.csv").status, 400) << "no project";
  EXPECT_EQ(upload(bob_, p).status, 400) << "no name";
  EXPECT_EQ(upload(bob_, p + "&name=x.csv&ttl=0").status, 400);
  EXPECT_EQ(BodyOf(kept)["etag"], "de5dda9b2f147cbb7cc4bbcd57d1c32d") << "one part: the file's MD5";

  // Names may have folders, never climbing out of them.
  HttpResult nested = upload(bob_, p + "&name=ml/detector/config/counts.csv");
  ASSERT_EQ(nested.status, 201) << nested.body;
  EXPECT_EQ(BodyOf(nested)["name"], "ml/detector/config/counts.csv");
  for (const char* bad : {"/counts.csv", "ml//counts.csv", "ml/../counts.csv", "ml/", "..", "ml/./x"}) {
    HttpResult refused = upload(bob_, p + "&name=" + core::PercentEncode(bad));
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
  }
  Expect(204, "DELETE", "/api/v1/data/" + std::to_string(BodyOf(nested)["id"].get<std::int64_t>()), bob_);

  const std::string d = "/api/v1/data/" + std::to_string(kept_id);
  HttpResult whole = Call("GET", d + "/download", carol_);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, csv);
  HttpResult part = Call("GET", d + "/download", carol_, "", {"Range: bytes=3-7"});
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, csv.substr(3, 5));
  EXPECT_EQ(Call("GET", d + "/download", carol_, "", {"Range: bytes=900-"}).status, 416);
  Expect(404, "GET", d, eve_);
  Expect(404, "GET", d + "/download", eve_);

  Json listed = Expect(200, "GET", "/api/v1/data?" + p, carol_);
  EXPECT_EQ(listed["total"], 2);
  EXPECT_EQ(Expect(200, "GET", "/api/v1/data", eve_)["total"], 0);
  Expect(404, "GET", "/api/v1/data?" + p, eve_);

  // Past its ttl a file is gone at once, and the sweep removes it.
  server_.clock().Advance(std::chrono::seconds(61));
  Expect(404, "GET", "/api/v1/data/" + std::to_string(brief_id), bob_);
  ASSERT_TRUE(server_.service().jobs().Sweep().ok());
  EXPECT_EQ(Expect(200, "GET", "/api/v1/data?" + p, carol_)["total"], 1);
  Expect(404, "GET", "/api/v1/data/" + std::to_string(brief_id) + "/download", bob_);

  Expect(403, "DELETE", d, carol_);
  Expect(204, "DELETE", d, bob_);
  Expect(404, "GET", d, bob_);
  Expect(404, "DELETE", d, bob_);
}

// ---- the job's own token ----

TEST_F(JobApiTest, AJobTokenReachesItsProjectOnlyAndEndsWithTheJob) {
  const std::int64_t job = PyramidsJob(UploadSample(project_, alice_, "a.png"));
  Json lease = Claim(admin_);
  ASSERT_FALSE(lease.is_null());
  const std::string token = lease["token"];
  ASSERT_FALSE(token.empty());
  Expect(200, "GET", Project(), token);
  Expect(200, "GET", JobPath(job), token);
  Expect(404, "GET", "/api/v1/projects/" + std::to_string(other_project_), token);
  Expect(403, "POST", "/api/v1/users/me/tokens", token, Json::object());
  Expect(403, "POST", "/api/v1/worker/claim", token, Json::object());  // a job's token is no worker
  EXPECT_EQ(Expect(200, "GET", "/api/v1/projects", token)["total"], 1);

  ASSERT_EQ(PutOutput(job, 1, "summary", "{}").status, 201);
  ASSERT_EQ(Finish(job, 1, true).status, 200);
  Expect(401, "GET", Project(), token);
  Expect(401, "GET", JobPath(job), token);
}

// ---- vitrine/dark-objects, run by the in-process workers ----

// Runs a job to its end with the server's own workers; the finished job.
Json RunToTheEnd(const std::function<HttpResult(const std::string&)>& get, std::int64_t job) {
  Json seen;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline) {
    HttpResult r = get("/api/v1/jobs/" + std::to_string(job) + "?wait=10");
    if (r.status != 200) {
      ADD_FAILURE() << r.body;
      return nullptr;
    }
    seen = BodyOf(r);
    if (seen["state"] == "COMPLETE" || seen["state"] == "FAILED") return seen;
  }
  ADD_FAILURE() << "job " << job << " did not finish: " << seen.dump();
  return seen;
}

TEST_F(JobApiTest, DarkObjectsFindsEveryDiscWithItsArea) {
  constexpr int kRadius = 20;
  const std::vector<std::pair<int, int>> discs = {{60, 60},  {180, 70},  {300, 60}, {420, 90},
                                                  {80, 220}, {220, 240}, {380, 250}};
  auto path = files_.path() / "discs.png";
  WriteDiscImage(path, 500, 320, discs, kRadius);
  const std::int64_t image = UploadImage(project_, alice_, "discs.png", ReadFileBytes(path));

  worker::WorkerOptions options;
  options.scratch_dir = files_.path() / "worker";
  worker::InProcessWorkers workers(server_.service(), options);
  Json created = CreateJob(alice_, {{"project", project_},
                                    {"analytic", "vitrine/dark-objects"},
                                    {"inputs", {{"images", {{"image-ids", {image}}}}}},
                                    {"auto_start", true}});
  Json done = RunToTheEnd([&](const std::string& p) { return Call("GET", p, carol_); }, created["id"]);
  ASSERT_EQ(done["state"], "COMPLETE") << done.dump();

  Json annotations = Expect(200, "GET",
                            "/api/v1/annotations?image=" + std::to_string(image) +
                                "&algorithm=vitrine/dark-objects&fields=id,properties&limit=1000",
                            carol_);
  ASSERT_EQ(annotations["items"].size(), discs.size()) << annotations.dump();
  const double expected = std::numbers::pi * kRadius * kRadius;
  for (const auto& a : annotations["items"]) {
    const double area = std::stod(a["properties"]["area"].get<std::string>());
    EXPECT_NEAR(area, expected, 0.05 * expected) << a.dump();
  }
  HttpResult summary =
      Call("GET", "/api/v1/jobs/" + std::to_string(done["id"].get<std::int64_t>()) + "/outputs/summary", carol_);
  ASSERT_EQ(summary.status, 200);
  EXPECT_EQ(BodyOf(summary)[0]["objects"], discs.size()) << summary.body;
}

TEST_F(JobApiTest, DarkObjectsCountsInsectsOnAStickyPiPhoto) {
  const std::filesystem::path photo =
      std::filesystem::path(VITRINE_STICKYPI_PHOTOS) / "1b74105a" / "1b74105a.2020-07-05_10-07-16.jpg";
  ASSERT_TRUE(std::filesystem::exists(photo)) << photo << " is missing: ../shared/data must be beside the checkout";
  const std::int64_t image = UploadImage(project_, alice_, photo.filename().string(), ReadFileBytes(photo));

  worker::WorkerOptions options;
  options.scratch_dir = files_.path() / "worker";
  worker::InProcessWorkers workers(server_.service(), options);
  Json created = CreateJob(alice_, {{"project", project_},
                                    {"analytic", "vitrine/dark-objects"},
                                    {"inputs", {{"images", {{"image-ids", {image}}}}}},
                                    {"auto_start", true}});
  Json done = RunToTheEnd([&](const std::string& p) { return Call("GET", p, alice_); }, created["id"]);
  ASSERT_EQ(done["state"], "COMPLETE") << done.dump();
  const std::int64_t count = Expect(
      200, "GET", "/api/v1/annotations?image=" + std::to_string(image) + "&algorithm=vitrine/dark-objects&limit=0",
      alice_)["total"];
  std::cout << photo.filename().string() << ": " << count << " dark objects\n";
  EXPECT_GE(count, 150);
  EXPECT_LE(count, 350);
}

TEST_F(JobApiTest, FeaturesJobWritesTheTableTheFeatureRouteGivesInTheInputsOrder) {
  std::vector<std::int64_t> images;
  Json resources = Json::array();
  for (int i = 0; i < 3; ++i) {
    const std::string name = "texture" + std::to_string(i) + ".png";
    WriteSampleImage(files_.path() / name, {.width = 64 + 16 * i, .height = 48});
    images.push_back(UploadImage(project_, alice_, name, ReadFileBytes(files_.path() / name)));
  }
  std::reverse(images.begin(), images.end());  // rows follow the inputs, not the ids
  for (std::int64_t id : images) resources.push_back({{"image", id}});

  worker::WorkerOptions options;
  options.scratch_dir = files_.path() / "worker";
  worker::InProcessWorkers workers(server_.service(), options);
  auto run = [&](const Json& parameters) {
    Json created = CreateJob(alice_, {{"project", project_},
                                      {"analytic", "vitrine/features"},
                                      {"inputs", {{"images", {{"image-ids", images}}}}},
                                      {"parameters", parameters},
                                      {"auto_start", true}});
    return RunToTheEnd([&](const std::string& p) { return Call("GET", p, carol_); }, created["id"]);
  };
  Json done = run({{"descriptor", "HTD"}, {"format", "json"}, {"cache", false}});
  ASSERT_EQ(done["state"], "COMPLETE") << done.dump();
  EXPECT_EQ(done["progress"], 100);
  const std::string outputs = "/api/v1/jobs/" + std::to_string(done["id"].get<std::int64_t>()) + "/outputs/features";
  HttpResult table = Call("GET", outputs, carol_);
  ASSERT_EQ(table.status, 200) << table.body;
  Json direct = Expect(200, "POST", "/api/v1/features/HTD?format=json&cache=false", carol_, {{"resources", resources}});
  ASSERT_EQ(BodyOf(table)["rows"].size(), 3u) << table.body;
  EXPECT_EQ(BodyOf(table), direct);
  EXPECT_EQ(BodyOf(table)["rows"][0]["image"], "/api/v1/images/" + std::to_string(images[0]));

  Json hdf5 = run({{"descriptor", "HTD"}});
  ASSERT_EQ(hdf5["state"], "COMPLETE") << hdf5.dump();
  EXPECT_EQ(hdf5["outputs"][0]["filename"], "features.h5") << hdf5.dump();
  HttpResult file =
      Call("GET", "/api/v1/jobs/" + std::to_string(hdf5["id"].get<std::int64_t>()) + "/outputs/features", carol_);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body.substr(0, 4), "\x89HDF");

  Json unknown = run({{"descriptor", "NoSuchThing"}});
  EXPECT_EQ(unknown["state"], "FAILED");
  EXPECT_NE(unknown["failure_reason"].get<std::string>().find("NoSuchThing"), std::string::npos) << unknown.dump();
  CreateJob(alice_,
            {{"project", project_},
             {"analytic", "vitrine/features"},
             {"inputs", {{"images", {{"image-ids", images}}}}},
             {"parameters", {{"descriptor", "HTD"}, {"format", "xml"}}}},
            400);
}

TEST_F(JobApiTest, AFeatureRequestTooLongForOneAnswerRunsAsAJob) {
  std::vector<std::int64_t> images;
  for (int i = 0; i < 2; ++i) {
    const std::string name = "long" + std::to_string(i) + ".png";
    WriteSampleImage(files_.path() / name, {.width = 40 + 8 * i, .height = 32});
    images.push_back(UploadImage(project_, alice_, name, ReadFileBytes(files_.path() / name)));
  }
  worker::WorkerOptions options;
  options.scratch_dir = files_.path() / "worker";
  worker::InProcessWorkers workers(server_.service(), options);

  // Asked for: the job's table is the answer the request would have given.
  Json ids = images;
  HttpResult asked = Call("POST", "/api/v1/features/HTD?format=json&cache=false", alice_,
                          Json{{"resources", ids}, {"job", true}}.dump());
  ASSERT_EQ(asked.status, 202) << asked.body;
  Json job = BodyOf(asked);
  EXPECT_EQ(job["analytic"], "vitrine/features") << asked.body;
  EXPECT_EQ(job["project_id"], project_) << asked.body;
  EXPECT_EQ(asked.header("location"), "/api/v1/jobs/" + std::to_string(job["id"].get<std::int64_t>()));
  Json done = RunToTheEnd([&](const std::string& p) { return Call("GET", p, alice_); }, job["id"]);
  ASSERT_EQ(done["state"], "COMPLETE") << done.dump();
  Json direct = Expect(200, "POST", "/api/v1/features/HTD?format=json&cache=false", alice_, {{"resources", ids}});
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/jobs/" + std::to_string(done["id"].get<std::int64_t>()) + "/outputs/features",
                        alice_)),
            direct);

  // Past a request's 10,000 resources: a job without being asked, one row per resource.
  Json many = Json::array();
  for (int i = 0; i < 10001; ++i) many.push_back(images[i % 2]);
  HttpResult long_list =
      Call("POST", "/api/v1/features/Pixel_Intensity_Statistics?format=csv", alice_, Json{{"resources", many}}.dump());
  ASSERT_EQ(long_list.status, 202) << long_list.body;
  done = RunToTheEnd([&](const std::string& p) { return Call("GET", p, alice_); }, BodyOf(long_list)["id"]);
  ASSERT_EQ(done["state"], "COMPLETE") << done.dump();
  EXPECT_EQ(done["outputs"][0]["filename"], "features.csv") << done.dump();
  HttpResult csv =
      Call("GET", "/api/v1/jobs/" + std::to_string(done["id"].get<std::int64_t>()) + "/outputs/features", alice_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 10002) << csv.body.substr(0, 300);

  // What a job cannot take is said before anything runs.
  Expect(400, "POST", "/api/v1/features/HTD", alice_,
         {{"resources", {{{"image", images[0]}, {"region", {0, 0, 8, 8}}}}}, {"job", true}});
  Expect(400, "POST", "/api/v1/features/HTD", alice_, {{"resources", many}, {"job", false}});
  Expect(404, "POST", "/api/v1/features/NoSuchThing", alice_, {{"resources", ids}, {"job", true}});
  Expect(400, "POST", "/api/v1/features/HTD?format=xml", alice_, {{"resources", ids}, {"job", true}});
  Expect(400, "POST", "/api/v1/features/HTD", eve_, {{"resources", ids}, {"job", true}});    // not eve's images
  Expect(403, "POST", "/api/v1/features/HTD", carol_, {{"resources", ids}, {"job", true}});  // a viewer runs no job
}

}  // namespace
}  // namespace vitrine::testing
