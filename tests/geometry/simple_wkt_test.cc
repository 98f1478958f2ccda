// The fast WKT reader against GEOS's own: whatever it accepts must be the geometry GEOS reads
// (byte-identical WKB), and whatever is unusual or malformed must be left to GEOS.
#include <geos_c.h>
#include <gtest/gtest.h>

#include <random>

#include "geometry/geometry.h"
#include "geometry/simple_wkt.h"

namespace vitrine::geometry {
namespace {

// GEOS's reading of `wkt` as 2-D little-endian WKB, or "" when it refuses the text.
std::string GeosWkb(const std::string& wkt) {
  GEOSContextHandle_t h = GEOS_init_r();
  GEOSWKTReader* reader = GEOSWKTReader_create_r(h);
  GEOSWKBWriter* writer = GEOSWKBWriter_create_r(h);
  GEOSWKBWriter_setByteOrder_r(h, writer, GEOS_WKB_NDR);
  GEOSWKBWriter_setOutputDimension_r(h, writer, 2);
  std::string out;
  if (GEOSGeometry* g = GEOSWKTReader_read_r(h, reader, wkt.c_str())) {
    std::size_t size = 0;
    unsigned char* bytes = GEOSWKBWriter_write_r(h, writer, g, &size);
    out.assign(reinterpret_cast<const char*>(bytes), size);
    GEOSFree_r(h, bytes);
    GEOSGeom_destroy_r(h, g);
  }
  GEOSWKBWriter_destroy_r(h, writer);
  GEOSWKTReader_destroy_r(h, reader);
  GEOS_finish_r(h);
  return out;
}

void ExpectSameAsGeos(const std::string& wkt) {
  auto simple = ReadSimpleWkt(wkt);
  ASSERT_TRUE(simple) << wkt;
  std::string expected = GeosWkb(wkt);
  ASSERT_FALSE(expected.empty()) << "GEOS refuses " << wkt;
  EXPECT_EQ(simple->ToWkb(), expected) << wkt;
}

TEST(SimpleWktTest, AcceptedTextIsReadExactlyAsGeosReadsIt) {
  for (const char* wkt :
       {"POINT (3 4)", "point(3 4)", "  Point ( -0 1e3 )\n", "POINT (0.1 .5)", "POINT (5. 1E-3)",
        "LINESTRING (0 0, 10 0, 10 5)", "LINESTRING(0 0,1 1)", "linestring (1.25 -2.5,\t3 4)",
        "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))",
        "POLYGON ((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1), (0.5 0.5, 0.6 0.5, 0.6 0.6, 0.5 0.5))",
        "POLYGON ((1e308 0, -1e308 0, 0 1e-308, 1e308 0))"}) {
    ExpectSameAsGeos(wkt);
  }
}

TEST(SimpleWktTest, RandomPolygonsInEveryNumberSpellingMatchGeos) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> coordinate(-1e6, 1e6);
  const char* formats[] = {"%.17g", "%.2f", "%.0f", "%e", "%.3E", "%g"};
  for (int n = 0; n < 300; ++n) {
    const char* format = formats[n % 6];
    std::string wkt = "POLYGON ((";
    std::string first;
    int vertices = 3 + n % 12;
    char buffer[64];
    for (int i = 0; i < vertices; ++i) {
      std::string x, y;
      std::snprintf(buffer, sizeof buffer, format, coordinate(random));
      x = buffer;
      std::snprintf(buffer, sizeof buffer, format, coordinate(random));
      y = buffer;
      std::string point = x + " " + y;
      if (i == 0) first = point;
      wkt += point + ", ";
    }
    wkt += first + "))";
    ExpectSameAsGeos(wkt);
  }
}

TEST(SimpleWktTest, AnythingUnusualIsLeftToGeos) {
  for (const char* wkt : {"",
                          "POINT EMPTY",
                          "POINT Z (1 2 3)",
                          "POINT (1 2 3)",
                          "POINT (1)",
                          "POINT (1,2)",
                          "POINT (1.5.5)",
                          "POINT (1 2) x",
                          "POINT (1 2",
                          "POINTX (1 2)",
                          "POINT (+1 2)",
                          "POINT (nan 2)",
                          "POINT (inf 2)",
                          "POINT (1e999 2)",
                          "POINT (0x10 2)",
                          "POINT (1 2)(3 4)",
                          "LINESTRING (0 0)",
                          "LINESTRING (0 0, 1 1-2 2)",
                          "LINESTRING (0 0,, 1 1)",
                          "LINESTRING ()",
                          "POLYGON ((0 0, 1 0, 0 0))",
                          "POLYGON ((0 0, 1 0, 1 1, 0 1))",
                          "POLYGON ((0 0, 1 0, 1 1, 0 0)",
                          "POLYGON ((0 0, 1 0, 1 1, 0 0)) (",
                          "POLYGON (0 0, 1 0, 1 1, 0 0)",
                          "MULTIPOINT (1 1, 2 2)",
                          "GEOMETRYCOLLECTION (POINT (1 2))",
                          "\xef\xbb\xbfPOINT (1 2)",
                          "POINT\f(1 2)"}) {
    EXPECT_FALSE(ReadSimpleWkt(wkt)) << wkt;
  }
}

TEST(SimpleWktTest, ParseGivesTheSameShapeWhicheverReaderRan) {
  // "+1" sends the second text to GEOS's reader; both must store the same thing.
  Result<Shape> fast = Parse("POLYGON ((1 0, 10 0, 10 10, 0 10, 1 0))", TextFormat::kWkt);
  Result<Shape> slow = Parse("POLYGON ((+1 0, 10 0, 10 10, 0 10, +1 0))", TextFormat::kWkt);
  ASSERT_TRUE(fast.ok() && slow.ok());
  EXPECT_EQ(fast->wkb, slow->wkb);
  EXPECT_EQ(fast->bbox, slow->bbox);
  EXPECT_EQ(fast->area, slow->area);
  EXPECT_EQ(fast->perimeter, slow->perimeter);
  EXPECT_EQ(fast->centroid, slow->centroid);
  EXPECT_EQ(fast->vertex_count, slow->vertex_count);
  EXPECT_EQ(fast->type, slow->type);
  // An invalid shape read by the fast reader is still refused with GEOS's reason, or repaired.
  Result<Shape> bowtie = Parse("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", TextFormat::kWkt);
  ASSERT_FALSE(bowtie.ok());
  EXPECT_NE(bowtie.status().message().find("Self-intersection"), std::string::npos) << bowtie.status().message();
  Result<Shape> repaired = Parse("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", TextFormat::kWkt, {.repair = true});
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(repaired->type, "MultiPolygon");
  EXPECT_TRUE(repaired->repaired);
  EXPECT_DOUBLE_EQ(repaired->area, 50);
}

}  // namespace
}  // namespace vitrine::geometry

