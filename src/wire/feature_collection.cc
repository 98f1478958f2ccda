#include "wire/feature_collection.h"

#include "core/ascii.h"

namespace vitrine::wire {

namespace {

// Whether `object` is a JSON object whose "type" is the string `type`. (nlohmann's
// value("type", "") throws when "type" is there but not a string.)
bool HasType(const Json& object, std::string_view type) {
  if (!object.is_object()) return false;
  auto found = object.find("type");
  return found != object.end() && found->is_string() && found->get_ref<const std::string&>() == type;
}

}  // namespace

Json ToFeature(const Annotation& a, const std::map<TermId, std::string>& term_names) {
  Json terms = Json::array();
  for (TermId t : a.terms) {
    auto name = term_names.find(t);
    if (name != term_names.end()) terms.push_back(name->second);
  }
  Json geometry = Json::parse(a.geojson, nullptr, false);
  return {{"type", "Feature"},
          {"id", a.id.value()},
          {"geometry", geometry.is_discarded() ? Json(nullptr) : std::move(geometry)},
          {"properties",
           {{"image_id", a.image_id.value()},
            {"terms", std::move(terms)},
            {"algorithm", a.algorithm ? Json(*a.algorithm) : Json(nullptr)},
            {"algorithm_version", a.algorithm_version ? Json(*a.algorithm_version) : Json(nullptr)},
            {"properties", a.properties}}}};
}

Json ToFeatureCollection(const std::vector<Annotation>& annotations, const std::map<TermId, std::string>& term_names) {
  Json features = Json::array();
  for (const auto& a : annotations) features.push_back(ToFeature(a, term_names));
  return Json{{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

Result<std::vector<NewAnnotation>> FromFeatureCollection(const Json& collection, ImageId image,
                                                         const std::map<std::string, TermId>& terms_by_name,
                                                         bool repair) {
  if (!HasType(collection, "FeatureCollection") || !collection.contains("features") ||
      !collection["features"].is_array()) {
    return Status::InvalidArgument("expected a GeoJSON FeatureCollection with a features array");
  }
  std::vector<NewAnnotation> out;
  const Json& features = collection["features"];
  for (std::size_t i = 0; i < features.size(); ++i) {
    auto fail = [&](const std::string& why) {
      return Status::InvalidArgument("feature " + std::to_string(i) + ": " + why);
    };
    const Json& f = features[i];
    if (!HasType(f, "Feature")) return fail("not a GeoJSON Feature");
    if (!f.contains("geometry") || !f["geometry"].is_object()) return fail("no geometry");
    if (NestedDeeperThan(f["geometry"], kMaxGeoJsonNesting)) return fail("the geometry is nested too deeply");
    NewAnnotation a;
    a.image_id = image;
    a.geojson = f["geometry"].dump();
    a.repair = repair;
    if (f.contains("properties") && f["properties"].is_object()) {
      const Json& p = f["properties"];
      if (p.contains("terms")) {
        if (!p["terms"].is_array()) return fail("terms must be an array of names");
        for (const auto& name : p["terms"]) {
          if (!name.is_string()) return fail("terms must be an array of names");
          auto found = terms_by_name.find(core::Lowercase(name.get<std::string>()));
          if (found == terms_by_name.end()) {
            return fail("no term named '" + name.get<std::string>() + "' in the project's ontology");
          }
          a.terms.push_back(found->second);
        }
      }
      if (p.contains("algorithm") && p["algorithm"].is_string()) a.algorithm = p["algorithm"].get<std::string>();
      if (p.contains("algorithm_version") && p["algorithm_version"].is_string()) {
        a.algorithm_version = p["algorithm_version"].get<std::string>();
      }
      if (p.contains("properties")) {
        auto props = PropertiesFromJson(p["properties"]);
        if (!props.ok()) return fail(std::string(props.status().message()));
        a.properties = std::move(*props);
      }
    }
    out.push_back(std::move(a));
  }
  if (out.empty()) return Status::InvalidArgument("the collection has no features");
  return out;
}

}  // namespace vitrine::wire
