// Annotation geometry: parsing WKT and GeoJSON, validation (and repair on request), the
// measures stored beside each shape, and writing it back out. Built on the GEOS C API.
//
// Coordinates are image pixels: origin at the top-left corner of the full-resolution image,
// x to the right, y downwards (libvips' convention). Stored as WKB.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vitrine/status.h"

namespace vitrine::geometry {

enum class TextFormat { kWkt, kGeoJson };

struct ParseOptions {
  // Invalid shapes (self-intersecting rings, ...) are refused, or repaired with MakeValid.
  bool repair = false;
  // The most vertices one geometry may have.
  std::int64_t max_vertices = 1'000'000;
};

// A validated geometry and what is stored beside it for fast queries.
struct Shape {
  std::string wkb;               // well-known binary, little-endian
  std::string type;              // "Point", "Polygon", "MultiPolygon", ...
  std::array<double, 4> bbox{};  // x0, y0, x1, y1
  double area = 0;
  double perimeter = 0;  // boundary length for areas, length for lines
  std::array<double, 2> centroid{};
  std::int64_t vertex_count = 0;
  bool repaired = false;
};

// kInvalidArgument names what is wrong: malformed text, empty, a non-finite coordinate, an
// invalid shape (with GEOS's reason and location), too many vertices.
Result<Shape> Parse(std::string_view text, TextFormat format, const ParseOptions& options = {});

// WKB back to text. GeoJSON is the geometry object alone ({"type": ..., "coordinates": ...}).
Result<std::string> ToWkt(std::string_view wkb);
Result<std::string> ToGeoJson(std::string_view wkb);

// A geometry's coordinates by kind: each polygon as its exterior ring then its holes (closed
// rings of x, y), every point, and every line. Collections are walked through.
using Ring = std::vector<std::array<double, 2>>;
struct Parts {
  std::vector<std::vector<Ring>> polygons;
  std::vector<std::array<double, 2>> points;
  std::vector<Ring> lines;
};
Result<Parts> PartsOf(std::string_view wkb);

// WKT mirrored top to bottom within an image `height` pixels tall (y becomes height - y), as WKT:
// between Vitrine's origin at the top-left, y down, and a bottom-left origin, y up (Cytomine's).
// Mirroring twice gives back coordinates on the pixel grid (and any binary fraction) exactly,
// others within a rounding of the last bit. kInvalidArgument for malformed text.
Result<std::string> MirrorWktVertically(std::string_view wkt, double height);

// The geometry simplified (topology preserved) with `tolerance` in pixels, as WKB.
Result<std::string> Simplify(std::string_view wkb, double tolerance);

// Exact intersection tests of many stored geometries against one rectangle (the box's edges
// count as inside). Prepared once, used from the thread that made it.
class BoxTest {
 public:
  explicit BoxTest(const std::array<double, 4>& box);
  ~BoxTest();
  BoxTest(const BoxTest&) = delete;
  BoxTest& operator=(const BoxTest&) = delete;
  Result<bool> Intersects(std::string_view wkb) const;

 private:
  struct Prepared;
  std::unique_ptr<Prepared> prepared_;
};

// Which of many geometries lie wholly in one region (its boundary counts as inside): Cytomine's
// "included" annotations. Prepared once, used from the thread that made it.
class CoverTest {
 public:
  // `region_wkb` as Parse gives it.
  static Result<CoverTest> Of(std::string_view region_wkb);
  ~CoverTest();
  CoverTest(CoverTest&&) noexcept;
  CoverTest& operator=(CoverTest&&) noexcept;
  // The candidate as WKT (as listings give it).
  Result<bool> Covers(std::string_view wkt) const;

 private:
  struct Prepared;
  explicit CoverTest(std::unique_ptr<Prepared> prepared);
  std::unique_ptr<Prepared> prepared_;
};

}  // namespace vitrine::geometry