namespace vitrine::geometry {
namespace {

// GEOS's WKT for WKB, trimmed and 2-D as the catalog writes it.
std::string GeosWkt(const std::string& wkb) {
  GEOSContextHandle_t h = GEOS_init_r();
  GEOSWKBReader* reader = GEOSWKBReader_create_r(h);
  GEOSWKTWriter* writer = GEOSWKTWriter_create_r(h);
  GEOSWKTWriter_setTrim_r(h, writer, 1);
  GEOSWKTWriter_setOutputDimension_r(h, writer, 2);
  std::string out;
  if (GEOSGeometry* g =
          GEOSWKBReader_read_r(h, reader, reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size())) {
    char* text = GEOSWKTWriter_write_r(h, writer, g);
    out = text;
    GEOSFree_r(h, text);
    GEOSGeom_destroy_r(h, g);
  }
  GEOSWKTWriter_destroy_r(h, writer);
  GEOSWKBReader_destroy_r(h, reader);
  GEOS_finish_r(h);
  return out;
}

TEST(SimpleWktTest, WrittenTextIsWhatGeosWrites) {
  std::mt19937_64 random(11);
  // Ties at the 16th decimal (rounded half to even, on the shortest digits), carries, -0.
  std::vector<double> values = {0,
                                -0.0,
                                1,
                                -1,
                                0.1,
                                0.30000000000000004,
                                1e-7,
                                1.5e-17,
                                1e-16,
                                2.5e-16,
                                3.5e-16,
                                1.5e-16,
                                2.51e-16,
                                9.5e-16,
                                -9.5e-16,
                                5e-17,
                                -1e-300,
                                123456.0,
                                0.5e-3,
                                1.0 / 3,
                                2.0 / 3 * 1e5,
                                40006.28,
                                9.99999999999995e14,
                                123.00000000000001,
                                -0.99999999999999995,
                                1e14};
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> exponent(-20, 14);
  for (int i = 0; i < 4000; ++i) values.push_back((unit(random) - 0.5) * std::pow(10.0, exponent(random)));
  for (std::size_t i = 0; i + 1 < values.size(); i += 2) {
    SimpleGeometry point{SimpleGeometry::Kind::kPoint, {{values[i], values[i + 1]}}};
    std::string wkb = point.ToWkb();
    auto mine = SimpleWkbToWkt(wkb);
    ASSERT_TRUE(mine);
    EXPECT_EQ(*mine, GeosWkt(wkb)) << values[i] << " " << values[i + 1];
  }
  for (const char* wkt :
       {"LINESTRING (0 0, 10.5 0, 10 5)", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))"}) {
    auto simple = ReadSimpleWkt(wkt);
    ASSERT_TRUE(simple);
    EXPECT_EQ(SimpleWkbToWkt(simple->ToWkb()), std::optional<std::string>(wkt));
    EXPECT_EQ(GeosWkt(simple->ToWkb()), wkt);
  }
}

TEST(SimpleWktTest, OtherOrDamagedWkbIsLeftToGeos) {
  std::string point = SimpleGeometry{SimpleGeometry::Kind::kPoint, {{1, 2}}}.ToWkb();
  EXPECT_FALSE(SimpleWkbToWkt(""));
  // Past 1e15 GEOS's digits and to_chars' differ (1e23 is not exact): GEOS writes those (Parse
  // stores none of them).
  for (double big : {1e15, -1e16, 1e23, 1.2345678901234568e17}) {
    std::string wkb = SimpleGeometry{SimpleGeometry::Kind::kPoint, {{big, 0}}}.ToWkb();
    EXPECT_FALSE(SimpleWkbToWkt(wkb)) << big;
    EXPECT_EQ(*ToWkt(wkb), GeosWkt(wkb));
  }
  EXPECT_FALSE(SimpleWkbToWkt(point.substr(0, point.size() - 1)));  // cut short
  EXPECT_FALSE(SimpleWkbToWkt(point + "x"));                        // trailing bytes
  std::string big_endian = point;
  big_endian[0] = '\x00';
  EXPECT_FALSE(SimpleWkbToWkt(big_endian));
  Result<Shape> multi = Parse("MULTIPOINT (1 1, 2 2)", TextFormat::kWkt);
  ASSERT_TRUE(multi.ok());
  EXPECT_FALSE(SimpleWkbToWkt(multi->wkb));
  EXPECT_EQ(*ToWkt(multi->wkb), "MULTIPOINT (1 1, 2 2)");
  // A ring count far beyond the bytes present is refused without allocating for it.
  std::string polygon = SimpleGeometry{SimpleGeometry::Kind::kPolygon, {{0, 0, 1, 0, 1, 1, 0, 0}}}.ToWkb();
  polygon[5] = '\xff';
  polygon[6] = '\xff';
  EXPECT_FALSE(SimpleWkbToWkt(polygon));
}

}  // namespace
}  // namespace vitrine::geometry
