// Annotations over real HTTP: creation one by one and in bulk, every filter checked against a
// brute-force computation, bounding-box edges, field selection, hostile geometry, atomic bulk
// requests, permissions, and deletion.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

std::string Rectangle(double x0, double y0, double x1, double y1) {
  auto n = [](double v) { return Json(v).dump(); };
  return "POLYGON ((" + n(x0) + " " + n(y0) + ", " + n(x1) + " " + n(y0) + ", " + n(x1) + " " + n(y1) + ", " + n(x0) +
         " " + n(y1) + ", " + n(x0) + " " + n(y0) + "))";
}

class AnnotationApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_token_ = server_.CreateUserWithToken("alice", false, &alice_);
    bob_token_ = server_.CreateUserWithToken("bob", false, &bob_);
    eve_token_ = server_.CreateUserWithToken("eve");
    HttpResult p = Call("POST", "/api/v1/projects", alice_token_, Json{{"name", "Slides"}}.dump());
    project_ = BodyOf(p)["id"].get<std::int64_t>();
    image_ = UploadImage(1);
    other_image_ = UploadImage(2);
  }

  HttpResult Call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    return HttpCall(method, server_.url(path), {"Authorization: Bearer " + token, "Content-Type: application/json"},
                    body);
  }

  std::int64_t UploadImage(int seed) {
    auto path = files_.path() / ("slide" + std::to_string(seed) + ".png");
    WriteSampleImage(path, {.width = 64 + seed, .height = 48});
    HttpResult r =
        HttpCall("POST", server_.url("/api/v1/projects/" + std::to_string(project_) + "/images?filename=s.png"),
                 {"Authorization: Bearer " + alice_token_}, ReadFileBytes(path));
    EXPECT_EQ(r.status, 201) << r.body;
    return BodyOf(r)["id"].get<std::int64_t>();
  }

  Json Create(const Json& body, int expected_status = 201, const std::string& token = "") {
    HttpResult r = Call("POST", "/api/v1/annotations", token.empty() ? alice_token_ : token, body.dump());
    EXPECT_EQ(r.status, expected_status) << r.body;
    return BodyOf(r);
  }

  Json List(const std::string& query, int expected_status = 200, const std::string& token = "") {
    HttpResult r = Call("GET", "/api/v1/annotations?" + query, token.empty() ? alice_token_ : token);
    EXPECT_EQ(r.status, expected_status) << query << ": " << r.body;
    return BodyOf(r);
  }

  std::int64_t Count(std::int64_t image) {
    return List("image=" + std::to_string(image) + "&limit=0")["total"].get<std::int64_t>();
  }

  std::string Image(std::int64_t id) const { return "image=" + std::to_string(id); }

  TestServer server_;
  TempDir files_;
  std::string alice_token_, bob_token_, eve_token_;
  UserId alice_, bob_;
  std::int64_t project_ = 0, image_ = 0, other_image_ = 0;
};

TEST_F(AnnotationApiTest, OneAnnotationComesBackWithItsMeasures) {
  Json a = Create({{"image_id", image_}, {"wkt", Rectangle(10, 20, 30, 60)}, {"properties", {{"cell", "tumour"}}}});
  EXPECT_EQ(a["type"], "Polygon");
  EXPECT_EQ(a["bbox"], Json({10, 20, 30, 60}));
  EXPECT_EQ(a["area"], 800);
  EXPECT_EQ(a["perimeter"], 120);
  EXPECT_EQ(a["centroid"], Json({20, 40}));
  EXPECT_EQ(a["vertex_count"], 5);
  EXPECT_EQ(a["properties"]["cell"], "tumour");
  EXPECT_EQ(a["created_by"], alice_.value());
  EXPECT_EQ(a["project_id"], project_);
  EXPECT_EQ(a["algorithm"], nullptr);

  std::string path = "/api/v1/annotations/" + a["id"].dump();
  Json as_geojson = BodyOf(Call("GET", path + "?fields=id,geojson", alice_token_));
  EXPECT_EQ(as_geojson["geojson"]["type"], "Polygon");
  EXPECT_EQ(as_geojson["geojson"]["coordinates"][0][2], Json({30, 60}));
  EXPECT_FALSE(as_geojson.contains("wkt"));

  Json from_geojson = Create({{"image_id", image_}, {"geojson", as_geojson["geojson"]}});
  EXPECT_EQ(from_geojson["wkt"], a["wkt"]);
  Json machine = Create(
      {{"image_id", image_}, {"wkt", "POINT (5 5)"}, {"algorithm", "yolo-insects"}, {"algorithm_version", "2.1"}});
  EXPECT_EQ(machine["algorithm"], "yolo-insects");
  EXPECT_EQ(machine["algorithm_version"], "2.1");
}

