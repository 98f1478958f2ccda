// Bodies of POST /api/v1/annotations: the fast simdjson reader (wire/annotation_batch_reader)
// and the nlohmann reading the route falls back to (wire::NewAnnotationFromJson per item).
// Besides never crashing, the fast reader keeps its contract: whatever it accepts, the
// nlohmann reading accepts too, with the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "wire/annotation_batch_reader.h"
#include "wire/annotation_json.h"
#include "wire/json.h"

namespace {

using vitrine::NewAnnotation;
namespace wire = vitrine::wire;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Same(const NewAnnotation& a, const NewAnnotation& b) {
  return a.image_id == b.image_id && a.wkt == b.wkt && a.geojson == b.geojson && a.repair == b.repair &&
         a.terms == b.terms && a.properties == b.properties && a.algorithm == b.algorithm &&
         a.algorithm_version == b.algorithm_version;
}

// The route's reading when the fast reader declines: nullopt where it answers 400.
std::optional<std::vector<NewAnnotation>> ReadWithNlohmann(std::string_view body, bool repair) {
  const wire::Json json = wire::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    if (json.is_object()) (void)wire::NewAnnotationFromJson(json, repair);
    return std::nullopt;
  }
  std::vector<NewAnnotation> out;
  for (const auto& item : json) {
    auto a = wire::NewAnnotationFromJson(item, repair);
    if (!a.ok()) return std::nullopt;
    out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool repair = size % 2 == 1;
  const auto fast = wire::ReadPlainAnnotationBatch(body, repair);
  const auto slow = ReadWithNlohmann(body, repair);
  if (!fast) return 0;
  Check(slow.has_value() && slow->size() == fast->size());
  for (std::size_t i = 0; i < fast->size(); ++i) Check(Same((*fast)[i], (*slow)[i]));
  return 0;
}
