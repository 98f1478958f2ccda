// The server over real HTTP on a loopback port: authentication in every form, error bodies,
// limits, and the full permission matrix.
#include <gtest/gtest.h>

#include "auth/cytomine_signature.h"
#include "core/digest.h"
#include "core/time_format.h"
#include "support/http_client.h"
#include "support/test_server.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

// Every error is a JSON body naming a code and a message.
void ExpectError(const HttpResult& r, long status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body << r.error;
  Json body = BodyOf(r);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body["error"]["code"], code) << r.body;
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
}

class ApiTest : public ::testing::Test {
 protected:
  std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token; }
  HttpResult Get(const std::string& path, const std::string& token) {
    return HttpCall("GET", server_.url(path), {Bearer(token)});
  }
  TestServer server_;
};

TEST_F(ApiTest, HealthNeedsNoAuthentication) {
  HttpResult r = HttpCall("GET", server_.url("/api/v1/health"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r), Json({{"status", "ok"}}));
  EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(ApiTest, EverythingElseNeedsAuthentication) {
  ExpectError(HttpCall("GET", server_.url("/api/v1/users/me")), 401, "unauthenticated");
  ExpectError(HttpCall("GET", server_.url("/api/v1/projects")), 401, "unauthenticated");
  ExpectError(HttpCall("GET", server_.url("/api/v1/users/me"), {"Authorization: Negotiate abc"}), 401,
              "unauthenticated");
}

TEST_F(ApiTest, SignInReturnsAWorkingTokenAndSignOutRevokesIt) {
  server_.CreateUserWithToken("alice");
  HttpResult r = HttpCall("POST", server_.url("/api/v1/auth/token"), {},
                          R"({"username":"alice","password":"password-alice"})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = BodyOf(r);
  std::string token = body["token"];
  EXPECT_TRUE(core::ParseIso8601(body["expires_at"].get<std::string>()).ok());

  HttpResult me = Get("/api/v1/users/me", token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(BodyOf(me)["username"], "alice");
  EXPECT_EQ(BodyOf(me).count("password_hash"), 0u);

  EXPECT_EQ(HttpCall("DELETE", server_.url("/api/v1/auth/token"), {Bearer(token)}).status, 204);
  ExpectError(Get("/api/v1/users/me", token), 401, "unauthenticated");
}

TEST_F(ApiTest, WrongPasswordsAndTokensAreRefused) {
  server_.CreateUserWithToken("alice");
  ExpectError(HttpCall("POST", server_.url("/api/v1/auth/token"), {}, R"({"username":"alice","password":"nope-nope"})"),
              401, "unauthenticated");
  ExpectError(HttpCall("POST", server_.url("/api/v1/auth/token"), {}, R"({"username":"alice"})"), 400,
              "invalid_argument");
  ExpectError(Get("/api/v1/users/me", "vt_not-a-real-token"), 401, "unauthenticated");
  ExpectError(Get("/api/v1/users/me", ""), 401, "unauthenticated");
}

TEST_F(ApiTest, ExpiredTokensAreRefused) {
  std::string token = server_.CreateUserWithToken("alice");
  EXPECT_EQ(Get("/api/v1/users/me", token).status, 200);
  server_.clock().Advance(std::chrono::hours(25));
  HttpResult r = Get("/api/v1/users/me", token);
  ExpectError(r, 401, "unauthenticated");
  EXPECT_EQ(BodyOf(r)["error"]["message"], "token expired");
}

TEST_F(ApiTest, BasicAuthWorksWithTheRightPasswordOnly) {
  server_.CreateUserWithToken("alice");
  std::string good = "Authorization: Basic " + core::Base64Encode("alice:password-alice");
  std::string bad = "Authorization: Basic " + core::Base64Encode("alice:password-wrong");
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/users/me"), {good}).status, 200);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/users/me"), {good}).status, 200);  // remembered path
  ExpectError(HttpCall("GET", server_.url("/api/v1/users/me"), {bad}), 401, "unauthenticated");
  ExpectError(HttpCall("GET", server_.url("/api/v1/users/me"), {"Authorization: Basic ###"}), 401, "unauthenticated");
}

class SignatureTest : public ApiTest {
 protected:
  void SetUp() override {
    token_ = server_.CreateUserWithToken("alice");
    HttpResult r = HttpCall("POST", server_.url("/api/v1/users/me/keys"), {Bearer(token_)});
    ASSERT_EQ(r.status, 201) << r.body;
    public_key_ = BodyOf(r)["public_key"];
    private_key_ = BodyOf(r)["private_key"];
  }

