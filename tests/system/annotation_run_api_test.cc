// Annotation runs over real HTTP: one (image, algorithm, version) result each, all or nothing,
// replaced only when asked, checked against the image's MD5, listed as a device series in
// capture order, deleted with their annotations, and guarded by project roles.
#include <gtest/gtest.h>

#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

class AnnotationRunApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_token_ = server_.CreateUserWithToken("alice", false, &alice_);
    bob_token_ = server_.CreateUserWithToken("bob", false, &bob_);
    eve_token_ = server_.CreateUserWithToken("eve");
    project_ = BodyOf(Call("POST", "/api/v1/projects", alice_token_, Json{{"name", "Traps"}}.dump()))["id"];
    // Two devices; uploaded out of capture order so the listing's order is the server's doing.
    late_ = Upload("5c173ff2.2020-06-21_08-00-00.jpg", 1);
    early_ = Upload("5c173ff2.2020-06-20_21-33-24.jpg", 2);
    other_device_ = Upload("0a1b2c3d.2020-06-20_22-00-00.jpg", 3);
  }

  HttpResult Call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    return HttpCall(method, server_.url(path), {"Authorization: Bearer " + token, "Content-Type: application/json"},
                    body);
  }

  std::int64_t Upload(const std::string& name, int seed) {
    auto path = files_.path() / name;
    WriteSampleImage(path, {.width = 80 + seed, .height = 60});
    HttpResult r =
        HttpCall("POST", server_.url("/api/v1/projects/" + std::to_string(project_) + "/images?filename=" + name),
                 {"Authorization: Bearer " + alice_token_}, ReadFileBytes(path));
    EXPECT_EQ(r.status, 201) << r.body;
    return BodyOf(r)["id"].get<std::int64_t>();
  }

  static Json Run(std::int64_t image, const std::string& version, int boxes) {
    Json annotations = Json::array();
    for (int i = 0; i < boxes; ++i) {
      annotations.push_back(
          {{"wkt", "POINT (" + std::to_string(10 + i) + " 20)"}, {"properties", {{"class", "moth"}}}});
    }
    return {{"image_id", image},
            {"algorithm", "insect-detector"},
            {"algorithm_version", version},
            {"metadata", {{"model_md5", "ad2cd78d"}}},
            {"annotations", std::move(annotations)}};
  }

  Json Post(const Json& body, int expected_status, const std::string& token = "") {
    HttpResult r = Call("POST", "/api/v1/annotation-runs", token.empty() ? alice_token_ : token, body.dump());
    EXPECT_EQ(r.status, expected_status) << r.body;
    return BodyOf(r);
  }

  Json Get(const std::string& path, int expected_status = 200, const std::string& token = "") {
    HttpResult r = Call("GET", path, token.empty() ? alice_token_ : token);
    EXPECT_EQ(r.status, expected_status) << path << ": " << r.body;
    return BodyOf(r);
  }

  std::int64_t AnnotationsOn(std::int64_t image) {
    return Get("/api/v1/annotations?image=" + std::to_string(image) + "&limit=0")["total"].get<std::int64_t>();
  }

  TestServer server_;
  TempDir files_;
  std::string alice_token_, bob_token_, eve_token_;
  UserId alice_, bob_;
  std::int64_t project_ = 0, late_ = 0, early_ = 0, other_device_ = 0;
};

