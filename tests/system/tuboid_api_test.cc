// Tuboids over real HTTP (/api/v1/tuboids): uploaded as a multipart form with their two images,
// checked against their series, filling it up to its expected count, listed by series wholly
// inside a range with their labels, labelled once per classifier version, and deleted by series
// with their images, under project roles.
#include <gtest/gtest.h>

#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "support/tuboid_form.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

constexpr const char* kSeriesName = "08038ade.2020-07-08_20-00-00.2020-07-09_15-00-00.1606980656-91e2";
constexpr const char* kShots =
    "08038ade.2020-07-08_22-16-46,854.248847,185.418994,2.333333\n"
    "08038ade.2020-07-08_22-35-31,853.954529,184.329913,2.240000\n";

class TuboidApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UserId bob, carol;
    alice_ = server_.CreateUserWithToken("alice");
    bob_ = server_.CreateUserWithToken("bob", false, &bob);
    carol_ = server_.CreateUserWithToken("carol", false, &carol);
    eve_ = server_.CreateUserWithToken("eve");
    project_ = BodyOf(Call("POST", "/api/v1/projects", alice_, Json{{"name", "Traps"}}.dump()))["id"];
    const std::string members = "/api/v1/projects/" + std::to_string(project_) + "/members/";
    EXPECT_EQ(Call("PUT", members + std::to_string(bob.value()), alice_, Json{{"role", "contributor"}}.dump()).status,
              200);
    EXPECT_EQ(Call("PUT", members + std::to_string(carol.value()), alice_, Json{{"role", "viewer"}}.dump()).status,
              200);
  }

  HttpResult Call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    return HttpCall(method, server_.url(path), {"Authorization: Bearer " + token, "Content-Type: application/json"},
                    body);
  }

  std::string Jpeg(int seed) {
    auto path = files_.path() / ("t" + std::to_string(seed) + ".jpg");
    WriteSampleImage(path, {.width = 100 + seed, .height = 50});
    return ReadFileBytes(path);
  }

  static Json Series(int n_tuboids = 2) {
    return {{"device", "08038ade"},
            {"start", "2020-07-08T20:00:00Z"},
            {"end", "2020-07-09T15:00:00Z"},
            {"algorithm", "sticky-pi-siamese-insect-matcher"},
            {"algorithm_version", "1606980656-91e2"},
            {"n_images", 50},
            {"n_tuboids", n_tuboids}};
  }

  HttpResult Put(const std::string& token, const std::string& name, int seed, const Json& series = Series(),
                 const std::string& shots = kShots) {
    const std::string body = TuboidFormBody({name, shots, Jpeg(seed), Jpeg(seed + 100), series.dump()});
    return HttpCall("POST", server_.url("/api/v1/tuboids?project=" + std::to_string(project_)),
                    {"Authorization: Bearer " + token,
                     std::string("Content-Type: multipart/form-data; boundary=") + kTuboidFormBoundary},
                    body);
  }

  std::int64_t Images() {
    return BodyOf(Call("GET", "/api/v1/projects/" + std::to_string(project_) + "/images?limit=1", alice_))["total"];
  }

  TestServer server_;
  TempDir files_;
  std::string alice_, bob_, carol_, eve_;
  std::int64_t project_ = 0;
};

