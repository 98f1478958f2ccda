// JSON written as text must parse back to the values a document would have held.
#include "wire/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "wire/annotation_json.h"
#include "wire/json.h"

namespace vitrine::wire {
namespace {

std::string StringJson(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonTextTest, StringsAreEscapedAndInvalidUtf8Replaced) {
  for (std::string text :
       {std::string("plain"), std::string("quote \" back \\ slash"), std::string("tab\tnew\nline\rform\fbell\b"),
        std::string("\x01\x1f nul", 6), std::string("ünïcødé ✓ 🦋"), std::string("")}) {
    Json back = Json::parse(StringJson(text), nullptr, false);
    ASSERT_TRUE(back.is_string()) << StringJson(text);
    EXPECT_EQ(back.get<std::string>(), text);
  }
  // Broken UTF-8 becomes U+FFFD, as JsonResponse's dump does with the same bytes.
  for (std::string broken : {"\xff", "a\xc3", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf"}) {
    std::string mine = StringJson(broken);
    EXPECT_TRUE(Json::accept(mine)) << mine;
    EXPECT_EQ(Json::parse(mine), Json::parse(Json(broken).dump(-1, ' ', false, Json::error_handler_t::replace)))
        << mine;
  }
}

TEST(JsonTextTest, NumbersReadBackExactly) {
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::uniform_int_distribution<int> exponent(-300, 300);
  for (int i = 0; i < 2000; ++i) {
    double v = unit(random) * std::pow(10.0, exponent(random));
    std::string out;
    AppendJsonNumber(out, v);
    EXPECT_EQ(Json::parse(out).get<double>(), v) << out;
  }
  std::string out;
  AppendJsonNumber(out, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "null");
  out.clear();
  AppendJsonNumber(out, std::int64_t{-9'007'199'254'740'993});
  EXPECT_EQ(Json::parse(out).get<std::int64_t>(), -9'007'199'254'740'993);
}

TEST(JsonTextTest, AnnotationTextHasEveryChosenField) {
  Annotation a;
  a.id = AnnotationId(5);
  a.project_id = ProjectId(2);
  a.image_id = ImageId(3);
  a.geometry_type = "Polygon";
  a.wkt = "POLYGON ((0 0, 1 0, 1 1, 0 0))";
  a.bbox = {0, 0, 1, 1e-7};
  a.area = 0.5;
  a.centroid = {2.0 / 3, 1.0 / 3};
  a.properties = {{"class", "moth \"big\""}};
  a.terms = {TermId(4), TermId(9)};
  a.algorithm = "yolo";
  a.run_id = AnnotationRunId(8);
  Json all = ToJson(a, DefaultAnnotationFields());
  EXPECT_EQ(all["id"], 5);
  EXPECT_EQ(all["wkt"], a.wkt);
  EXPECT_EQ(all["bbox"][3].get<double>(), 1e-7);
  EXPECT_EQ(all["centroid"][0].get<double>(), 2.0 / 3);
  EXPECT_EQ(all["properties"]["class"], "moth \"big\"");
  EXPECT_EQ(all["terms"], Json::array({4, 9}));
  EXPECT_EQ(all["algorithm"], "yolo");
  EXPECT_TRUE(all["algorithm_version"].is_null());
  EXPECT_TRUE(all["created_by"].is_null());
  EXPECT_EQ(all["run_id"], 8);
  EXPECT_FALSE(all.contains("geojson"));
  EXPECT_EQ(all.size(), DefaultAnnotationFields().count());
  auto back = AnnotationFromJson(all);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->centroid, a.centroid);
  EXPECT_EQ(back->terms, a.terms);

  Json two = ToJson(a, *ParseAnnotationFields("id,bbox"));
  EXPECT_EQ(two, Json::parse(R"({"id": 5, "bbox": [0, 0, 1, 1e-7]})"));
  a.geojson = R"({"type":"Point","coordinates":[1,2]})";
  EXPECT_EQ(ToJson(a, *ParseAnnotationFields("geojson"))["geojson"]["coordinates"][1], 2);
  a.geojson = "{broken";
  EXPECT_TRUE(ToJson(a, *ParseAnnotationFields("geojson"))["geojson"].is_null());
}

}  // namespace
}  // namespace vitrine::wire
