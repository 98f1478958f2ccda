// A fast reader (and writer) for the WKT that bulk annotation uploads are made of: 2-D POINT, LINESTRING and
// POLYGON with plain decimal coordinates. GEOS's WKT reader tokenizes through strtod, a large
// part of the cost of validating a batch; this one reads numbers with std::from_chars.
//
// It only ever accepts a subset of what GEOS accepts, with the same meaning: anything else
// (other types, EMPTY, Z/M, unclosed or short rings, non-finite numbers, stray characters)
// gives nullopt, and the caller falls back to GEOS, whose answer and error messages stand.
// Pure: no GEOS, no allocation beyond the result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::geometry {

struct SimpleGeometry {
  enum class Kind { kPoint = 1, kLineString = 2, kPolygon = 3 };  // the WKB type codes
  Kind kind = Kind::kPoint;
  // Interleaved x, y: one sequence for a point or a line, the shell then the holes of a polygon.
  std::vector<std::vector<double>> sequences;

  std::size_t vertex_count() const;
  // Little-endian 2-D WKB, byte for byte what GEOS's writer produces for the same geometry.
  std::string ToWkb() const;
};

std::optional<SimpleGeometry> ReadSimpleWkt(std::string_view text);

// The other way, for listings: the WKT GEOS's writer (trimmed, 2-D) gives for a little-endian
// WKB point, line or polygon, character for character; nullopt for any other WKB.
std::optional<std::string> SimpleWkbToWkt(std::string_view wkb);

}  // namespace vitrine::geometry