TEST_F(TuboidApiTest, UploadedCheckedListedLabelledAndDeletedBySeries) {
  const std::string first = std::string(kSeriesName) + ".0000";
  HttpResult r = Put(bob_, first, 1);
  ASSERT_EQ(r.status, 201) << r.body;
  Json tuboid = BodyOf(r);
  EXPECT_EQ(tuboid["name"], first);
  EXPECT_EQ(tuboid["index_in_series"], 0);
  EXPECT_EQ(tuboid["n_shots"], 2);
  EXPECT_EQ(tuboid["start"], "2020-07-08T22:16:46Z");
  EXPECT_EQ(tuboid["shots"][1]["x"], 853.954529);
  EXPECT_EQ(tuboid["series"]["n_tuboids"], 2);
  const std::int64_t tiles = tuboid["tiles_image_id"];
  EXPECT_EQ(Call("GET", "/api/v1/images/" + std::to_string(tiles) + "/thumbnail", carol_).status, 200)
      << "the tiles are an image of the project, viewed like any";
  EXPECT_EQ(Images(), 2);

  EXPECT_EQ(Put(bob_, first, 2).status, 409) << "a name is stored once";
  EXPECT_EQ(Put(bob_, std::string(kSeriesName) + ".0001", 1).status, 409)
      << "images held already (another tuboid's) are not shared: deleting one series must not take them";
  EXPECT_EQ(Put(carol_, std::string(kSeriesName) + ".0001", 3).status, 403) << "a viewer";
  EXPECT_EQ(Put(eve_, std::string(kSeriesName) + ".0001", 3).status, 404) << "a non-member";
  EXPECT_EQ(Put(bob_, "08038ade.2020-07-08_20-00-00.2020-07-09_16-00-00.1606980656-91e2.0001", 4).status, 400)
      << "a name that is not its series'";
  EXPECT_EQ(Put(bob_, std::string(kSeriesName) + ".0001", 5, Series(), "not,a,shot\n").status, 400);
  EXPECT_EQ(Put(bob_, std::string(kSeriesName) + ".0001", 6, Series(), "08038ade.2020-07-10_22-16-46,854.2,185.4,2.3\n")
                .status,
            400)
      << "shots outside the series' range";
  const std::string closing = std::string("--") + kTuboidFormBoundary + "--\r\n";
  for (const char* extra : {"tuboid_id", "notes"}) {
    std::string body =
        TuboidFormBody({std::string(kSeriesName) + ".0001", kShots, Jpeg(30), Jpeg(31), Series().dump()});
    body.insert(body.size() - closing.size(), std::string("--") + kTuboidFormBoundary +
                                                  "\r\nContent-Disposition: form-data; name=\"" + extra +
                                                  "\"\r\n\r\nx\r\n");
    HttpResult r = HttpCall("POST", server_.url("/api/v1/tuboids?project=" + std::to_string(project_)),
                            {"Authorization: Bearer " + bob_,
                             std::string("Content-Type: multipart/form-data; boundary=") + kTuboidFormBoundary},
                            body);
    EXPECT_EQ(r.status, 400) << extra << ": " << r.body;
    EXPECT_NE(r.body.find(extra), std::string::npos) << "the error names the part: " << r.body;
  }
  EXPECT_EQ(Images(), 2) << "refused uploads leave no images";
  ASSERT_EQ(Put(bob_, std::string(kSeriesName) + ".0001", 7).status, 201);
  EXPECT_EQ(Put(bob_, std::string(kSeriesName) + ".0002", 8).status, 409) << "the series expects 2";

  auto listed = [&](const std::string& query, const std::string& token) {
    return BodyOf(Call("GET", "/api/v1/tuboids?" + query, token));
  };
  const Json by_device = listed("device=0803%25", carol_);
  EXPECT_EQ(by_device["total"], 2);
  EXPECT_FALSE(by_device["items"][0].contains("shots")) << "a listing leaves the shots out";
  EXPECT_EQ(listed("from=2020-07-08T00:00:00Z&to=2020-07-10T00:00:00Z", carol_)["total"], 2);
  EXPECT_EQ(listed("from=2020-07-08T00:00:00Z&to=2020-07-09T00:00:00Z", carol_)["total"], 0)
      << "a range cutting the series";
  EXPECT_EQ(listed("", eve_)["total"], 0);

  const std::string labels = "/api/v1/tuboids/" + std::to_string(tuboid["id"].get<std::int64_t>()) + "/labels";
  const Json label = {{"algorithm", "insect-tuboid-classifier"},
                      {"algorithm_version", "1611000000-ab"},
                      {"label", 2},
                      {"pattern", "^Insecta.*Diptera.*"},
                      {"type", "Insecta"},
                      {"order", "Diptera"}};
  EXPECT_EQ(Call("POST", labels, carol_, label.dump()).status, 403);
  r = Call("POST", labels, bob_, label.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["order"], "Diptera");
  EXPECT_TRUE(BodyOf(r)["family"].is_null());
  EXPECT_EQ(Call("POST", labels, bob_, label.dump()).status, 409);
  for (int version = 1; version < 100; ++version) {
    Json another = label;
    another["algorithm_version"] = "1611000000-v" + std::to_string(version);
    ASSERT_EQ(Call("POST", labels, bob_, another.dump()).status, 201) << version;
  }
  Json too_many = label;
  too_many["algorithm_version"] = "1611000000-v100";
  EXPECT_EQ(Call("POST", labels, bob_, too_many.dump()).status, 413) << "100 labels a tuboid";
  EXPECT_EQ(Call("POST", labels, bob_, Json{{"algorithm", "x"}}.dump()).status, 400);
  Json got = BodyOf(Call("GET", "/api/v1/tuboids/" + std::to_string(tuboid["id"].get<std::int64_t>()), carol_));
  ASSERT_EQ(got["labels"].size(), 100u);
  EXPECT_EQ(got["labels"][0]["label"], 2);
  EXPECT_EQ(got["shots"].size(), 2u) << "the tuboid's own answer has them";

  const std::string series = "/api/v1/tuboid-series/" + std::to_string(tuboid["series"]["id"].get<std::int64_t>());
  EXPECT_EQ(Call("DELETE", series, bob_).status, 403) << "deleting a series takes a manager";
  EXPECT_EQ(Call("DELETE", series, alice_).status, 204);
  EXPECT_EQ(listed("", alice_)["total"], 0);
  EXPECT_EQ(Images(), 0) << "the tuboids' images went with them";
  EXPECT_EQ(Call("DELETE", series, alice_).status, 404);
}

}  // namespace
}  // namespace vitrine::testing
