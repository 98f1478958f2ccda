#include "wire/annotation_batch_reader.h"

#include <simdjson.h>

#include "vitrine/types.h"

namespace vitrine::wire {
namespace {

// The DOM API: its parsing runs in the shared library, which picks the machine's SIMD kernel at
// run time (the header-only On Demand API would be compiled for the baseline x86-64).
namespace dom = simdjson::dom;

bool ReadString(dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text)) return false;
  out.assign(text);
  return true;
}

bool ReadTerms(dom::element value, std::vector<TermId>& out) {
  dom::array terms;
  if (value.get_array().get(terms)) return false;
  for (auto element : terms) {
    std::int64_t id = 0;
    if (element.get_int64().get(id) || id <= 0) return false;
    out.emplace_back(id);
  }
  return true;
}

bool ReadProperties(dom::element value, vitrine::Properties& out) {
  dom::object object;
  if (value.get_object().get(object)) return false;
  for (dom::key_value_pair field : object) {
    std::string name(field.key);
    std::string text;
    if (!ReadString(field.value, text)) return false;
    if (!out.emplace(std::move(name), std::move(text)).second) return false;  // repeated key
  }
  return true;
}

// One annotation object; false for anything NewAnnotationFromJson might answer differently.
bool ReadAnnotation(dom::object object, bool repair_all, NewAnnotation& a) {
  enum Seen : unsigned {
    kImage = 1,
    kWkt = 2,
    kGeoJson = 4,
    kRepair = 8,
    kProperties = 16,
    kAlgorithm = 32,
    kVersion = 64,
    kTerms = 128
  };
  unsigned seen = 0;
  auto first_time = [&](Seen s) { return !(seen & s) && (seen |= s); };
  std::optional<bool> repair;
  for (dom::key_value_pair field : object) {
    const std::string_view key = field.key;
    const dom::element value = field.value;
    if (key == "image_id" && first_time(kImage)) {
      std::int64_t id = 0;
      if (value.get_int64().get(id) || id <= 0) return false;
      a.image_id = ImageId(id);
    } else if (key == "wkt" && first_time(kWkt)) {
      if (!ReadString(value, a.wkt) || a.wkt.empty()) return false;
    } else if (key == "geojson" && first_time(kGeoJson)) {
      if (!ReadString(value, a.geojson) || a.geojson.empty()) return false;  // an object: left to nlohmann
    } else if (key == "repair" && first_time(kRepair)) {
      bool flag = false;
      if (value.get_bool().get(flag)) return false;
      repair = flag;
    } else if (key == "properties" && first_time(kProperties)) {
      if (!ReadProperties(value, a.properties)) return false;
    } else if (key == "algorithm" && first_time(kAlgorithm)) {
      a.algorithm.emplace();
      if (!ReadString(value, *a.algorithm)) return false;
    } else if (key == "algorithm_version" && first_time(kVersion)) {
      a.algorithm_version.emplace();
      if (!ReadString(value, *a.algorithm_version)) return false;
    } else if (key == "terms" && first_time(kTerms)) {
      if (!ReadTerms(value, a.terms)) return false;
    } else {
      return false;
    }
  }
  a.repair = repair.value_or(repair_all);
  return (seen & kImage) && ((seen & kWkt) != 0) != ((seen & kGeoJson) != 0);
}

}  // namespace

std::optional<std::vector<NewAnnotation>> ReadPlainAnnotationBatch(std::string_view body, bool repair_all) {
  // Kept between requests on each thread, so its buffers are allocated once; but one huge body
  // must not pin its size on the thread for good: past kKeepBytes they are given back.
  constexpr std::size_t kKeepBytes = 8 << 20;
  thread_local dom::parser parser;
  struct ShrinkAfter {
    dom::parser& parser;
    ~ShrinkAfter() {
      if (parser.capacity() > kKeepBytes) parser = dom::parser();
    }
  } shrink_after{parser};
  dom::element doc;
  if (parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(doc)) return std::nullopt;
  dom::array items;
  if (doc.get_array().get(items)) return std::nullopt;
  std::vector<NewAnnotation> out;
  out.reserve(items.size());
  for (dom::element item : items) {
    dom::object object;
    if (item.get_object().get(object)) return std::nullopt;
    NewAnnotation a;
    if (!ReadAnnotation(object, repair_all, a)) return std::nullopt;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace vitrine::wire
