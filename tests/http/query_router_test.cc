#include <gtest/gtest.h>

#include "http/api_v1.h"
#include "http/query.h"
#include "http/router.h"

namespace vitrine::http {
namespace {

TEST(QueryTest, DecodesEscapesAndPlus) {
  auto q = QueryParams::Parse("name=a%20b+c&flag&x=1&x=2&empty=");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("name"), "a b c");
  EXPECT_EQ(q->Get("flag"), "");
  EXPECT_EQ(q->Get("x"), "2");
  EXPECT_EQ(q->Get("empty"), "");
  EXPECT_FALSE(q->Get("missing"));
  EXPECT_FALSE(QueryParams::Parse("a=%zz").ok());
  EXPECT_FALSE(QueryParams::Parse("a=%4").ok());
}

TEST(QueryTest, PercentEncodingRoundTrips) {
  std::string hostile = "5c17% &=/?#+é\n";
  EXPECT_EQ(core::PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(core::PercentEncode("5c17%"), "5c17%25");
  EXPECT_EQ(*core::PercentDecode(core::PercentEncode(hostile), false), hostile);
  EXPECT_EQ(*core::PercentDecode(core::PercentEncode(hostile), true), hostile) << "'+' is always escaped";
}

TEST(QueryTest, PageBoundsAreChecked) {
  EXPECT_EQ(QueryParams::Parse("")->Page()->limit, PageRequest::kDefaultLimit);
  auto page = QueryParams::Parse("limit=5&offset=10")->Page();
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->limit, 5);
  EXPECT_EQ(page->offset, 10);
  for (const char* bad :
       {"limit=0", "limit=1001", "limit=-1", "offset=-5", "limit=abc", "limit=5x", "offset=99999999999999999999"}) {
    EXPECT_EQ(QueryParams::Parse(bad)->Page().status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

HttpResponse Echo(const HttpRequest& req, const PathParams& params) {
  HttpResponse r;
  r.body = req.method;
  for (const auto& [k, v] : params) r.body += " " + k + "=" + v;
  return r;
}

TEST(RouterTest, MatchesLiteralsBeforeCapturesAndDecodesCaptures) {
  Router router;
  router.Add("GET", "/a/me", Echo);
  router.Add("GET", "/a/{id}", Echo);
  router.Add("PUT", "/a/{id}/b/{other}", Echo);
  HttpRequest req;
  req.method = "GET";
  EXPECT_EQ((*router.Find("GET", "/a/me").handler)(req, {}).body, "GET");
  auto m = router.Find("GET", "/a/x%2Fy");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params.at("id"), "x/y");
  auto two = router.Find("PUT", "/a/1/b/2");
  ASSERT_TRUE(two.handler);
  EXPECT_EQ(two.params.at("other"), "2");
}

HttpResponse Named(std::string name, const PathParams& params) {
  HttpResponse r;
  r.body = name;
  for (const auto& [k, v] : params) r.body += " " + k + "=" + v;
  return r;
}

TEST(RouterTest, SegmentsMixLiteralsAndCapturesAndTheMostLiteralRouteWins) {
  Router router;
  router.Add("GET", "/i/{id}", [](const HttpRequest&, const PathParams& p) { return Named("image", p); });
  router.Add("GET", "/i/{id}.dzi", [](const HttpRequest&, const PathParams& p) { return Named("dzi", p); });
  router.Add("GET", "/i/{id}_files/{level}/{col}_{row}.{format}",
             [](const HttpRequest&, const PathParams& p) { return Named("tile", p); });
  router.Add("DELETE", "/i/{id}", [](const HttpRequest&, const PathParams& p) { return Named("delete", p); });
  HttpRequest req;
  auto body = [&](std::string_view method, std::string_view path) {
    auto m = router.Find(method, path);
    return m.handler ? (*m.handler)(req, m.params).body : "none";
  };
  EXPECT_EQ(body("GET", "/i/5"), "image id=5");
  EXPECT_EQ(body("GET", "/i/5.dzi"), "dzi id=5");
  EXPECT_EQ(body("GET", "/i/a.b.dzi"), "dzi id=a.b");  // shortest match up to ".dzi" is "a.b"
  EXPECT_EQ(body("GET", "/i/5_files/12/3_4.jpeg"), "tile col=3 format=jpeg id=5 level=12 row=4");
  EXPECT_EQ(body("GET", "/i/5_files/12/3_.jpg"), "none");  // empty capture
  EXPECT_EQ(body("GET", "/i/_files/12/3_4.jpg"), "none");  // the id is empty
  EXPECT_EQ(body("DELETE", "/i/5"), "delete id=5");
  // 405 lists only the methods of the best-matching pattern.
  auto m = router.Find("DELETE", "/i/5.dzi");
  EXPECT_FALSE(m.handler);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET"}));
}

TEST(RouterTest, ReportsAllowedMethodsAndBadEscapes) {
  Router router;
  router.Add("GET", "/a/{id}", Echo);
  router.Add("DELETE", "/a/{id}", Echo);
  auto m = router.Find("POST", "/a/1");
  EXPECT_FALSE(m.handler);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "DELETE"}));
  EXPECT_TRUE(router.Find("GET", "/a/%G1").bad_path);
  EXPECT_FALSE(router.Find("GET", "/b/1").handler);
  EXPECT_TRUE(router.Find("GET", "/b/1").allowed_methods.empty());
}

TEST(DispatchTest, UnknownRouteIs404WrongMethod405AndThrowingHandler500) {
  Router router;
  router.Add("GET", "/x",
             [](const HttpRequest&, const PathParams&) -> HttpResponse { throw std::runtime_error("boom"); });
  HttpRequest req;
  req.method = "GET";
  req.path = "/nope";
  EXPECT_EQ(Dispatch(router, req).status, 404);
  req.path = "/x";
  HttpResponse thrown = Dispatch(router, req);
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(thrown.body.find("boom"), std::string::npos) << "internal details must not leak";
  req.method = "POST";
  HttpResponse not_allowed = Dispatch(router, req);
  EXPECT_EQ(not_allowed.status, 405);
}

}  // namespace
}  // namespace vitrine::http
