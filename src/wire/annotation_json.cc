#include "wire/annotation_json.h"

#include <array>
#include <utility>

#include "core/time_format.h"
#include "wire/json_text.h"

namespace vitrine::wire {
namespace {

constexpr std::array<std::pair<std::string_view, AnnotationField>, static_cast<std::size_t>(AnnotationField::kCount)>
    kNames = {{{"id", AnnotationField::kId},
               {"project_id", AnnotationField::kProjectId},
               {"image_id", AnnotationField::kImageId},
               {"wkt", AnnotationField::kWkt},
               {"geojson", AnnotationField::kGeoJson},
               {"type", AnnotationField::kType},
               {"bbox", AnnotationField::kBbox},
               {"area", AnnotationField::kArea},
               {"perimeter", AnnotationField::kPerimeter},
               {"centroid", AnnotationField::kCentroid},
               {"vertex_count", AnnotationField::kVertexCount},
               {"properties", AnnotationField::kProperties},
               {"terms", AnnotationField::kTerms},
               {"created_by", AnnotationField::kCreatedBy},
               {"algorithm", AnnotationField::kAlgorithm},
               {"algorithm_version", AnnotationField::kAlgorithmVersion},
               {"created_at", AnnotationField::kCreatedAt},
               {"updated_at", AnnotationField::kUpdatedAt},
               {"run_id", AnnotationField::kRunId}}};

// AppendJson finds a field's name at its enum's index.
constexpr bool NamesInEnumOrder() {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (static_cast<std::size_t>(kNames[i].second) != i) return false;
  }
  return true;
}
static_assert(NamesInEnumOrder());

}  // namespace

AnnotationFields DefaultAnnotationFields() {
  AnnotationFields all;
  all.set();
  all.reset(static_cast<std::size_t>(AnnotationField::kGeoJson));
  return all;
}

Result<AnnotationFields> ParseAnnotationFields(std::string_view csv) {
  AnnotationFields fields;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    std::string_view name = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    if (name.empty()) continue;
    bool known = false;
    for (const auto& [field_name, field] : kNames) {
      if (field_name == name) fields.set(static_cast<std::size_t>(field)), known = true;
    }
    if (!known) {
      std::string list;
      for (const auto& [field_name, field] : kNames) list += (list.empty() ? "" : ", ") + std::string(field_name);
      return Status::InvalidArgument("unknown field '" + std::string(name) + "'; fields are " + list);
    }
  }
  if (fields.none()) return Status::InvalidArgument("fields is empty");
  return fields;
}

void AppendJson(std::string& out, const Annotation& a, const AnnotationFields& fields) {
  using F = AnnotationField;
  bool first = true;
  // Writes the key of `f` if the field is wanted; the caller then writes its value.
  auto field = [&](F f) {
    if (!Has(fields, f)) return false;
    out += first ? "{\"" : ",\"";
    first = false;
    out += kNames[static_cast<std::size_t>(f)].first;
    out += "\":";
    return true;
  };
  auto id_or_null = [&](std::int64_t id) {
    if (id > 0)
      AppendJsonNumber(out, id);
    else
      out += "null";
  };
  auto text_or_null = [&](const std::optional<std::string>& v) {
    if (v)
      AppendJsonString(out, *v);
    else
      out += "null";
  };
  auto numbers = [&](std::initializer_list<double> values) {
    out += '[';
    for (double v : values) {
      if (out.back() != '[') out += ',';
      AppendJsonNumber(out, v);
    }
    out += ']';
  };
  // Rows of one bulk request share their times: format each distinct one once per thread.
  thread_local std::pair<Timestamp, std::string> last_time{Timestamp::min(), ""};
  auto time = [&](Timestamp t) {
    if (t != last_time.first) last_time = {t, core::FormatIso8601(t)};
    AppendJsonString(out, last_time.second);
  };

  if (field(F::kId)) AppendJsonNumber(out, a.id.value());
  if (field(F::kProjectId)) AppendJsonNumber(out, a.project_id.value());
  if (field(F::kImageId)) AppendJsonNumber(out, a.image_id.value());
  if (field(F::kWkt)) AppendJsonString(out, a.wkt);
  if (field(F::kGeoJson)) {
    // GEOS wrote it; checked all the same, since it is spliced in as it is.
    if (Json::accept(a.geojson))
      out += a.geojson;
    else
      out += "null";
  }
  if (field(F::kType)) AppendJsonString(out, a.geometry_type);
  if (field(F::kBbox)) numbers({a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]});
  if (field(F::kArea)) AppendJsonNumber(out, a.area);
  if (field(F::kPerimeter)) AppendJsonNumber(out, a.perimeter);
  if (field(F::kCentroid)) numbers({a.centroid[0], a.centroid[1]});
  if (field(F::kVertexCount)) AppendJsonNumber(out, a.vertex_count);
  if (field(F::kProperties)) AppendJsonObject(out, a.properties);
  if (field(F::kTerms)) {
    out += '[';
    for (std::size_t i = 0; i < a.terms.size(); ++i) {
      if (i) out += ',';
      AppendJsonNumber(out, a.terms[i].value());
    }
    out += ']';
  }
  if (field(F::kCreatedBy)) id_or_null(a.created_by.value());
  if (field(F::kAlgorithm)) text_or_null(a.algorithm);
  if (field(F::kAlgorithmVersion)) text_or_null(a.algorithm_version);
  if (field(F::kCreatedAt)) time(a.created_at);
  if (field(F::kUpdatedAt)) time(a.updated_at);
  if (field(F::kRunId)) id_or_null(a.run_id ? a.run_id->value() : 0);
  out += first ? "{}" : "}";
}