  // Sends a request signed as a Cytomine client would, with the chosen parts.
  HttpResult SignedCall(const std::string& method, const std::string& sent_target, const std::string& signed_target,
                        const std::string& private_key, std::string date = "", bool with_resource = true) {
    if (date.empty()) date = core::FormatHttpDate(server_.clock().Now());
    auth::SignedRequestParts parts{method, "", date, signed_target};
    std::string to_sign =
        with_resource ? auth::StringToSignWithResource(parts) : auth::StringToSignWithoutResource(parts);
    std::string header = "Authorization: CYTOMINE " + public_key_ + ":" + auth::CytomineSignature(private_key, to_sign);
    return HttpCall(method, server_.url(sent_target), {header, "Date: " + date});
  }

  std::string token_, public_key_, private_key_;
};

TEST_F(SignatureTest, BothClientGenerationsAreAccepted) {
  EXPECT_EQ(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_).status, 200);
  EXPECT_EQ(SignedCall("GET", "/api/v1/projects?limit=5&offset=0", "/api/v1/projects?limit=5&offset=0", private_key_)
                .status,
            200);
  EXPECT_EQ(SignedCall("GET", "/api/v1/users/me", "", private_key_, "", /*with_resource=*/false).status, 200);
  // Cytomine clients format the date with "+0000" rather than "GMT".
  std::string plus_zero = core::FormatHttpDate(server_.clock().Now());
  plus_zero.replace(plus_zero.size() - 3, 3, "+0000");
  EXPECT_EQ(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_, plus_zero).status, 200);
}

TEST_F(SignatureTest, WrongKeyTamperedPathOldDateAndRevokedKeyAreRefused) {
  ExpectError(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", "not-the-key"), 401, "unauthenticated");
  ExpectError(SignedCall("GET", "/api/v1/projects?limit=1", "/api/v1/projects?limit=2", private_key_), 401,
              "unauthenticated");
  std::string old_date = core::FormatHttpDate(server_.clock().Now() - std::chrono::minutes(16));
  HttpResult old = SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_, old_date);
  ExpectError(old, 401, "unauthenticated");
  EXPECT_NE(BodyOf(old)["error"]["message"].get<std::string>().find("server clock"), std::string::npos);
  std::string future = core::FormatHttpDate(server_.clock().Now() + std::chrono::minutes(16));
  ExpectError(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_, future), 401, "unauthenticated");
  std::string recent = core::FormatHttpDate(server_.clock().Now() - std::chrono::minutes(14));
  EXPECT_EQ(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_, recent).status, 200);
  ExpectError(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_, "yesterday"), 401,
              "unauthenticated");

  HttpResult keys = HttpCall("GET", server_.url("/api/v1/users/me/keys"), {Bearer(token_)});
  ASSERT_EQ(keys.status, 200);
  EXPECT_EQ(BodyOf(keys)["items"][0].count("private_key"), 0u) << "private keys are shown only once";
  std::string key_id = std::to_string(BodyOf(keys)["items"][0]["id"].get<int>());
  EXPECT_EQ(HttpCall("DELETE", server_.url("/api/v1/users/me/keys/" + key_id), {Bearer(token_)}).status, 204);
  ExpectError(SignedCall("GET", "/api/v1/users/me", "/api/v1/users/me", private_key_), 401, "unauthenticated");
}

TEST_F(ApiTest, MalformedRequestsGetJsonErrorsAndTheServerStaysUp) {
  std::string token = server_.CreateUserWithToken("alice");
  auto post = [&](const std::string& body) {
    return HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(token)}, body);
  };
  ExpectError(post("{\"name\": "), 400, "invalid_argument");
  ExpectError(post("[1,2,3]"), 400, "invalid_argument");
  ExpectError(post("{\"name\": 42}"), 400, "invalid_argument");
  ExpectError(post(""), 400, "invalid_argument");
  ExpectError(post(std::string("{\"name\": \"\xff\xfe\"}")), 400, "invalid_argument");
  ExpectError(HttpCall("GET", server_.url("/api/v1/projects/abc"), {Bearer(token)}), 400, "invalid_argument");
  ExpectError(HttpCall("GET", server_.url("/api/v1/projects/-1"), {Bearer(token)}), 400, "invalid_argument");
  ExpectError(HttpCall("GET", server_.url("/api/v1/projects?limit=0"), {Bearer(token)}), 400, "invalid_argument");
  ExpectError(HttpCall("GET", server_.url("/api/v1/projects/%zz"), {Bearer(token)}), 400, "invalid_argument");
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/health")).status, 200);
}