TEST_F(AnnotationApiTest, AnAnnotationChangesByItsAuthorOrAManagerAndConcurrentChangesAllHold) {
  Json a = Create({{"image_id", image_}, {"wkt", Rectangle(10, 20, 30, 60)}, {"properties", {{"keep", "me"}}}});
  const std::string path = "/api/v1/annotations/" + a["id"].dump();
  auto patch = [&](const Json& body, const std::string& token) { return Call("PATCH", path, token, body.dump()); };

  HttpResult moved = patch({{"wkt", Rectangle(0, 0, 5, 5)}, {"properties", {{"cell", "mitosis"}}}}, alice_token_);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(BodyOf(moved)["area"], 25);
  EXPECT_EQ(BodyOf(moved)["properties"], (Json{{"cell", "mitosis"}, {"keep", "me"}}));
  EXPECT_EQ(List(Image(image_) + "&bbox=1,1,2,2")["total"], 1) << "found where it now is";
  EXPECT_EQ(List(Image(image_) + "&bbox=20,40,21,41")["total"], 0) << "and no longer where it was";

  EXPECT_EQ(patch({{"wkt", "POLYGON ((0 0, 1 1"}}, alice_token_).status, 400);
  EXPECT_EQ(patch({{"image_id", other_image_}}, alice_token_).status, 400) << "an annotation stays on its image";
  EXPECT_EQ(patch({{"terms", {99999}}}, alice_token_).status, 400);
  EXPECT_EQ(patch({{"properties", {{"cell", "x"}}}}, eve_token_).status, 404) << "outsiders do not see it";
  const std::string member =
      "/api/v1/projects/" + std::to_string(project_) + "/members/" + std::to_string(bob_.value());
  Call("PUT", member, alice_token_, Json{{"role", "contributor"}}.dump());
  EXPECT_EQ(patch({{"properties", {{"cell", "x"}}}}, bob_token_).status, 403) << "a contributor changes their own";
  Call("PUT", member, alice_token_, Json{{"role", "manager"}}.dump());
  EXPECT_EQ(patch({{"properties", {{"cell", nullptr}}}}, bob_token_).status, 200) << "a manager changes any";

  // Each writer sets its own key at once: none may put back a version without the others'.
  std::vector<std::thread> writers;
  std::atomic<int> refused = 0;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      if (patch({{"properties", {{"w" + std::to_string(i), "done"}}}}, alice_token_).status != 200) ++refused;
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(refused, 0);
  Json after = BodyOf(Call("GET", path, alice_token_));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(after["properties"]["w" + std::to_string(i)], "done") << i;
  EXPECT_EQ(after["properties"]["keep"], "me");
  EXPECT_FALSE(after["properties"].contains("cell"));
}

TEST_F(AnnotationApiTest, BulkCreateReturnsIdsInInputOrder) {
  Json batch = Json::array();
  for (int i = 0; i < 500; ++i)
    batch.push_back({{"image_id", i % 2 ? other_image_ : image_}, {"wkt", Rectangle(i, i, i + 1, i + 2)}});
  Json answer = Create(batch);
  ASSERT_EQ(answer["ids"].size(), 500u);
  for (int i : {0, 1, 250, 499}) {
    Json a = BodyOf(Call("GET", "/api/v1/annotations/" + answer["ids"][i].dump(), alice_token_));
    EXPECT_EQ(a["bbox"], Json({i, i, i + 1, i + 2})) << i;
    EXPECT_EQ(a["image_id"], i % 2 ? other_image_ : image_);
  }
  EXPECT_EQ(Count(image_), 250);
  EXPECT_EQ(List("project=" + std::to_string(project_) + "&limit=0")["total"], 500);
}