Json ToJson(const Annotation& a, const AnnotationFields& fields) {
  std::string text;
  AppendJson(text, a, fields);
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Json ToJson(const Annotation& a) {
  AnnotationFields fields = DefaultAnnotationFields();
  if (!a.geojson.empty()) fields.set(static_cast<std::size_t>(AnnotationField::kGeoJson));
  if (a.wkt.empty()) fields.reset(static_cast<std::size_t>(AnnotationField::kWkt));
  return ToJson(a, fields);
}

Json ToJson(const Term& t) {
  return Json{{"id", t.id.value()},
              {"ontology_id", t.ontology_id.value()},
              {"name", t.name},
              {"color", t.color},
              {"parent_id", t.parent_id ? Json(t.parent_id->value()) : Json(nullptr)}};
}

Json ToJson(const Ontology& o) {
  Json terms = Json::array();
  for (const auto& t : o.terms) terms.push_back(ToJson(t));
  return Json{{"id", o.id.value()},
              {"name", o.name},
              {"created_by", o.created_by.valid() ? Json(o.created_by.value()) : Json(nullptr)},
              {"created_at", core::FormatIso8601(o.created_at)},
              {"terms", std::move(terms)}};
}

Result<Term> TermFromJson(const Json& j) {
  try {
    Term t;
    t.id = TermId(j.at("id").get<std::int64_t>());
    t.ontology_id = OntologyId(j.at("ontology_id").get<std::int64_t>());
    t.name = j.at("name").get<std::string>();
    t.color = j.at("color").get<std::string>();
    if (j.contains("parent_id") && !j["parent_id"].is_null()) t.parent_id = TermId(j["parent_id"].get<std::int64_t>());
    return t;
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("the server sent a term of the wrong shape: ") + e.what());
  }
}

Result<Ontology> OntologyFromJson(const Json& j) {
  try {
    Ontology o;
    o.id = OntologyId(j.at("id").get<std::int64_t>());
    o.name = j.at("name").get<std::string>();
    if (!j.at("created_by").is_null()) o.created_by = UserId(j["created_by"].get<std::int64_t>());
    VITRINE_ASSIGN_OR_RETURN(o.created_at, core::ParseIso8601(j.at("created_at").get<std::string>()));
    for (const auto& t : j.at("terms")) {
      VITRINE_ASSIGN_OR_RETURN(Term term, TermFromJson(t));
      o.terms.push_back(std::move(term));
    }
    return o;
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("the server sent an ontology of the wrong shape: ") + e.what());
  }
}

