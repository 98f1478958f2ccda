// The fast bulk-body reader against NewAnnotationFromJson: whatever it reads must be what the
// nlohmann path reads, and whatever might be answered differently must be left to that path.
#include "wire/annotation_batch_reader.h"

#include <gtest/gtest.h>

#include "wire/annotation_json.h"

namespace vitrine::wire {
namespace {

std::vector<NewAnnotation> ReadWithNlohmann(const std::string& body, bool repair) {
  Json doc = Json::parse(body);
  std::vector<NewAnnotation> out;
  for (const auto& item : doc) out.push_back(NewAnnotationFromJson(item, repair).value());
  return out;
}

void ExpectSame(const NewAnnotation& a, const NewAnnotation& b) {
  EXPECT_EQ(a.image_id, b.image_id);
  EXPECT_EQ(a.wkt, b.wkt);
  EXPECT_EQ(a.geojson, b.geojson);
  EXPECT_EQ(a.repair, b.repair);
  EXPECT_EQ(a.terms, b.terms);
  EXPECT_EQ(a.properties, b.properties);
  EXPECT_EQ(a.algorithm, b.algorithm);
  EXPECT_EQ(a.algorithm_version, b.algorithm_version);
}

TEST(AnnotationBatchReaderTest, ReadsPlainBatchesAsNlohmannDoes) {
  const std::string body = R"j([
    {"image_id": 1, "wkt": "POINT (1 2)"},
    {"wkt": "POLYGON ((0 0, 1 0, 1 1, 0 0))", "image_id": 7, "terms": [3, 4], "repair": true,
     "properties": {"class": "moth \"big\"", "ünï": "\u00e9\n"}},
    {"image_id": 2, "geojson": "{\"type\": \"Point\", \"coordinates\": [1, 2]}", "algorithm": "yolo",
     "algorithm_version": "", "repair": false, "terms": [], "properties": {}}
  ])j";
  for (bool repair : {false, true}) {
    auto fast = ReadPlainAnnotationBatch(body, repair);
    ASSERT_TRUE(fast);
    auto slow = ReadWithNlohmann(body, repair);
    ASSERT_EQ(fast->size(), slow.size());
    for (std::size_t i = 0; i < slow.size(); ++i) ExpectSame((*fast)[i], slow[i]);
  }
  EXPECT_TRUE(ReadPlainAnnotationBatch("[]", false)->empty());
}

TEST(AnnotationBatchReaderTest, LeavesEverythingElseToNlohmann) {
  for (const char* body : {R"j({"image_id": 1, "wkt": "POINT (1 2)"})j",      // one object
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)"}] x)j",  // trailing bytes
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)"},])j",   // malformed
                           R"j([{"image_id": 1, "geojson": {"type": "Point", "coordinates": [1, 2]}}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "wkt": "POINT (3 4)"}])j",  // repeated key
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "colour": "red"}])j",       // unknown key
                           R"j([{"image_id": 0, "wkt": "POINT (1 2)"}])j",
                           R"j([{"image_id": 1.0, "wkt": "POINT (1 2)"}])j",
                           R"j([{"image_id": "1", "wkt": "POINT (1 2)"}])j",
                           R"j([{"wkt": "POINT (1 2)"}])j",
                           R"j([{"image_id": 1, "wkt": ""}])j",
                           R"j([{"image_id": 1}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "geojson": "{}"}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "algorithm": null}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "repair": 1}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "terms": [0]}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "terms": 3}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "properties": {"a": 1}}])j",
                           R"j([{"image_id": 1, "wkt": "POINT (1 2)", "properties": {"a": "x", "a": "y"}}])j",
                           R"j([{"image_id": 99999999999999999999, "wkt": "POINT (1 2)"}])j",
                           "[1]",
                           "[\"\xff\"]",
                           ""}) {
    EXPECT_FALSE(ReadPlainAnnotationBatch(body, false)) << body;
  }
}

}  // namespace
}  // namespace vitrine::wire
