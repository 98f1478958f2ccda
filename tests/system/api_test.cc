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
  HttpResult r =
      HttpCall("POST", server_.url("/api/v1/auth/token"), {}, R"({"username":"alice","password":"password-alice"})");
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
  EXPECT_EQ(
      SignedCall("GET", "/api/v1/projects?limit=5&offset=0", "/api/v1/projects?limit=5&offset=0", private_key_).status,
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

TEST_F(SignatureTest, AttackReplayACapturedPathlessSignatureFromAnotherAddress) {
  // A Cytomine 4.x client signs no path: its signed GET is valid for every GET while its date
  // is fresh, and its parallel requests within one second carry the same signature.
  std::string date = core::FormatHttpDate(server_.clock().Now());
  auth::SignedRequestParts parts{"GET", "", date, ""};
  std::vector<std::string> captured = {
      "Authorization: CYTOMINE " + public_key_ + ":" +
          auth::CytomineSignature(private_key_, auth::StringToSignWithoutResource(parts)),
      "Date: " + date};
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/projects"), captured).status, 200);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/users/me"), captured).status, 200) << "the client's own repeat";
  HttpResult replayed = HttpCallFrom("127.0.0.2", "GET", server_.url("/api/v1/users/me/keys"), captured);
  ExpectError(replayed, 401, "unauthenticated");
  EXPECT_NE(BodyOf(replayed)["error"]["message"].get<std::string>().find("another address"), std::string::npos);
  // A signature the other address made itself is fine.
  std::string later = core::FormatHttpDate(server_.clock().Now() + std::chrono::seconds(1));
  parts.date = later;
  EXPECT_EQ(HttpCallFrom("127.0.0.2", "GET", server_.url("/api/v1/users/me"),
                         {"Authorization: CYTOMINE " + public_key_ + ":" +
                              auth::CytomineSignature(private_key_, auth::StringToSignWithoutResource(parts)),
                          "Date: " + later})
                .status,
            200);
}

TEST_F(ApiTest, AttackGuessPasswordsOfOneAccount) {
  server_.CreateUserWithToken("alice");
  auto sign_in = [&](const std::string& password) {
    return HttpCall("POST", server_.url("/api/v1/auth/token"), {},
                    Json{{"username", "alice"}, {"password", password}}.dump());
  };
  // Five wrong guesses are free, the sixth starts a wait that doubles with each further one.
  for (int i = 0; i < 6; ++i) ExpectError(sign_in("guess-" + std::to_string(i)), 401, "unauthenticated");
  HttpResult slowed = sign_in("guess-6");
  ExpectError(slowed, 429, "too_many_requests");
  EXPECT_EQ(slowed.header("retry-after"), "1");
  std::string basic = "Authorization: Basic " + core::Base64Encode("alice:guess-7");
  ExpectError(HttpCall("GET", server_.url("/api/v1/users/me"), {basic}), 429, "too_many_requests");
  // No password is checked while waiting, not even the right one.
  ExpectError(sign_in("password-alice"), 429, "too_many_requests");

  server_.clock().Advance(std::chrono::seconds(1));
  ExpectError(sign_in("guess-8"), 401, "unauthenticated");
  HttpResult longer = sign_in("password-alice");
  ExpectError(longer, 429, "too_many_requests");
  EXPECT_EQ(longer.header("retry-after"), "2") << "the wait doubled";
  server_.clock().Advance(std::chrono::seconds(2));
  EXPECT_EQ(sign_in("password-alice").status, 200) << "the right password, once the wait is over";
  ExpectError(sign_in("guess-9"), 401, "unauthenticated");  // a success starts the count anew
}

TEST_F(ApiTest, AttackGuessAgainUnderAnotherSpellingOfTheUsername) {
  server_.CreateUserWithToken("alice");
  const char* spellings[] = {"alice", "Alice", "ALICE", "aLiCe", "alicE", "ALice"};
  for (const char* name : spellings) {
    HttpCall("POST", server_.url("/api/v1/auth/token"), {}, Json{{"username", name}, {"password", "guess-1"}}.dump());
  }
  ExpectError(HttpCall("POST", server_.url("/api/v1/auth/token"), {},
                       Json{{"username", "aliCE"}, {"password", "guess-2"}}.dump()),
              429, "too_many_requests");
}