TEST_F(ApiTest, UnknownRoutesAre404AndWrongMethods405) {
  std::string token = server_.CreateUserWithToken("alice");
  ExpectError(HttpCall("GET", server_.url("/api/v1/nothing-here"), {Bearer(token)}), 404, "not_found");
  ExpectError(HttpCall("GET", server_.url("/"), {}), 404, "not_found");
  HttpResult r = HttpCall("PUT", server_.url("/api/v1/projects"), {Bearer(token)}, "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "POST, GET");
}

TEST_F(ApiTest, GarbageOnTheWireIsA400) {
  std::string reply = RawExchange(server_.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  reply = RawExchange(server_.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 431")) << reply.substr(0, 100);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/health")).status, 200);
}

TEST_F(ApiTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string one = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string reply = RawExchange(server_.port(), one + one + "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = reply.find("HTTP/1.1 200", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 3u) << reply;
}

TEST(ApiLimitsTest, OversizedBodiesAre413WithOrWithoutExpectContinue) {
  http::ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  TestServer server(options);
  std::string token = server.CreateUserWithToken("alice");
  std::string big = "{\"name\": \"" + std::string(100 * 1024, 'x') + "\"}";
  ExpectError(HttpCall("POST", server.url("/api/v1/projects"), {"Authorization: Bearer " + token, "Expect:"}, big), 413,
              "too_large");
  ExpectError(HttpCall("POST", server.url("/api/v1/projects"),
                       {"Authorization: Bearer " + token, "Expect: 100-continue"}, big),
              413, "too_large");
  // A body just under the limit still goes through, with 100-continue answered.
  std::string fits = "{\"name\": \"fits\", \"description\": \"" + std::string(60 * 1024, 'y') + "\"}";
  HttpResult ok = HttpCall("POST", server.url("/api/v1/projects"),
                           {"Authorization: Bearer " + token, "Expect: 100-continue"}, fits);
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST(ApiLimitsTest, IdleAndSlowHeaderConnectionsAreClosed) {
  http::ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  options.header_timeout = std::chrono::seconds(1);
  TestServer server(options);
  auto started = std::chrono::steady_clock::now();
  // Says nothing: closed by the idle timeout, long before RawExchange's own 8 s give up.
  EXPECT_EQ(RawExchange(server.port(), "", 8000), "");
  // Starts a request and never finishes its headers (slowloris): closed by the header timeout.
  EXPECT_EQ(RawExchange(server.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n", 8000), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(7));
  EXPECT_EQ(HttpCall("GET", server.url("/api/v1/health")).status, 200);
}

TEST_F(ApiTest, SqlLookingInputIsStoredVerbatim) {
  std::string token = server_.CreateUserWithToken("alice");
  std::string name = "Robert'); DROP TABLE projects;--";
  Json request = {{"name", name}, {"description", "1 OR 1=1; SELECT * FROM users"}};
  HttpResult created = HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(token)}, request.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = std::to_string(BodyOf(created)["id"].get<int>());
  HttpResult fetched = Get("/api/v1/projects/" + id, token);
  EXPECT_EQ(BodyOf(fetched)["name"], name);
  EXPECT_EQ(BodyOf(fetched)["description"], "1 OR 1=1; SELECT * FROM users");
  EXPECT_EQ(BodyOf(Get("/api/v1/projects", token))["total"], 1);
  ExpectError(Get("/api/v1/users?username=x'%20OR%20'1'='1", token), 403, "permission_denied");
}

TEST_F(ApiTest, ProjectListsPaginate) {
  std::string token = server_.CreateUserWithToken("alice");
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(token)},
                       Json({{"name", "p" + std::to_string(i)}}).dump())
                  .status,
              201);
  }
  Json page = BodyOf(Get("/api/v1/projects?limit=3&offset=6", token));
  EXPECT_EQ(page["total"], 7);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["name"], "p6");
  EXPECT_EQ(BodyOf(Get("/api/v1/projects?limit=3&offset=9", token))["items"].size(), 0u);
}

