// Geometry parsing, validation, repair, measures and round trips through WKT and GeoJSON.
#include <gtest/gtest.h>

#include "geometry/geometry.h"
#include "wire/json.h"

namespace vitrine::geometry {
namespace {

Shape ParseOk(std::string_view text, TextFormat format = TextFormat::kWkt, ParseOptions options = {}) {
  auto shape = Parse(text, format, options);
  EXPECT_TRUE(shape.ok()) << text << ": " << shape.status().ToString();
  return shape.ok() ? *shape : Shape{};
}

void ExpectRefused(std::string_view text, std::string_view why, TextFormat format = TextFormat::kWkt) {
  auto shape = Parse(text, format);
  ASSERT_FALSE(shape.ok()) << text;
  EXPECT_EQ(shape.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find(why), std::string::npos) << shape.status().message();
}

TEST(GeometryTest, EveryTypeRoundTripsThroughWktAndGeoJson) {
  struct Case {
    const char* wkt;
    const char* type;
  };
  for (const Case& c : {Case{"POINT (3 4)", "Point"}, Case{"LINESTRING (0 0, 10 0, 10 5)", "LineString"},
                        Case{"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))", "Polygon"},
                        Case{"MULTIPOINT (1 1, 2.5 3)", "MultiPoint"},
                        Case{"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))", "MultiLineString"},
                        Case{"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", "MultiPolygon"},
                        Case{"GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 3 3))", "GeometryCollection"}}) {
    Shape shape = ParseOk(c.wkt);
    EXPECT_EQ(shape.type, c.type);
    auto wkt = ToWkt(shape.wkb);
    ASSERT_TRUE(wkt.ok());
    EXPECT_EQ(*wkt, c.wkt);
    auto geojson = ToGeoJson(shape.wkb);
    ASSERT_TRUE(geojson.ok());
    EXPECT_EQ(wire::Json::parse(*geojson)["type"], c.type) << *geojson;
    Shape again = ParseOk(*geojson, TextFormat::kGeoJson);
    EXPECT_EQ(again.wkb, shape.wkb) << c.wkt;
  }
}

TEST(GeometryTest, MirroringFlipsYWithinTheHeightAndTwiceGivesBackTheShape) {
  auto mirrored = MirrorWktVertically("POLYGON ((10 20, 110 20, 110 70, 10 70, 10 20))", 480);
  ASSERT_TRUE(mirrored.ok()) << mirrored.status().ToString();
  EXPECT_EQ(ParseOk(*mirrored).bbox, (std::array<double, 4>{10, 410, 110, 460}));
  auto back = MirrorWktVertically(*mirrored, 480);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ParseOk(*back).wkb, ParseOk("POLYGON ((10 20, 110 20, 110 70, 10 70, 10 20))").wkb);
  auto point = MirrorWktVertically("MULTIPOINT ((0.5 0.25), (3 480))", 480);
  ASSERT_TRUE(point.ok());
  EXPECT_EQ(ParseOk(*point).bbox, (std::array<double, 4>{0.5, 0, 3, 479.75}));
  for (const char* bad : {"", "POLYGON EMPTY", "POLYGON ((0 0, 1 1", "CIRCLE (1 2)"}) {
    EXPECT_EQ(MirrorWktVertically(bad, 100).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(GeometryTest, ACoverTestKeepsWhatLiesWhollyInTheRegionEdgesIncluded) {
  auto test = CoverTest::Of(ParseOk("POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))").wkb);
  ASSERT_TRUE(test.ok()) << test.status().ToString();
  EXPECT_TRUE(*test->Covers("POINT (50 50)"));
  EXPECT_TRUE(*test->Covers("POLYGON ((0 0, 100 0, 100 10, 0 10, 0 0))")) << "on the edge";
  EXPECT_FALSE(*test->Covers("POLYGON ((90 90, 110 90, 110 110, 90 110, 90 90))")) << "across the edge";
  EXPECT_FALSE(*test->Covers("POINT (150 50)"));
  EXPECT_EQ(test->Covers("POINT (").status().code(), ErrorCode::kInvalidArgument);
}

TEST(GeometryTest, MeasuresAreStoredBesideTheShape) {
  Shape square = ParseOk("POLYGON ((10 20, 30 20, 30 40, 10 40, 10 20))");
  EXPECT_EQ(square.bbox, (std::array<double, 4>{10, 20, 30, 40}));
  EXPECT_DOUBLE_EQ(square.area, 400);
  EXPECT_DOUBLE_EQ(square.perimeter, 80);
  EXPECT_EQ(square.centroid, (std::array<double, 2>{20, 30}));
  EXPECT_EQ(square.vertex_count, 5);
  Shape line = ParseOk("LINESTRING (0 0, 3 4)");
  EXPECT_DOUBLE_EQ(line.area, 0);
  EXPECT_DOUBLE_EQ(line.perimeter, 5);
  Shape point = ParseOk(R"({"type": "Point", "coordinates": [7.5, -2]})", TextFormat::kGeoJson);
  EXPECT_EQ(point.bbox, (std::array<double, 4>{7.5, -2, 7.5, -2}));
  EXPECT_EQ(point.vertex_count, 1);
}

TEST(GeometryTest, InvalidShapesAreRefusedOrRepairedOnRequest) {
  const char* bowtie = "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))";
  ExpectRefused(bowtie, "Self-intersection");
  Shape fixed = ParseOk(bowtie, TextFormat::kWkt, {.repair = true});
  EXPECT_TRUE(fixed.repaired);
  EXPECT_EQ(fixed.type, "MultiPolygon");
  EXPECT_DOUBLE_EQ(fixed.area, 50);
  ExpectRefused("POLYGON ((0 0, 1 0, 0 0))", "Too few points");  // too few distinct points for a ring
}

TEST(GeometryTest, HostileAndMalformedInputGetsAClearRefusal) {
  ExpectRefused("", "malformed WKT");
  ExpectRefused("POLYGON ((0 0, 1 0", "malformed WKT");
  ExpectRefused("CIRCLE (1 2 3)", "malformed WKT");
  ExpectRefused("POINT EMPTY", "empty");
  EXPECT_EQ(ToWkt(ParseOk("MULTIPOINT ((1 1), (2.5 3))").wkb).value(), "MULTIPOINT (1 1, 2.5 3)");
  // GEOS 3.11's WKT writer overruns a stack buffer printing numbers like 1e300: such values
  // are no pixel coordinates, and never stored.
  ExpectRefused("POINT (1e300 1)", "beyond");
  ExpectRefused("MULTIPOINT ((1 1), (-2e15 3))", "beyond");
  ExpectRefused(R"({"type": "Point", "coordinates": [1, 1e16]})", "beyond", TextFormat::kGeoJson);
  EXPECT_EQ(ToWkt(ParseOk("POINT (999999999999999 -999999999999999)").wkb).value(),
            "POINT (999999999999999 -999999999999999)");
  ExpectRefused("POLYGON EMPTY", "empty");
  ExpectRefused("POINT (nan 1)", "finite");
  ExpectRefused("LINESTRING (0 0, inf 1)", "finite");
  ExpectRefused(R"({"type": "Point", "coordinates": [1e400, 1]})", "GeoJSON", TextFormat::kGeoJson);
  ExpectRefused(R"({"type": "Polygon"})", "malformed GeoJSON", TextFormat::kGeoJson);
  ExpectRefused("not json", "malformed GeoJSON", TextFormat::kGeoJson);

  std::string many = "LINESTRING (";
  for (int i = 0; i < 2001; ++i) many += (i ? ", " : "") + std::to_string(i) + " 0";
  many += ")";
  auto capped = Parse(many, TextFormat::kWkt, {.max_vertices = 2000});
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.status().message().find("2001 vertices"), std::string::npos) << capped.status().message();
  EXPECT_TRUE(Parse(many, TextFormat::kWkt, {.max_vertices = 2001}).ok());
}

// Found by tests/fuzz/geojson_fuzz: GEOS 3.11's GeoJSON reader dereferences an empty position
// (a segfault of the whole server). Empty geometries and empty parts stay readable.
TEST(GeometryTest, EmptyGeoJsonPositionsAreRefusedBeforeGeos) {
  for (const char* text :
       {R"({"type": "MultiLineString", "coordinates": [[[0, 0], [], [3, 35]]]})",
        R"({"type": "LineString", "coordinates": [[]]})", R"({"type": "MultiPoint", "coordinates": [[1, 2], []]})",
        R"({"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [], [0, 0]]]})",
        R"({"type": "MultiPolygon", "coordinates": [[[[]]]]})",
        R"({"type": "GeometryCollection", "geometries": [{"type": "LineString", "coordinates": [[]]}]})",
        R"({"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[]]}})"}) {
    ExpectRefused(text, "a position has no coordinates", TextFormat::kGeoJson);
  }
  ExpectRefused(R"({"type": "LineString", "coordinates": []})", "empty", TextFormat::kGeoJson);
  Shape line = ParseOk(R"({"type": "MultiLineString", "coordinates": [[], [[1, 2], [3, 4]]]})", TextFormat::kGeoJson);
  EXPECT_EQ(line.vertex_count, 2);
}