TEST_F(ApiTest, AttackKeepAnAccountLockedFromElsewhere) {
  server_.CreateUserWithToken("alice");
  auto sign_in = [&](const std::string& from, const std::string& password) {
    return HttpCallFrom(from, "POST", server_.url("/api/v1/auth/token"), {},
                        Json{{"username", "alice"}, {"password", password}}.dump());
  };
  ASSERT_EQ(sign_in("127.0.0.5", "password-alice").status, 200);  // alice's usual address
  for (int i = 0; i < 7; ++i) sign_in("127.0.0.6", "guess-" + std::to_string(i));
  ExpectError(sign_in("127.0.0.7", "password-alice"), 429, "too_many_requests");
  EXPECT_EQ(sign_in("127.0.0.5", "password-alice").status, 200) << "where alice signed in before, she still can";
}

TEST_F(ApiTest, AttackGuessPasswordsOfManyAccountsFromOneAddress) {
  auto sign_in_from = [&](const std::string& address, int user) {
    return HttpCallFrom(address, "POST", server_.url("/api/v1/auth/token"), {},
                        Json{{"username", "user" + std::to_string(user)}, {"password", "guess-guess"}}.dump());
  };
  for (int user = 0; user < 21; ++user) ExpectError(sign_in_from("127.0.0.3", user), 401, "unauthenticated");
  ExpectError(sign_in_from("127.0.0.3", 100), 429, "too_many_requests");
  ExpectError(sign_in_from("127.0.0.4", 101), 401, "unauthenticated");  // other addresses are not slowed
}

TEST_F(ApiTest, PasswordChangeEndsTheUsersOtherSessions) {
  std::string current = server_.CreateUserWithToken("alice");
  HttpResult other =
      HttpCall("POST", server_.url("/api/v1/auth/token"), {}, R"({"username":"alice","password":"password-alice"})");
  ASSERT_EQ(other.status, 200) << other.body;
  std::string stolen = BodyOf(other)["token"];
  ASSERT_EQ(Get("/api/v1/users/me", stolen).status, 200);
  HttpResult changed = HttpCall("PATCH", server_.url("/api/v1/users/me"), {Bearer(current)},
                                R"({"password":"brand-new-secret","current_password":"password-alice"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Get("/api/v1/users/me", current).status, 200) << "the session that changed it goes on";
  ExpectError(Get("/api/v1/users/me", stolen), 401, "unauthenticated");
}

TEST_F(ApiTest, TheLastAdministratorCannotStepDown) {
  std::string first = server_.CreateUserWithToken("root", /*admin=*/true);
  auto step_down = [&](const std::string& token) {
    return HttpCall("PATCH", server_.url("/api/v1/users/me"), {Bearer(token)}, R"({"admin":false})");
  };
  ExpectError(step_down(first), 409, "conflict");
  std::string second = server_.CreateUserWithToken("root2", /*admin=*/true);
  EXPECT_EQ(step_down(first).status, 200);
  ExpectError(step_down(second), 409, "conflict");
  EXPECT_EQ(Get("/api/v1/users", second).status, 200) << "still an administrator";
}

TEST_F(ApiTest, CookieSessionsSignOutAndBearerIsAnyCase) {
  server_.CreateUserWithToken("alice");
  HttpResult in = HttpCall("POST", server_.url("/api/v1/auth/token"), {},
                           R"({"username":"alice","password":"password-alice","cookie":true})");
  ASSERT_EQ(in.status, 200) << in.body;
  std::string token = BodyOf(in)["token"];
  EXPECT_EQ(in.header("set-cookie").find("Secure"), std::string::npos) << "plain HTTP from no proxy";
  HttpResult out = HttpCall("DELETE", server_.url("/api/v1/auth/token"), {"Cookie: vitrine_token=" + token});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos) << out.header("set-cookie");
  ExpectError(Get("/api/v1/users/me", token), 401, "unauthenticated");

  std::string other = server_.CreateUserWithToken("bob");
  EXPECT_EQ(HttpCall("DELETE", server_.url("/api/v1/auth/token"), {"Authorization: bearer " + other}).status, 204);
  ExpectError(Get("/api/v1/users/me", other), 401, "unauthenticated");
}