TEST_F(AnnotationApiTest, ACountCanStopAtACapAndSaysSo) {
  Json batch = Json::array();
  for (int i = 0; i < 300; ++i) batch.push_back({{"image_id", image_}, {"wkt", Rectangle(i, i, i + 1, i + 2)}});
  Create(batch);
  for (const std::string box : {"", "&bbox=0,0,1000,1000", "&bbox=0,0,1000,1000&exact=true"}) {
    Json capped = List(Image(image_) + box + "&limit=10&count_up_to=100");
    EXPECT_EQ(capped["items"].size(), 10u) << box;
    EXPECT_EQ(capped["total"], 100) << box;
    EXPECT_EQ(capped["total_is_lower_bound"], true) << box;
    Json below = List(Image(image_) + box + "&limit=10&count_up_to=1000");
    EXPECT_EQ(below["total"], 300) << box;
    EXPECT_FALSE(below.contains("total_is_lower_bound")) << box;
  }
  Json refused = List(Image(image_) + "&count_up_to=0", 400);
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("count_up_to"), std::string::npos) << refused.dump();
}

TEST_F(AnnotationApiTest, ABulkRequestThatFailsHalfWayLeavesNothingBehind) {
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}});
  for (const Json& bad :
       {Json{{"image_id", image_}, {"wkt", "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"}},
        Json{{"image_id", 9999}, {"wkt", "POINT (1 1)"}}, Json{{"image_id", image_}, {"wkt", "POINT (nan 1)"}},
        Json{{"image_id", image_}}, Json("not an object")}) {
    Json batch = Json::array();
    for (int i = 0; i < 100; ++i) batch.push_back({{"image_id", image_}, {"wkt", Rectangle(0, 0, i + 1, 1)}});
    batch.push_back(bad);
    for (int i = 0; i < 100; ++i) batch.push_back({{"image_id", image_}, {"wkt", Rectangle(0, 0, i + 1, 1)}});
    HttpResult r = Call("POST", "/api/v1/annotations", alice_token_, batch.dump());
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status << " " << r.body;
    EXPECT_NE(BodyOf(r)["error"]["message"].get<std::string>().find("annotation 100"), std::string::npos) << r.body;
    EXPECT_EQ(Count(image_), 1) << bad.dump();
  }
}

TEST_F(AnnotationApiTest, HostileGeometryIsRefusedAndTheStoreStaysIntact) {
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}});
  std::string ten_million = "LINESTRING (";
  ten_million.reserve(170'000'000);
  for (int i = 0; i < 10'000'000; ++i) ten_million += (i ? ",1 " : "1 ") + std::to_string(i % 1000);
  ten_million += ")";
  HttpResult huge = Call("POST", "/api/v1/annotations", alice_token_,
                         Json{{"image_id", image_}, {"wkt", std::move(ten_million)}}.dump());
  EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);

  struct Case {
    Json body;
    const char* why;
  };
  for (const Case& c :
       {Case{{{"image_id", image_}, {"wkt", "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"}}, "Self-intersection"},
        Case{{{"image_id", image_}, {"wkt", "POINT (inf 1)"}}, "finite"},
        Case{{{"image_id", image_}, {"wkt", "POLYGON EMPTY"}}, "empty"},
        Case{{{"image_id", image_}, {"wkt", "POLYGON ((1 2"}}, "malformed WKT"},
        Case{{{"image_id", image_}, {"geojson", {{"type", "Polygon"}}}}, "malformed GeoJSON"},
        Case{{{"image_id", image_}, {"wkt", "POINT (1 1)"}, {"geojson", "{}"}}, "exactly one"},
        Case{{{"image_id", image_}, {"wkt", 42}}, "wkt"},
        Case{{{"image_id", -1}, {"wkt", "POINT (1 1)"}}, "image_id"}}) {
    Json answer = Create(c.body, 400);
    EXPECT_NE(answer["error"]["message"].get<std::string>().find(c.why), std::string::npos) << answer.dump();
  }
  HttpResult not_json = Call("POST", "/api/v1/annotations", alice_token_, "{\"image_id\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Count(image_), 1);

  Json repaired = Create({{"image_id", image_}, {"wkt", "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"}, {"repair", true}});
  EXPECT_EQ(repaired["type"], "MultiPolygon");
  EXPECT_EQ(repaired["area"], 50);
}