Result<Annotation> AnnotationFromJson(const Json& j) {
  if (!j.is_object()) return Status::Internal("an annotation must be a JSON object");
  Annotation a;
  try {
    auto id = [&](const char* field) {
      return j.contains(field) && !j[field].is_null() ? j[field].get<std::int64_t>() : 0;
    };
    a.id = AnnotationId(id("id"));
    a.project_id = ProjectId(id("project_id"));
    a.image_id = ImageId(id("image_id"));
    a.created_by = UserId(id("created_by"));
    if (j.contains("wkt")) a.wkt = j["wkt"].get<std::string>();
    if (j.contains("geojson") && !j["geojson"].is_null()) a.geojson = j["geojson"].dump();
    if (j.contains("type")) a.geometry_type = j["type"].get<std::string>();
    if (j.contains("bbox")) a.bbox = j["bbox"].get<std::array<double, 4>>();
    if (j.contains("area")) a.area = j["area"].get<double>();
    if (j.contains("perimeter")) a.perimeter = j["perimeter"].get<double>();
    if (j.contains("centroid")) a.centroid = j["centroid"].get<std::array<double, 2>>();
    if (j.contains("vertex_count")) a.vertex_count = j["vertex_count"].get<std::int64_t>();
    if (j.contains("properties")) a.properties = j["properties"].get<Properties>();
    if (j.contains("terms")) {
      for (const auto& t : j["terms"]) a.terms.emplace_back(t.get<std::int64_t>());
    }
    if (j.contains("algorithm") && !j["algorithm"].is_null()) a.algorithm = j["algorithm"].get<std::string>();
    if (j.contains("algorithm_version") && !j["algorithm_version"].is_null()) {
      a.algorithm_version = j["algorithm_version"].get<std::string>();
    }
    if (j.contains("run_id") && !j["run_id"].is_null()) a.run_id = AnnotationRunId(j["run_id"].get<std::int64_t>());
    for (auto [field, target] : {std::pair{"created_at", &a.created_at}, std::pair{"updated_at", &a.updated_at}}) {
      if (!j.contains(field)) continue;
      VITRINE_ASSIGN_OR_RETURN(*target, core::ParseIso8601(j[field].get<std::string>()));
    }
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("the server sent an annotation of the wrong shape: ") + e.what());
  }
  return a;
}

Json ToJson(const NewAnnotation& a) {
  Json j = {{"image_id", a.image_id.value()}};
  if (!a.wkt.empty()) j["wkt"] = a.wkt;
  if (!a.geojson.empty()) {
    Json geometry = Json::parse(a.geojson, nullptr, false);
    j["geojson"] = geometry.is_discarded() ? Json(a.geojson) : std::move(geometry);
  }
  if (a.repair) j["repair"] = true;
  if (!a.terms.empty()) {
    Json terms = Json::array();
    for (TermId t : a.terms) terms.push_back(t.value());
    j["terms"] = std::move(terms);
  }
  if (!a.properties.empty()) j["properties"] = a.properties;
  if (a.algorithm) j["algorithm"] = *a.algorithm;
  if (a.algorithm_version) j["algorithm_version"] = *a.algorithm_version;
  return j;
}

Result<NewAnnotation> NewAnnotationFromJson(const Json& item, bool repair_all, bool image_optional) {
  if (!item.is_object()) return Status::InvalidArgument("each annotation must be a JSON object");
  NewAnnotation a;
  VITRINE_ASSIGN_OR_RETURN(auto image, OptionalInt(item, "image_id"));
  if (image ? *image <= 0 : !image_optional) return Status::InvalidArgument("image_id is required (a positive id)");
  if (image) a.image_id = ImageId(*image);
  bool has_wkt = item.contains("wkt");
  bool has_geojson = item.contains("geojson");
  if (has_wkt == has_geojson) return Status::InvalidArgument("give the geometry as exactly one of wkt or geojson");
  if (has_wkt) {
    VITRINE_ASSIGN_OR_RETURN(a.wkt, RequiredString(item, "wkt"));
    if (a.wkt.empty()) return Status::InvalidArgument("malformed WKT: it is empty");
  } else {
    const Json& geojson = item["geojson"];
    if (geojson.is_string())
      a.geojson = geojson.get<std::string>();
    else if (geojson.is_object() && !NestedDeeperThan(geojson, kMaxGeoJsonNesting))
      a.geojson = geojson.dump();
    else if (geojson.is_object())
      return Status::InvalidArgument("malformed GeoJSON: nested too deeply");
    else
      return Status::InvalidArgument("geojson must be a GeoJSON geometry object");
    if (a.geojson.empty()) return Status::InvalidArgument("malformed GeoJSON: it is empty");
  }
  VITRINE_ASSIGN_OR_RETURN(auto repair, OptionalBool(item, "repair"));
  a.repair = repair.value_or(repair_all);
  if (item.contains("properties")) {
    VITRINE_ASSIGN_OR_RETURN(a.properties, PropertiesFromJson(item["properties"]));
  }
  VITRINE_ASSIGN_OR_RETURN(a.algorithm, OptionalString(item, "algorithm"));
  VITRINE_ASSIGN_OR_RETURN(a.algorithm_version, OptionalString(item, "algorithm_version"));
  if (item.contains("terms")) {
    const Json& terms = item["terms"];
    if (!terms.is_array()) return Status::InvalidArgument("terms must be an array of term ids");
    for (const auto& t : terms) {
      if (!t.is_number_integer() || t.get<std::int64_t>() <= 0) {
        return Status::InvalidArgument("terms must be an array of term ids");
      }
      a.terms.emplace_back(t.get<std::int64_t>());
    }
  }
  return a;
}

}  // namespace vitrine::wire