TEST(TrustedProxyTest, AttackForgeForwardedHeadersWithoutAProxy) {
  http::ServerOptions behind_proxy;
  behind_proxy.trusted_proxies = {"127.0.0.1"};
  TestServer proxied(behind_proxy);
  TestServer direct;
  for (TestServer* server : {&proxied, &direct}) server->CreateUserWithToken("alice");
  auto sign_in = [](TestServer& server, const std::string& forwarded_for, const std::string& password) {
    return HttpCall("POST", server.url("/api/v1/auth/token"),
                    {"X-Forwarded-For: " + forwarded_for, "X-Forwarded-Proto: https"},
                    Json{{"username", "alice"}, {"password", password}, {"cookie", true}}.dump());
  };
  EXPECT_NE(sign_in(proxied, "203.0.113.1", "password-alice").header("set-cookie").find("; Secure"), std::string::npos);
  EXPECT_EQ(sign_in(direct, "203.0.113.1", "password-alice").header("set-cookie").find("Secure"), std::string::npos)
      << "a client cannot claim HTTPS";
  // Behind the proxy, each forwarded client is limited on its own; without it, forged
  // X-Forwarded-For values are one address, the real one.
  for (int i = 0; i < 21; ++i) {
    std::string from = "203.0.113." + std::to_string(10 + i);
    Json other_user{{"username", "u" + std::to_string(i)}, {"password", "guess-guess"}};
    for (TestServer* server : {&proxied, &direct}) {
      HttpCall("POST", server->url("/api/v1/auth/token"), {"X-Forwarded-For: " + from}, other_user.dump());
    }
  }
  EXPECT_EQ(sign_in(proxied, "203.0.113.99", "password-alice").status, 200);
  EXPECT_EQ(sign_in(direct, "203.0.113.99", "password-alice").status, 429);

  // A client's own X-Forwarded-For line before the proxy's counts for nothing.
  for (int i = 0; i < 21; ++i) {
    HttpCall("POST", proxied.url("/api/v1/auth/token"),
             {"X-Forwarded-For: 198.51.100." + std::to_string(i), "X-Forwarded-For: 203.0.113.77"},
             Json{{"username", "v" + std::to_string(i)}, {"password", "guess-guess"}}.dump());
  }
  EXPECT_EQ(HttpCall("POST", proxied.url("/api/v1/auth/token"), {"X-Forwarded-For: 203.0.113.77"},
                     Json{{"username", "bob"}, {"password", "guess-guess"}}.dump())
                .status,
            429);
}