// GEOS reads WKT and GeoJSON recursively: a text nested 100,000 deep overflowed the stack.
TEST(GeometryTest, DeeplyNestedTextIsRefused) {
  std::string wkt;
  for (int i = 0; i < 100'000; ++i) wkt += "GEOMETRYCOLLECTION (";
  wkt += "POINT (1 2)" + std::string(100'000, ')');
  ExpectRefused(wkt, "malformed WKT: nested more than 64 deep");
  ParseOk("GEOMETRYCOLLECTION (MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0))), POINT (1 2))");
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += R"({"type": "GeometryCollection", "geometries": [)";
  for (int i = 0; i < 100'000; ++i) deep += "]}";
  ExpectRefused(deep, "nested more than 64 deep", TextFormat::kGeoJson);
  ParseOk(R"({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]], "x": "[[[[[["})",
          TextFormat::kGeoJson);
}

TEST(GeometryTest, BoxTestIsExactWhereBoundingBoxesOverlap) {
  // An L-shape whose bounding box covers (8, 8) though the shape does not.
  Shape l = ParseOk("POLYGON ((0 0, 10 0, 10 2, 2 2, 2 10, 0 10, 0 0))");
  EXPECT_FALSE(*BoxTest({7, 7, 9, 9}).Intersects(l.wkb));
  EXPECT_TRUE(*BoxTest({1, 1, 3, 3}).Intersects(l.wkb));
  EXPECT_TRUE(*BoxTest({10, 0, 12, 1}).Intersects(l.wkb));  // touching an edge counts
  EXPECT_FALSE(*BoxTest({10.5, 0, 12, 1}).Intersects(l.wkb));
}

TEST(GeometryTest, SimplifyKeepsTheShapeButDropsDetail) {
  std::string circle_ish = "POLYGON ((";
  for (int i = 0; i < 360; ++i) {
    double a = i * 3.14159265358979 / 180;
    circle_ish += std::to_string(100 + 50 * std::cos(a)) + " " + std::to_string(100 + 50 * std::sin(a)) + ", ";
  }
  circle_ish += std::to_string(150.0) + " " + std::to_string(100.0) + "))";
  Shape shape = ParseOk(circle_ish);
  auto simple = Simplify(shape.wkb, 2.0);
  ASSERT_TRUE(simple.ok());
  Shape reparsed = ParseOk(*ToWkt(*simple));
  EXPECT_LT(reparsed.vertex_count, shape.vertex_count / 4);
  EXPECT_NEAR(reparsed.area, shape.area, shape.area * 0.05);
}

}  // namespace
}  // namespace vitrine::geometry