// Random boxes in two images; every filter combination is compared with the answer computed
// here from what was sent.
TEST_F(AnnotationApiTest, BoxQueriesMatchABruteForceComputation) {
  struct Sent {
    std::int64_t id, image;
    std::array<double, 4> box;
    std::string kind;
  };
  std::mt19937 random(7);
  std::uniform_real_distribution<double> position(0, 1000), size(0.5, 60);
  Json batch = Json::array();
  std::vector<Sent> sent;
  for (int i = 0; i < 2000; ++i) {
    double x = position(random), y = position(random);
    std::array<double, 4> box{x, y, x + size(random), y + size(random)};
    std::int64_t image = i % 3 ? image_ : other_image_;
    std::string kind = i % 5 ? "cell" : "vessel";
    batch.push_back(
        {{"image_id", image}, {"wkt", Rectangle(box[0], box[1], box[2], box[3])}, {"properties", {{"kind", kind}}}});
    sent.push_back({0, image, box, kind});
  }
  Json ids = Create(batch)["ids"];
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i].id = ids[i].get<std::int64_t>();

  auto expected = [&](std::int64_t image, std::array<double, 4> q, const std::string& kind) {
    std::set<std::int64_t> out;
    for (const auto& s : sent) {
      bool meets = s.box[2] >= q[0] && s.box[0] <= q[2] && s.box[3] >= q[1] && s.box[1] <= q[3];
      if (s.image == image && meets && (kind.empty() || s.kind == kind)) out.insert(s.id);
    }
    return out;
  };
  auto actual = [&](const std::string& query) {
    std::set<std::int64_t> out;
    std::int64_t total = -1;
    for (std::int64_t offset = 0;; offset += 150) {
      Json page = List(query + "&fields=id&limit=150&offset=" + std::to_string(offset));
      total = page["total"];
      for (const auto& item : page["items"]) {
        EXPECT_EQ(item.size(), 1u) << "fields=id returns only the id";
        out.insert(item["id"].get<std::int64_t>());
      }
      if (page["items"].empty() || offset + 150 >= total) break;
    }
    EXPECT_EQ(static_cast<std::int64_t>(out.size()), total) << query;
    return out;
  };
  std::uniform_real_distribution<double> extent(1, 400);
  for (int trial = 0; trial < 25; ++trial) {
    double x = position(random) - 100, y = position(random) - 100;
    std::array<double, 4> q{x, y, x + extent(random), y + extent(random)};
    std::string bbox =
        "&bbox=" + Json(q[0]).dump() + "," + Json(q[1]).dump() + "," + Json(q[2]).dump() + "," + Json(q[3]).dump();
    std::int64_t image = trial % 2 ? image_ : other_image_;
    EXPECT_EQ(actual(Image(image) + bbox), expected(image, q, "")) << bbox;
    EXPECT_EQ(actual(Image(image) + bbox + "&property=kind=vessel"), expected(image, q, "vessel")) << bbox;
  }
  // The whole image, and a count without rows.
  EXPECT_EQ(actual(Image(image_)), expected(image_, {-1e9, -1e9, 1e9, 1e9}, ""));
  EXPECT_EQ(List(Image(image_) + "&property=kind=cell&limit=0")["total"],
            expected(image_, {-1e9, -1e9, 1e9, 1e9}, "cell").size());
  EXPECT_EQ(List(Image(image_) + "&limit=0")["items"].size(), 0u);
  // Both images at once.
  auto both = actual("images=" + std::to_string(image_) + "," + std::to_string(other_image_) + "&bbox=0,0,500,500");
  auto first = expected(image_, {0, 0, 500, 500}, ""), second = expected(other_image_, {0, 0, 500, 500}, "");
  first.insert(second.begin(), second.end());
  EXPECT_EQ(both, first);
}