TEST_F(AnnotationRunApiTest, RunIsStoredWithItsAnnotationsAndMetadata) {
  Json created = Post(Run(early_, "1598113346-ad2c", 3), 201);
  ASSERT_TRUE(created["annotation_ids"].is_array());
  EXPECT_EQ(created["annotation_ids"].size(), 3u);
  EXPECT_EQ(created["annotation_count"], 3);
  EXPECT_EQ(created["image_id"], early_);
  EXPECT_EQ(created["project_id"], project_);
  EXPECT_EQ(created["device"], "5c173ff2");
  EXPECT_EQ(created["captured_at"], "2020-06-20T21:33:24Z");
  EXPECT_EQ(created["metadata"]["model_md5"], "ad2cd78d");
  EXPECT_EQ(created["created_by"], alice_.value());
  const std::int64_t run = created["id"];

  // Each annotation carries the run's algorithm and id, in input order.
  Json items = Get("/api/v1/annotations?run=" + std::to_string(run) + "&image=" + std::to_string(early_))["items"];
  ASSERT_EQ(items.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(items[i]["id"], created["annotation_ids"][i]);
    EXPECT_EQ(items[i]["run_id"], run);
    EXPECT_EQ(items[i]["algorithm"], "insect-detector");
    EXPECT_EQ(items[i]["algorithm_version"], "1598113346-ad2c");
    EXPECT_EQ(items[i]["bbox"][0], 10.0 + static_cast<double>(i));
  }
  Json fetched = Get("/api/v1/annotation-runs/" + std::to_string(run));
  created.erase("annotation_ids");
  EXPECT_EQ(fetched, created);

  // A detector that found nothing still records that it ran.
  Json empty = Post(Run(late_, "1598113346-ad2c", 0), 201);
  EXPECT_EQ(empty["annotation_count"], 0);
  EXPECT_TRUE(empty["annotation_ids"].empty());
}

TEST_F(AnnotationRunApiTest, SameImageAlgorithmAndVersionIsStoredOnce) {
  std::int64_t first = Post(Run(early_, "v1", 2), 201)["id"];
  Json conflict = Post(Run(early_, "v1", 5), 409);
  EXPECT_NE(conflict["error"]["message"].get<std::string>().find("already stored"), std::string::npos)
      << conflict.dump();
  EXPECT_EQ(AnnotationsOn(early_), 2);
  // Another version is another run.
  Post(Run(early_, "v2", 1), 201);
  EXPECT_EQ(AnnotationsOn(early_), 3);
  // Replacing drops the old run's annotations in the same transaction.
  Json replace = Run(early_, "v1", 4);
  replace["replace"] = true;
  Json second = Post(replace, 201);
  EXPECT_NE(second["id"], first);
  EXPECT_EQ(second["annotation_count"], 4);
  EXPECT_EQ(AnnotationsOn(early_), 5);
  Get("/api/v1/annotation-runs/" + std::to_string(first), 404);
}

TEST_F(AnnotationRunApiTest, BadRunsStoreNothing) {
  Json image = Get("/api/v1/images/" + std::to_string(early_));
  Json wrong_md5 = Run(early_, "v1", 2);
  wrong_md5["image_md5"] = "00000000000000000000000000000000";
  EXPECT_NE(Post(wrong_md5, 400)["error"]["message"].get<std::string>().find("MD5"), std::string::npos);
  Json right_md5 = Run(early_, "v0", 1);
  right_md5["image_md5"] = image["md5"];
  Post(right_md5, 201);

  Json broken = Run(early_, "v1", 3);
  broken["annotations"][1]["wkt"] = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))";  // self-intersecting
  EXPECT_NE(Post(broken, 400)["error"]["message"].get<std::string>().find("annotation 1"), std::string::npos);
  Json elsewhere = Run(early_, "v1", 2);
  elsewhere["annotations"][0]["image_id"] = late_;
  Post(elsewhere, 400);
  Json no_version = Run(early_, "v1", 1);
  no_version.erase("algorithm_version");
  Post(no_version, 400);
  Json no_list = Run(early_, "v1", 1);
  no_list.erase("annotations");
  Post(no_list, 400);
  Post(Run(999999, "v1", 1), 404);
  EXPECT_EQ(Call("POST", "/api/v1/annotation-runs", alice_token_, "{not json").status, 400);

  EXPECT_EQ(AnnotationsOn(early_), 1);
  EXPECT_EQ(Get("/api/v1/annotation-runs?project=" + std::to_string(project_))["total"], 1);
}

