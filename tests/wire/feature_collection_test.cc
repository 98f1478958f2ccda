#include "wire/feature_collection.h"

#include <gtest/gtest.h>

#include "wire/annotation_json.h"

namespace vitrine::wire {
namespace {

Result<std::vector<NewAnnotation>> Read(std::string_view text) {
  return FromFeatureCollection(Json::parse(text), ImageId(1), {{"tumour", TermId(4)}}, /*repair=*/false);
}

TEST(FeatureCollectionTest, ReadsFeaturesWithTermsByName) {
  auto batch = Read(R"({"type": "FeatureCollection", "features": [{"type": "Feature",
      "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"terms": ["Tumour"]}}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ((*batch)[0].image_id, ImageId(1));
  EXPECT_EQ((*batch)[0].terms, std::vector<TermId>{TermId(4)});
}

// Found by tests/fuzz/geojson_fuzz: a "type" that is not a string made nlohmann throw (a 500
// from the route, an exception out of the client library) instead of giving kInvalidArgument.
TEST(FeatureCollectionTest, TypeOfTheWrongKindIsAnError) {
  for (const char* text :
       {R"({"type": 1, "features": []})", R"({"type": "FeatureCollection", "features": [{"type": {"type": "Point"}}]})",
        R"({"type": "FeatureCollection", "features": [{"type": null, "geometry": {}}]})"}) {
    auto batch = Read(text);
    EXPECT_EQ(batch.status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

// dump() of a geometry nested 100,000 deep overflowed the stack (the import route, and the
// object form of an annotation's geojson).
TEST(FeatureCollectionTest, DeeplyNestedGeometryIsAnError) {
  const std::string deep = R"({"type": "Point", "c": )" + std::string(1000, '[') + std::string(1000, ']') + "}";
  EXPECT_TRUE(NestedDeeperThan(Json::parse(deep), kMaxGeoJsonNesting));
  EXPECT_FALSE(NestedDeeperThan(Json::parse(R"({"type": "Point", "coordinates": [[[1]]]})"), 4));
  EXPECT_TRUE(NestedDeeperThan(Json::parse(R"({"type": "Point", "coordinates": [[[1]]]})"), 3));
  auto batch = Read(R"({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": )" + deep + "}]}");
  EXPECT_EQ(batch.status().code(), ErrorCode::kInvalidArgument);
  auto annotation = NewAnnotationFromJson(Json::parse(R"({"image_id": 1, "geojson": )" + deep + "}"), false);
  EXPECT_EQ(annotation.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine::wire