TEST_F(ApiTest, ProjectLifecycleThroughTheApi) {
  UserId bob_id;
  std::string alice = server_.CreateUserWithToken("alice");
  std::string bob = server_.CreateUserWithToken("bob", false, &bob_id);
  HttpResult created = HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(alice)},
                                R"({"name":"Lung slides","description":"cohort A"})");
  ASSERT_EQ(created.status, 201);
  std::string path = "/api/v1/projects/" + std::to_string(BodyOf(created)["id"].get<int>());
  ExpectError(Get(path, bob), 404, "not_found");
  HttpResult added = HttpCall("PUT", server_.url(path + "/members/" + std::to_string(bob_id.value())), {Bearer(alice)},
                              R"({"role":"viewer"})");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(BodyOf(added)["role"], "viewer");
  EXPECT_EQ(BodyOf(Get(path, bob))["name"], "Lung slides");
  ExpectError(HttpCall("PUT", server_.url(path + "/members/" + std::to_string(bob_id.value())), {Bearer(alice)},
                       R"({"role":"owner"})"),
              400, "invalid_argument");
  HttpResult patched = HttpCall("PATCH", server_.url(path), {Bearer(alice)}, R"({"name":"Lung slides v2"})");
  EXPECT_EQ(BodyOf(patched)["name"], "Lung slides v2");
  EXPECT_EQ(BodyOf(patched)["description"], "cohort A");
  EXPECT_EQ(BodyOf(Get(path + "/members", bob))["total"], 2);

  HttpResult tagged = HttpCall("PATCH", server_.url(path), {Bearer(alice)},
                               R"({"properties":{"cohort":"A","site":"Bern"}})");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  for (const char* bad : {R"({"properties":5})", R"({"properties":{"site":7}})", R"({"properties":{"":"x"}})"}) {
    ExpectError(HttpCall("PATCH", server_.url(path), {Bearer(alice)}, bad), 400, "invalid_argument");
  }
  ExpectError(HttpCall("PATCH", server_.url(path), {Bearer(bob)}, R"({"properties":{"site":null}})"), 403,
              "permission_denied");
  HttpResult untagged = HttpCall("PATCH", server_.url(path), {Bearer(alice)}, R"({"properties":{"cohort":null}})");
  EXPECT_EQ(BodyOf(untagged)["properties"], Json({{"site", "Bern"}})) << untagged.body;
  HttpResult other = HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(bob)},
                              R"({"name":"Other","properties":{"site":"Basel"}})");
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(BodyOf(Get("/api/v1/projects?property=site", bob))["total"], 2);
  Json in_bern = BodyOf(Get("/api/v1/projects?property=site%3DBern", bob));
  ASSERT_EQ(in_bern["total"], 1) << in_bern;
  EXPECT_EQ(in_bern["items"][0]["name"], "Lung slides v2");
  EXPECT_EQ(BodyOf(Get("/api/v1/projects?property=site%3DBasel", alice))["total"], 0) << "bob's project is not alice's";
  ExpectError(Get("/api/v1/projects?property=%3Dx", alice), 400, "invalid_argument");

  EXPECT_EQ(HttpCall("DELETE", server_.url(path), {Bearer(alice)}).status, 204);
  ExpectError(Get(path, alice), 404, "not_found");
}

TEST_F(ApiTest, UsersManageTheirOwnProfileOnly) {
  UserId bob_id;
  std::string alice = server_.CreateUserWithToken("alice");
  server_.CreateUserWithToken("bob", false, &bob_id);
  HttpResult me = HttpCall("PATCH", server_.url("/api/v1/users/me"), {Bearer(alice)},
                           R"({"name":"Alice Liddell","email":"alice@example.org"})");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(BodyOf(me)["email"], "alice@example.org");
  ExpectError(HttpCall("PATCH", server_.url("/api/v1/users/me"), {Bearer(alice)}, R"({"nmae":"typo"})"), 400,
              "invalid_argument");
  ExpectError(HttpCall("PATCH", server_.url("/api/v1/users/me"), {Bearer(alice)}, R"({"admin":true})"), 403,
              "permission_denied");
  ExpectError(Get("/api/v1/users/" + std::to_string(bob_id.value()), alice), 403, "permission_denied");
  HttpResult token = HttpCall("POST", server_.url("/api/v1/users/me/tokens"), {Bearer(alice)}, R"({"expires_in":60})");
  ASSERT_EQ(token.status, 201) << token.body;
  EXPECT_EQ(Get("/api/v1/users/me", BodyOf(token)["token"]).status, 200);
}

// ---- The permission matrix: every project route × every kind of caller. ----