TEST_F(AnnotationRunApiTest, SeriesByDeviceAndTimeInCaptureOrder) {
  std::int64_t on_late = Post(Run(late_, "v1", 1), 201)["id"];
  std::int64_t on_early = Post(Run(early_, "v1", 2), 201)["id"];
  std::int64_t on_other = Post(Run(other_device_, "v1", 1), 201)["id"];
  std::int64_t newer = Post(Run(early_, "v2", 1), 201)["id"];

  auto ids = [&](const std::string& query) {
    std::vector<std::int64_t> out;
    const Json listing = Get("/api/v1/annotation-runs?" + query);
    for (const auto& run : listing["items"]) out.push_back(run["id"]);
    return out;
  };
  EXPECT_EQ(ids("device=5c17%25&algorithm_version=v1"), (std::vector<std::int64_t>{on_early, on_late}));
  EXPECT_EQ(ids("device=5c17%25"), (std::vector<std::int64_t>{on_early, newer, on_late}));
  EXPECT_EQ(ids("captured_from=2020-06-20T22:00:00Z&captured_to=2020-06-21T00:00:00Z"),
            (std::vector<std::int64_t>{on_other}));
  EXPECT_EQ(ids("image=" + std::to_string(early_) + "&algorithm=insect-detector&algorithm_version=v2"),
            (std::vector<std::int64_t>{newer}));
  EXPECT_EQ(ids("property=model_md5=ad2cd78d&algorithm_version=v1&device=0a1b%25"),
            (std::vector<std::int64_t>{on_other}));
  EXPECT_TRUE(ids("property=model_md5=other").empty());
  Json page = Get("/api/v1/annotation-runs?limit=2&offset=1");
  EXPECT_EQ(page["total"], 4);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], newer);
  EXPECT_EQ(Get("/api/v1/annotation-runs?limit=0")["total"], 4);
  Get("/api/v1/annotation-runs?captured_from=yesterday", 400);
  Get("/api/v1/annotation-runs?limit=100000", 400);
}

TEST_F(AnnotationRunApiTest, DeletingARunOrItsImageTakesItsAnnotations) {
  Json run = Post(Run(early_, "v1", 3), 201);
  Post(Run(late_, "v1", 2), 201);
  // Deleting one annotation of the run lowers its live count.
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations/" + std::to_string(run["annotation_ids"][0].get<std::int64_t>()),
                 alice_token_)
                .status,
            204);
  EXPECT_EQ(Get("/api/v1/annotation-runs/" + std::to_string(run["id"].get<std::int64_t>()))["annotation_count"], 2);
  EXPECT_EQ(
      Call("DELETE", "/api/v1/annotation-runs/" + std::to_string(run["id"].get<std::int64_t>()), alice_token_).status,
      204);
  EXPECT_EQ(AnnotationsOn(early_), 0);
  // The box index forgot them too: a box query over the whole image finds nothing.
  EXPECT_EQ(Get("/api/v1/annotations?image=" + std::to_string(early_) + "&bbox=0,0,1000,1000&limit=0")["total"], 0);
  EXPECT_EQ(
      Call("DELETE", "/api/v1/annotation-runs/" + std::to_string(run["id"].get<std::int64_t>()), alice_token_).status,
      404);
  EXPECT_EQ(Call("DELETE", "/api/v1/images/" + std::to_string(late_), alice_token_).status, 204);
  EXPECT_EQ(Get("/api/v1/annotation-runs")["total"], 0);
}