TEST_F(ApiTest, AttackGrowPropertiesPastTheCapOnePatchAtATime) {
  std::string alice = server_.CreateUserWithToken("alice");
  std::string path =
      "/api/v1/projects/" +
      BodyOf(HttpCall("POST", server_.url("/api/v1/projects"), {Bearer(alice)}, R"({"name":"P"})"))["id"].dump();
  auto patch = [&](int first, int count) {
    Json properties = Json::object();
    for (int i = first; i < first + count; ++i) properties["k" + std::to_string(i)] = "v";
    return HttpCall("PATCH", server_.url(path), {Bearer(alice)}, Json{{"properties", properties}}.dump());
  };
  ASSERT_EQ(patch(0, 600).status, 200);
  ExpectError(patch(600, 600), 400, "invalid_argument");
  EXPECT_EQ(BodyOf(Get(path, alice))["properties"].size(), 600u) << "a refused change changes nothing";
  EXPECT_EQ(patch(600, 400).status, 200) << "exactly the cap";
  ExpectError(patch(1000, 1), 400, "invalid_argument");
  EXPECT_EQ(patch(0, 1).status, 200) << "replacing a key adds none";
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
  std::string reply =
      RawExchange(server_.port(), one + one + "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
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
  ExpectError(
      HttpCall("POST", server.url("/api/v1/projects"), {"Authorization: Bearer " + token, "Expect: 100-continue"}, big),
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

  HttpResult tagged =
      HttpCall("PATCH", server_.url(path), {Bearer(alice)}, R"({"properties":{"cohort":"A","site":"Bern"}})");
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

// ---- Attacks, each named after what it tries. ----

TEST_F(ApiTest, AttackTakeOverAnOntologyByAttachingItToOwnProject) {
  std::string alice = server_.CreateUserWithToken("alice");
  std::string mallory = server_.CreateUserWithToken("mallory");
  auto post = [&](const std::string& path, const std::string& token, const std::string& body) {
    return HttpCall("POST", server_.url(path), {Bearer(token)}, body);
  };
  Json ontology = BodyOf(post("/api/v1/ontologies", alice, R"({"name":"Alice's"})"));
  std::string o = ontology["id"].dump();
  Json term = BodyOf(post("/api/v1/ontologies/" + o + "/terms", alice, R"({"name":"tumour","color":"#ff0000"})"));
  std::string t = term["id"].dump();
  std::string p = BodyOf(post("/api/v1/projects", mallory, R"({"name":"bait"})"))["id"].dump();

  ExpectError(HttpCall("PUT", server_.url("/api/v1/projects/" + p + "/ontology"), {Bearer(mallory)},
                       R"({"ontology_id":)" + o + "}"),
              403, "permission_denied");
  ExpectError(HttpCall("PATCH", server_.url("/api/v1/terms/" + t), {Bearer(mallory)}, R"({"name":"benign"})"), 403,
              "permission_denied");
  ExpectError(HttpCall("DELETE", server_.url("/api/v1/terms/" + t + "?detach=true"), {Bearer(mallory)}), 403,
              "permission_denied");
  EXPECT_EQ(BodyOf(Get("/api/v1/ontologies/" + o, alice))["terms"][0]["name"], "tumour");
  EXPECT_EQ(BodyOf(Get("/api/v1/projects/" + p + "/ontology", mallory))["ontology_id"], nullptr);
}

// ---- The permission matrix: every project route × every kind of caller. ----

enum Persona { kNoAuth, kNonMember, kViewer, kContributor, kManager, kAdmin, kPersonaCount };
const char* kPersonaNames[] = {"no-auth", "non-member", "viewer", "contributor", "manager", "admin"};

struct RouteCase {
  const char* method;
  // {p}: a fresh project; {u}: a viewer member of it; {o}: the owner's ontology, used by {p};
  // {t}: a term of {o}; {x}: another ontology of the owner's, used by no project.
  const char* path;
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
    {"GET", "/api/v1/ontologies/{o}", "", {401, 200, 200, 200, 200, 200}},
    {"POST", "/api/v1/ontologies", R"({"name":"mine"})", {401, 201, 201, 201, 201, 201}},
    {"DELETE", "/api/v1/ontologies/{x}", "", {401, 403, 403, 403, 403, 204}},
    {"POST", "/api/v1/ontologies/{o}/terms", R"({"name":"added"})", {401, 403, 403, 403, 201, 201}},
    {"POST", "/api/v1/ontologies/{x}/terms", R"({"name":"added"})", {401, 403, 403, 403, 403, 201}},
    {"PATCH", "/api/v1/terms/{t}", R"({"color":"#00ff00"})", {401, 403, 403, 403, 200, 200}},
    {"DELETE", "/api/v1/terms/{t}?detach=true", "", {401, 403, 403, 403, 204, 204}},
    {"GET", "/api/v1/projects/{p}/ontology", "", {401, 404, 200, 200, 200, 200}},
    {"PUT", "/api/v1/projects/{p}/ontology", R"({"ontology_id":null})", {401, 404, 403, 403, 200, 200}},
    // Attaching an ontology takes rights on it, not only on the project (the takeover attack).
    {"PUT", "/api/v1/projects/{p}/ontology", R"({"ontology_id":{x}})", {401, 404, 403, 403, 403, 200}},
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
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
      User owner_user;
      owner_user.id = owner_id;
      auto owners = service::Caller::ForUser(owner_user);
      auto& ontologies = server_.service().ontologies();
      auto used = ontologies.Create(owners, "used" + std::to_string(cell));
      auto unused = ontologies.Create(owners, "unused" + std::to_string(cell));
      ASSERT_TRUE(used.ok() && unused.ok());
      auto term = ontologies.CreateTerm(owners, used->id, {"cell", "#ff0000", std::nullopt});
      ASSERT_TRUE(term.ok()) << term.status().ToString();
      ASSERT_TRUE(ontologies.SetProjectOntology(op, project->id, used->id).ok());
      const std::pair<std::string, std::string> fills[] = {
          {"{p}", std::to_string(project->id.value())}, {"{u}", std::to_string(target_id.value())},
          {"{o}", std::to_string(used->id.value())},    {"{t}", std::to_string(term->id.value())},
          {"{x}", std::to_string(unused->id.value())},  {"{n}", std::to_string(cell)}};
      std::string path = route.path, body = route.body;
      for (const auto& [from, to] : fills) path = Replace(path, from, to), body = Replace(body, from, to);
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