TEST_F(AnnotationApiTest, BoxEdgesTouchingInsideAndContaining) {
  std::int64_t square = Create({{"image_id", image_}, {"wkt", Rectangle(100, 100, 200, 200)}})["id"];
  // An L whose bounding box reaches (180, 180) though the shape does not.
  std::int64_t l = Create({{"image_id", image_},
                           {"wkt", "POLYGON ((300 300, 400 300, 400 310, 310 310, 310 400, 300 400, 300 300))"}})["id"];
  auto ids = [&](const std::string& bbox, const std::string& extra = "") {
    std::set<std::int64_t> out;
    Json listed = List(Image(image_) + "&bbox=" + bbox + extra + "&fields=id,bbox");
    for (const auto& item : listed["items"]) {
      EXPECT_EQ(item["bbox"].size(), 4u);
      out.insert(item["id"].get<std::int64_t>());
    }
    return out;
  };
  using S = std::set<std::int64_t>;
  EXPECT_EQ(ids("200,200,250,250"), S{square}) << "touching a corner";
  EXPECT_EQ(ids("150,0,160,100"), S{square}) << "touching an edge";
  EXPECT_EQ(ids("120,120,130,130"), S{square}) << "inside";
  EXPECT_EQ(ids("0,0,1000,1000"), (S{square, l})) << "containing";
  EXPECT_EQ(ids("200.001,0,250,99.999"), S{}) << "just outside";
  EXPECT_EQ(ids("380,380,390,390"), S{l}) << "bounding boxes meet";
  EXPECT_EQ(ids("380,380,390,390", "&exact=true"), S{}) << "the shape does not";
  EXPECT_EQ(ids("305,305,390,390", "&exact=true"), S{l});
  for (const char* bad : {"1,2,3", "1,2,3,4,5", "a,b,c,d", "10,0,5,5", "1,2,3,nan"}) {
    List(Image(image_) + "&bbox=" + bad, 400);
  }
  List(Image(image_) + "&exact=true", 400);
  List(Image(image_) + "&fields=id,colour", 400);
  List("bbox=0,0,1,1", 400);
}