TEST_F(AnnotationRunApiTest, LeasesHandOutImagesWithoutARunOnceEach) {
  Post(Run(early_, "1598113346-ad2c", 1), 201);
  auto lease = [&](const Json& body, int expected_status, const std::string& token = "") {
    HttpResult r = Call("POST", "/api/v1/annotation-leases", token.empty() ? alice_token_ : token, body.dump());
    EXPECT_EQ(r.status, expected_status) << r.body;
    return BodyOf(r);
  };
  const Json ask = {{"project", project_}, {"algorithm", "insect-detector"}, {"min_version", "1598113346"},
                    {"device", "5c17%"},   {"from", "2020-06-20T00:00:00Z"}, {"to", "2020-06-22T00:00:00Z"},
                    {"limit", 1}};
  Json first = lease(ask, 200);
  ASSERT_EQ(first["items"].size(), 1u) << first.dump();
  EXPECT_EQ(first["items"][0]["id"], late_) << "the early photo has its run; the other device is not asked for";
  EXPECT_EQ(lease(ask, 200)["items"].size(), 0u) << "held by the first lease";
  Json newer = ask;
  newer["min_version"] = "1700000000";
  EXPECT_EQ(lease(newer, 200)["items"][0]["id"], early_) << "a newer version needs the annotated photo";

  Call("PUT", "/api/v1/projects/" + std::to_string(project_) + "/members/" + std::to_string(bob_.value()), alice_token_,
       Json{{"role", "viewer"}}.dump());
  lease(ask, 403, bob_token_);
  lease(ask, 404, eve_token_);
  Json bad = ask;
  bad.erase("algorithm");
  EXPECT_NE(lease(bad, 400)["error"]["message"].get<std::string>().find("algorithm"), std::string::npos);
  bad = ask;
  bad["limit"] = 1000;
  lease(bad, 400);
  bad = ask;
  bad["from"] = "yesterday";
  lease(bad, 400);
  bad.erase("from");
  bad.erase("project");
  lease(bad, 400);
}

TEST_F(AnnotationRunApiTest, PermissionsOnEveryRoute) {
  const std::string p = std::to_string(project_);
  std::int64_t alices = Post(Run(early_, "v1", 1), 201)["id"];
  const std::string path = "/api/v1/annotation-runs/" + std::to_string(alices);

  // A stranger sees nothing, not even that the run exists.
  Post(Run(early_, "v9", 1), 404, eve_token_);
  Get(path, 404, eve_token_);
  Get("/api/v1/annotation-runs?project=" + p, 404, eve_token_);
  EXPECT_EQ(Get("/api/v1/annotation-runs", 200, eve_token_)["total"], 0);  // across projects: only their own
  EXPECT_EQ(Call("DELETE", path, eve_token_).status, 404);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/annotation-runs")).status, 401);

  // A viewer reads and does not write.
  Call("PUT", "/api/v1/projects/" + p + "/members/" + std::to_string(bob_.value()), alice_token_,
       Json{{"role", "viewer"}}.dump());
  EXPECT_EQ(Get("/api/v1/annotation-runs", 200, bob_token_)["total"], 1);
  Get(path, 200, bob_token_);
  Post(Run(early_, "v9", 1), 403, bob_token_);
  EXPECT_EQ(Call("DELETE", path, bob_token_).status, 403);

  // A contributor stores runs and deletes or replaces his own, not the manager's.
  Call("PUT", "/api/v1/projects/" + p + "/members/" + std::to_string(bob_.value()), alice_token_,
       Json{{"role", "contributor"}}.dump());
  std::int64_t his = Post(Run(early_, "v2", 1), 201, bob_token_)["id"];
  Json replace_hers = Run(early_, "v1", 1);
  replace_hers["replace"] = true;
  Post(replace_hers, 403, bob_token_);
  EXPECT_EQ(Call("DELETE", path, bob_token_).status, 403);
  Json replace_his = Run(early_, "v2", 2);
  replace_his["replace"] = true;
  his = Post(replace_his, 201, bob_token_)["id"];
  EXPECT_EQ(Call("DELETE", "/api/v1/annotation-runs/" + std::to_string(his), bob_token_).status, 204);
  // The manager deletes anyone's.
  EXPECT_EQ(Call("DELETE", path, alice_token_).status, 204);
  EXPECT_EQ(AnnotationsOn(early_), 0);
}

}  // namespace
}  // namespace vitrine::testing
