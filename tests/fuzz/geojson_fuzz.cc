// GeoJSON from users: a geometry object as an annotation's `geojson` (geometry::Parse through
// GEOS's GeoJSON reader), and a FeatureCollection imported into an image
// (wire::FromFeatureCollection, then each feature's geometry parsed as the service does).
// Any input must give a value or a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "geometry/geometry.h"
#include "wire/feature_collection.h"
#include "wire/json.h"

namespace {

using vitrine::geometry::ParseOptions;
using vitrine::geometry::TextFormat;

void Check(bool condition) {
  if (!condition) std::abort();
}

void ParseGeometry(std::string_view text, bool repair) {
  ParseOptions options;
  options.repair = repair;
  options.max_vertices = 10'000;
  auto shape = vitrine::geometry::Parse(text, TextFormat::kGeoJson, options);
  if (!shape.ok()) return;
  Check(vitrine::geometry::ToGeoJson(shape->wkb).ok());
  Check(vitrine::geometry::ToWkt(shape->wkb).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseGeometry(text, /*repair=*/size % 2 == 1);

  const vitrine::wire::Json json = vitrine::wire::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  const std::map<std::string, vitrine::TermId> terms{{"tumour", vitrine::TermId(1)}, {"stroma", vitrine::TermId(2)}};
  auto batch = vitrine::wire::FromFeatureCollection(json, vitrine::ImageId(1), terms, /*repair=*/false);
  if (!batch.ok()) return 0;
  Check(!batch->empty());
  for (const auto& annotation : *batch) {
    Check(annotation.image_id == vitrine::ImageId(1) && !annotation.geojson.empty());
    ParseGeometry(annotation.geojson, annotation.repair);
  }
  return 0;
}