TEST_F(AnnotationApiTest, AttackAskForMoreIdsThanTheStoreCanQuery) {
  std::string many = std::to_string(image_);
  for (int id = 1000; id < 1600; ++id) many += "," + std::to_string(id);
  HttpResult refused = Call("GET", "/api/v1/annotations?bbox=0,0,10,10&images=" + many, alice_token_);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("at most 500"), std::string::npos) << refused.body;
  // Repeats count once: 600 mentions of two images are two ids.
  std::string repeated = std::to_string(image_);
  for (int i = 0; i < 600; ++i) repeated += "," + std::to_string(i % 2 ? image_ : other_image_);
  EXPECT_EQ(Call("GET", "/api/v1/annotations?bbox=0,0,10,10&images=" + repeated, alice_token_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/annotations?users=" + many, alice_token_).status, 400);
}

TEST_F(AnnotationApiTest, PermissionsOnEveryRoute) {
  std::int64_t mine = Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}})["id"];
  std::string p = std::to_string(project_);
  // Eve is no member: everything is 404, as if the project did not exist.
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}}, 404, eve_token_);
  List(Image(image_), 404, eve_token_);
  List("project=" + p, 404, eve_token_);
  EXPECT_EQ(Call("GET", "/api/v1/annotations/" + std::to_string(mine), eve_token_).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations/" + std::to_string(mine), eve_token_).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations?" + Image(image_), eve_token_).status, 404);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/annotations?" + Image(image_))).status, 401);

  // Bob as viewer reads but does not write.
  Call("PUT", "/api/v1/projects/" + p + "/members/" + std::to_string(bob_.value()), alice_token_,
       Json{{"role", "viewer"}}.dump());
  EXPECT_EQ(List(Image(image_), 200, bob_token_)["total"], 1);
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}}, 403, bob_token_);
  // As contributor he adds and removes his own, not Alice's, and cannot bulk delete.
  Call("PUT", "/api/v1/projects/" + p + "/members/" + std::to_string(bob_.value()), alice_token_,
       Json{{"role", "contributor"}}.dump());
  std::int64_t his = Create({{"image_id", image_}, {"wkt", "POINT (2 2)"}}, 201, bob_token_)["id"];
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations/" + std::to_string(mine), bob_token_).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations?" + Image(image_), bob_token_).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations/" + std::to_string(his), bob_token_).status, 204);
  EXPECT_EQ(List(Image(image_) + "&user=" + std::to_string(bob_.value()))["total"], 0);
  // The manager deletes anyone's.
  EXPECT_EQ(Call("DELETE", "/api/v1/annotations/" + std::to_string(mine), alice_token_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/annotations/" + std::to_string(mine), alice_token_).status, 404);
}

TEST_F(AnnotationApiTest, BulkDeleteByFilterWithADryRunAndCascadeFromImages) {
  Json batch = Json::array();
  for (int i = 0; i < 30; ++i) batch.push_back({{"image_id", image_}, {"wkt", Rectangle(i * 10, 0, i * 10 + 5, 5)}});
  for (int i = 0; i < 5; ++i) batch.push_back({{"image_id", other_image_}, {"wkt", "POINT (1 1)"}});
  Create(batch);
  HttpResult dry =
      Call("DELETE", "/api/v1/annotations?" + Image(image_) + "&bbox=0,0,99,10&dry_run=true", alice_token_);
  EXPECT_EQ(BodyOf(dry)["would_delete"], 10) << dry.body;
  EXPECT_EQ(Count(image_), 30);
  HttpResult done = Call("DELETE", "/api/v1/annotations?" + Image(image_) + "&bbox=0,0,99,10", alice_token_);
  EXPECT_EQ(BodyOf(done)["deleted"], 10) << done.body;
  EXPECT_EQ(Count(image_), 20);
  EXPECT_EQ(List(Image(image_) + "&bbox=0,0,99,10&limit=0")["total"], 0) << "their boxes went with them";

  EXPECT_EQ(Call("DELETE", "/api/v1/images/" + std::to_string(image_), alice_token_).status, 204);
  EXPECT_EQ(Count(other_image_), 5);
  EXPECT_EQ(List("project=" + std::to_string(project_) + "&limit=0")["total"], 5);
  EXPECT_EQ(List("project=" + std::to_string(project_) + "&bbox=0,0,1000,1000&limit=0")["total"], 5);
}

TEST_F(AnnotationApiTest, OntologiesTermsAndTheirUseOnAnnotations) {
  std::string p = std::to_string(project_);
  Json ontology = BodyOf(Call("POST", "/api/v1/ontologies", alice_token_, Json{{"name", "Histology"}}.dump()));
  std::string o = ontology["id"].dump();
  auto term = [&](const Json& body, int expected = 201) {
    HttpResult r = Call("POST", "/api/v1/ontologies/" + o + "/terms", alice_token_, body.dump());
    EXPECT_EQ(r.status, expected) << body.dump() << " " << r.body;
    return BodyOf(r);
  };
  std::int64_t cell = term({{"name", "Cell"}, {"color", "#00ff00"}})["id"];
  std::int64_t tumour = term({{"name", "Tumour cell"}, {"color", "#ff0000"}, {"parent_id", cell}})["id"];
  std::int64_t mitosis = term({{"name", "Mitosis"}, {"color", "#ff00ff"}, {"parent_id", tumour}})["id"];
  std::int64_t vessel = term({{"name", "Vessel"}, {"color", "#0000FF"}})["id"];
  term({{"name", "cell"}, {"color", "#000000"}}, 409);
  term({{"name", "Bad colour"}, {"color", "red"}}, 400);
  term({{"name", ""}}, 400);
  term({{"name", "Orphan"}, {"parent_id", 9999}}, 400);
  EXPECT_EQ(
      Call("PATCH", "/api/v1/terms/" + std::to_string(cell), alice_token_, Json{{"parent_id", mitosis}}.dump()).status,
      400)
      << "no cycles";
  Json listed = BodyOf(Call("GET", "/api/v1/ontologies/" + o, bob_token_));
  EXPECT_EQ(listed["terms"].size(), 4u);
  EXPECT_EQ(listed["terms"][1]["parent_id"], cell);
  EXPECT_EQ(Call("POST", "/api/v1/ontologies/" + o + "/terms", bob_token_, Json{{"name", "X"}}.dump()).status, 403);

  // Terms must come from the project's ontology.
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}, {"terms", {cell}}}, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/projects/" + p + "/ontology", eve_token_, Json{{"ontology_id", ontology["id"]}}.dump())
                .status,
            404);
  EXPECT_EQ(
      Call("PUT", "/api/v1/projects/" + p + "/ontology", alice_token_, Json{{"ontology_id", ontology["id"]}}.dump())
          .status,
      200);
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/projects/" + p + "/ontology", alice_token_))["ontology_id"], ontology["id"]);
  Json other = BodyOf(Call("POST", "/api/v1/ontologies", alice_token_, Json{{"name", "Other"}}.dump()));
  std::int64_t foreign = BodyOf(Call("POST", "/api/v1/ontologies/" + other["id"].dump() + "/terms", alice_token_,
                                     Json{{"name", "Foreign"}}.dump()))["id"];
  Create({{"image_id", image_}, {"wkt", "POINT (1 1)"}, {"terms", {foreign}}}, 400);

  std::vector<std::int64_t> terms_of = {cell, tumour, mitosis, vessel, 0};
  Json batch = Json::array();
  for (int i = 0; i < 50; ++i) {
    Json a = {{"image_id", image_}, {"wkt", "POINT (" + std::to_string(i) + " 1)"}};
    if (terms_of[i % 5]) a["terms"] = {terms_of[i % 5]};
    batch.push_back(a);
  }
  Json ids = Create(batch)["ids"];
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/annotations/" + ids[1].dump(), alice_token_))["terms"], Json({tumour}));
  auto count = [&](const std::string& q) { return List(Image(image_) + "&limit=0&" + q)["total"].get<int>(); };
  EXPECT_EQ(count("term=" + std::to_string(cell)), 10);
  EXPECT_EQ(count("term=" + std::to_string(cell) + "&descendants=true"), 30);
  EXPECT_EQ(count("term=" + std::to_string(tumour) + "&descendants=true"), 20);
  EXPECT_EQ(count("terms=" + std::to_string(vessel) + "," + std::to_string(mitosis)), 20);

  // A term in use is not deleted unless asked to detach it; a parent keeps its children.
  EXPECT_EQ(Call("DELETE", "/api/v1/terms/" + std::to_string(vessel), alice_token_).status, 409);
  EXPECT_EQ(Call("DELETE", "/api/v1/terms/" + std::to_string(tumour) + "?detach=true", alice_token_).status, 409);
  EXPECT_EQ(Call("DELETE", "/api/v1/terms/" + std::to_string(vessel) + "?detach=true", alice_token_).status, 204);
  EXPECT_EQ(count(""), 50) << "the annotations stay";
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/annotations/" + ids[3].dump(), alice_token_))["terms"], Json::array());
  EXPECT_EQ(Call("DELETE", "/api/v1/ontologies/" + o, alice_token_).status, 409) << "used by a project";
  EXPECT_EQ(
      Call("PUT", "/api/v1/projects/" + p + "/ontology", alice_token_, Json{{"ontology_id", nullptr}}.dump()).status,
      409)
      << "annotations carry its terms";
  EXPECT_EQ(Call("PATCH", "/api/v1/terms/" + std::to_string(mitosis), alice_token_,
                 Json{{"name", "Mitotic figure"}, {"parent_id", nullptr}}.dump())
                .status,
            200);
  EXPECT_EQ(count("term=" + std::to_string(tumour) + "&descendants=true"), 10) << "no longer below";
}