enum Persona { kNoAuth, kNonMember, kViewer, kContributor, kManager, kAdmin, kPersonaCount };
const char* kPersonaNames[] = {"no-auth", "non-member", "viewer", "contributor", "manager", "admin"};

struct RouteCase {
  const char* method;
  const char* path;  // {p}: a fresh project; {u}: a viewer member of it
  const char* body;
  long expected[kPersonaCount];
};

const RouteCase kRoutes[] = {
    {"GET", "/api/v1/projects/{p}", "", {401, 404, 200, 200, 200, 200}},
    {"PATCH", "/api/v1/projects/{p}", R"({"name":"renamed"})", {401, 404, 403, 403, 200, 200}},
    {"DELETE", "/api/v1/projects/{p}", "", {401, 404, 403, 403, 204, 204}},
    {"GET", "/api/v1/projects/{p}/members", "", {401, 404, 200, 200, 200, 200}},
    {"PUT", "/api/v1/projects/{p}/members/{u}", R"({"role":"contributor"})", {401, 404, 403, 403, 200, 200}},
    {"DELETE", "/api/v1/projects/{p}/members/{u}", "", {401, 404, 403, 403, 204, 204}},
    {"GET", "/api/v1/projects", "", {401, 200, 200, 200, 200, 200}},
    {"POST", "/api/v1/projects", R"({"name":"mine"})", {401, 201, 201, 201, 201, 201}},
    {"GET", "/api/v1/users/me", "", {401, 200, 200, 200, 200, 200}},
    {"GET", "/api/v1/users", "", {401, 403, 403, 403, 403, 200}},
    {"POST", "/api/v1/users", R"({"username":"new{n}","password":"password-new"})", {401, 403, 403, 403, 403, 201}},
    {"GET", "/api/v1/users/{u}", "", {401, 403, 403, 403, 403, 200}},
    {"PATCH", "/api/v1/users/{u}", R"({"name":"x"})", {401, 403, 403, 403, 403, 200}},
    {"POST", "/api/v1/users/me/keys", "", {401, 201, 201, 201, 201, 201}},
    {"GET", "/api/v1/users/me/keys", "", {401, 200, 200, 200, 200, 200}},
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

TEST_F(ApiTest, PermissionMatrix) {
  std::vector<UserId> ids(kPersonaCount);
  std::vector<std::string> tokens(kPersonaCount);
  for (int p = kNonMember; p < kPersonaCount; ++p) {
    tokens[p] = server_.CreateUserWithToken(kPersonaNames[p], p == kAdmin, &ids[p]);
  }
  UserId owner_id, target_id;
  server_.CreateUserWithToken("owner", false, &owner_id);
  auto& projects = server_.service().projects();
  auto op = service::Caller::LocalOperator();
  int cell = 0;
  for (const RouteCase& route : kRoutes) {
    for (int p = 0; p < kPersonaCount; ++p, ++cell) {
      // A fresh project per cell, so destructive routes don't affect the next one.
      auto project = projects.Create(op, {"matrix"}, owner_id);
      ASSERT_TRUE(project.ok());
      std::string target_name = "target" + std::to_string(cell);
      server_.CreateUserWithToken(target_name, false, &target_id);
      ASSERT_TRUE(projects.PutMember(op, project->id, target_id, ProjectRole::kViewer).ok());
      const ProjectRole roles[] = {ProjectRole::kViewer, ProjectRole::kContributor, ProjectRole::kManager};
      for (int r = kViewer; r <= kManager; ++r) {
        ASSERT_TRUE(projects.PutMember(op, project->id, ids[r], roles[r - kViewer]).ok());
      }
      std::string path = Replace(Replace(route.path, "{p}", std::to_string(project->id.value())), "{u}",
                                 std::to_string(target_id.value()));
      std::string body = Replace(route.body, "{n}", std::to_string(cell));
      std::vector<std::string> headers;
      if (p != kNoAuth) headers.push_back("Authorization: Bearer " + tokens[p]);
      HttpResult result = HttpCall(route.method, server_.url(path), headers, body);
      EXPECT_EQ(result.status, route.expected[p])
          << route.method << " " << route.path << " as " << kPersonaNames[p] << ": " << result.body;
      if (result.status >= 400) {
        EXPECT_TRUE(BodyOf(result)["error"].is_object()) << result.body;
      }
    }
  }
}

}  // namespace
}  // namespace vitrine::testing
