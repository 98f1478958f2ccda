// WKT from annotation uploads: the fast reader (geometry/simple_wkt), then geometry::Parse with
// the GEOS fallback, validation and repair, and the stored WKB written back out as text.
// Any input must give a value or a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "geometry/geometry.h"
#include "geometry/simple_wkt.h"

namespace {

using vitrine::geometry::ParseOptions;
using vitrine::geometry::TextFormat;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace geometry = vitrine::geometry;

  if (auto simple = geometry::ReadSimpleWkt(text)) {
    Check(!simple->sequences.empty());
    // Its WKB is what the listing's fast writer reads back; every value it took is finite.
    (void)geometry::SimpleWkbToWkt(simple->ToWkb());
  }
  (void)geometry::SimpleWkbToWkt(text);  // the same bytes as (corrupt) stored WKB

  ParseOptions options;
  options.max_vertices = 10'000;
  auto shape = geometry::Parse(text, TextFormat::kWkt, options);
  if (!shape.ok() && shape.status().message().find("invalid geometry") != std::string_view::npos) {
    options.repair = true;
    shape = geometry::Parse(text, TextFormat::kWkt, options);
  }
  if (!shape.ok()) return 0;
  Check(!shape->wkb.empty() && shape->vertex_count > 0);
  Check(shape->bbox[0] <= shape->bbox[2] && shape->bbox[1] <= shape->bbox[3]);
  // What a listing and an export do with the stored shape.
  Check(geometry::ToWkt(shape->wkb).ok());
  Check(geometry::ToGeoJson(shape->wkb).ok());
  return 0;
}