TEST_F(AnnotationApiTest, LargeExportsStreamInPagesAndFrameEveryHttpVersion) {
  // More than one page of the export (2,000), in several bulk requests.
  for (int batch = 0; batch < 3; ++batch) {
    Json shapes = Json::array();
    for (int i = 0; i < 1000; ++i) {
      shapes.push_back(
          {{"image_id", image_}, {"wkt", "POINT (" + std::to_string(i) + " " + std::to_string(batch) + ")"}});
    }
    Create(shapes);
  }
  HttpResult exported = Call("GET", "/api/v1/annotations.geojson?" + Image(image_), alice_token_);
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.header("transfer-encoding"), "chunked");
  Json collection = BodyOf(exported);
  ASSERT_EQ(collection["features"].size(), 3000u);
  std::set<std::int64_t> ids;
  for (const auto& f : collection["features"]) ids.insert(f["id"].get<std::int64_t>());
  EXPECT_EQ(ids.size(), 3000u) << "no feature twice across pages";

  const std::string target = "/api/v1/annotations.geojson?" + Image(image_);
  const std::string auth = "Authorization: Bearer " + alice_token_ + "\r\n";
  // HEAD has no body at all, so the next request on the connection is read right.
  std::string two = RawExchange(
      server_.port(),
      "HEAD " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n" + "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
      3000);
  EXPECT_EQ(two.find("HTTP/1.1 200"), 0u) << two.substr(0, 300);
  EXPECT_NE(two.find("{\"status\":\"ok\"}"), std::string::npos) << two.substr(0, 600);
  EXPECT_EQ(two.find("0\r\n\r\n"), std::string::npos) << "no chunk terminator after a HEAD answer";
  // HTTP/1.0 knows no chunks: the body ends with the connection.
  std::string old = RawExchange(server_.port(), "GET " + target + " HTTP/1.0\r\nHost: x\r\n" + auth + "\r\n", 10000);
  auto body_at = old.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  EXPECT_EQ(old.find("chunked"), std::string::npos) << old.substr(0, body_at);
  Json whole = Json::parse(old.substr(body_at + 4), nullptr, false);
  ASSERT_FALSE(whole.is_discarded()) << old.substr(0, 300);
  EXPECT_EQ(whole["features"].size(), 3000u);
}

TEST_F(AnnotationApiTest, GeoJsonExportImportsIntoAnotherImage) {
  Json ontology = BodyOf(Call("POST", "/api/v1/ontologies", alice_token_, Json{{"name", "Insects"}}.dump()));
  std::int64_t moth = BodyOf(Call("POST", "/api/v1/ontologies/" + ontology["id"].dump() + "/terms", alice_token_,
                                  Json{{"name", "Moth"}, {"color", "#aa5500"}}.dump()))["id"];
  Call("PUT", "/api/v1/projects/" + std::to_string(project_) + "/ontology", alice_token_,
       Json{{"ontology_id", ontology["id"]}}.dump());
  Create(Json::array({{{"image_id", image_},
                       {"wkt", "POLYGON ((0 0, 4 0, 4 3, 0 0))"},
                       {"terms", {moth}},
                       {"properties", {{"wing", "2.5"}}}},
                      {{"image_id", image_}, {"wkt", "MULTIPOINT (1 1, 2 2)"}, {"algorithm", "counter"}}}));
  HttpResult exported = Call("GET", "/api/v1/annotations.geojson?" + Image(image_), alice_token_);
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.header("content-type"), "application/geo+json");
  Json collection = BodyOf(exported);
  ASSERT_EQ(collection["features"].size(), 2u);
  EXPECT_EQ(collection["features"][0]["properties"]["terms"], Json({"Moth"}));
  EXPECT_EQ(collection["features"][0]["geometry"]["type"], "Polygon");

  HttpResult imported = Call("POST", "/api/v1/images/" + std::to_string(other_image_) + "/annotations.geojson",
                             alice_token_, exported.body);
  ASSERT_EQ(imported.status, 201) << imported.body;
  Json copies = List(Image(other_image_) + "&fields=wkt,terms,properties,algorithm");
  ASSERT_EQ(copies["total"], 2);
  EXPECT_EQ(copies["items"][0]["wkt"], "POLYGON ((0 0, 4 0, 4 3, 0 0))");
  EXPECT_EQ(copies["items"][0]["terms"], Json({moth}));
  EXPECT_EQ(copies["items"][0]["properties"]["wing"], "2.5");
  EXPECT_EQ(copies["items"][1]["wkt"], "MULTIPOINT (1 1, 2 2)");
  EXPECT_EQ(copies["items"][1]["algorithm"], "counter");

  EXPECT_EQ(
      Call("POST", "/api/v1/images/" + std::to_string(other_image_) + "/annotations.geojson", eve_token_, exported.body)
          .status,
      404);
  EXPECT_EQ(
      Call("POST", "/api/v1/images/" + std::to_string(other_image_) + "/annotations.geojson", alice_token_, "[1, 2]")
          .status,
      400);
  EXPECT_EQ(Count(other_image_), 2);
}

}  // namespace
}  // namespace vitrine::testing
