#include "wire/annotation_run_json.h"

#include "core/time_format.h"
#include "wire/annotation_json.h"

namespace vitrine::wire {

Json ToJson(const AnnotationRun& r) {
  return Json{{"id", r.id.value()},
              {"project_id", r.project_id.value()},
              {"image_id", r.image_id.value()},
              {"algorithm", r.algorithm},
              {"algorithm_version", r.algorithm_version},
              {"annotation_count", r.annotation_count},
              {"metadata", r.metadata},
              {"device", r.device ? Json(*r.device) : Json(nullptr)},
              {"captured_at", r.captured_at ? Json(core::FormatIso8601(*r.captured_at)) : Json(nullptr)},
              {"created_by", r.created_by.valid() ? Json(r.created_by.value()) : Json(nullptr)},
              {"created_at", core::FormatIso8601(r.created_at)}};
}

Result<AnnotationRun> AnnotationRunFromJson(const Json& j) {
  if (!j.is_object()) return Status::Internal("an annotation run must be a JSON object");
  try {
    AnnotationRun r;
    r.id = AnnotationRunId(j.at("id").get<std::int64_t>());
    r.project_id = ProjectId(j.at("project_id").get<std::int64_t>());
    r.image_id = ImageId(j.at("image_id").get<std::int64_t>());
    r.algorithm = j.at("algorithm").get<std::string>();
    r.algorithm_version = j.at("algorithm_version").get<std::string>();
    r.annotation_count = j.at("annotation_count").get<std::int64_t>();
    r.metadata = j.at("metadata").get<Properties>();
    if (!j.at("device").is_null()) r.device = j["device"].get<std::string>();
    if (!j.at("captured_at").is_null()) {
      VITRINE_ASSIGN_OR_RETURN(r.captured_at, core::ParseIso8601(j["captured_at"].get<std::string>()));
    }
    if (!j.at("created_by").is_null()) r.created_by = UserId(j["created_by"].get<std::int64_t>());
    VITRINE_ASSIGN_OR_RETURN(r.created_at, core::ParseIso8601(j.at("created_at").get<std::string>()));
    return r;
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("the server sent an annotation run of the wrong shape: ") + e.what());
  }
}

Json ToJson(const CreatedAnnotationRun& created) {
  Json j = ToJson(created.run);
  Json ids = Json::array();
  for (AnnotationId id : created.annotation_ids) ids.push_back(id.value());
  j["annotation_ids"] = std::move(ids);
  return j;
}

Result<CreatedAnnotationRun> CreatedAnnotationRunFromJson(const Json& j) {
  CreatedAnnotationRun created;
  VITRINE_ASSIGN_OR_RETURN(created.run, AnnotationRunFromJson(j));
  if (!j.contains("annotation_ids") || !j["annotation_ids"].is_array()) {
    return Status::Internal("the server sent no annotation_ids");
  }
  for (const auto& id : j["annotation_ids"]) {
    if (!id.is_number_integer()) return Status::Internal("the server sent an annotation id that is not a number");
    created.annotation_ids.emplace_back(id.get<std::int64_t>());
  }
  return created;
}

Json ToJson(const NewAnnotationRun& r) {
  Json annotations = Json::array();
  for (const auto& a : r.annotations) {
    Json item = ToJson(a);
    item.erase("image_id");  // the run's
    annotations.push_back(std::move(item));
  }
  Json j = {{"image_id", r.image_id.value()},
            {"algorithm", r.algorithm},
            {"algorithm_version", r.algorithm_version},
            {"metadata", r.metadata},
            {"annotations", std::move(annotations)}};
  if (r.image_md5) j["image_md5"] = *r.image_md5;
  if (r.replace) j["replace"] = true;
  return j;
}

Result<NewAnnotationRun> NewAnnotationRunFromJson(const Json& j, bool repair_all) {
  if (!j.is_object()) return Status::InvalidArgument("an annotation run must be a JSON object");
  NewAnnotationRun r;
  VITRINE_ASSIGN_OR_RETURN(auto image, OptionalInt(j, "image_id"));
  if (!image || *image <= 0) return Status::InvalidArgument("image_id is required (a positive id)");
  r.image_id = ImageId(*image);
  VITRINE_ASSIGN_OR_RETURN(r.algorithm, RequiredString(j, "algorithm"));
  VITRINE_ASSIGN_OR_RETURN(r.algorithm_version, RequiredString(j, "algorithm_version"));
  VITRINE_ASSIGN_OR_RETURN(r.image_md5, OptionalString(j, "image_md5"));
  VITRINE_ASSIGN_OR_RETURN(auto replace, OptionalBool(j, "replace"));
  r.replace = replace.value_or(false);
  if (j.contains("metadata")) {
    VITRINE_ASSIGN_OR_RETURN(r.metadata, PropertiesFromJson(j["metadata"]));
  }
  if (!j.contains("annotations") || !j["annotations"].is_array()) {
    return Status::InvalidArgument("annotations is required: an array (empty when the algorithm found nothing)");
  }
  const Json& items = j["annotations"];
  r.annotations.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto a = NewAnnotationFromJson(items[i], repair_all, /*image_optional=*/true);
    if (!a.ok()) return Status(a.status().code(), "annotation " + std::to_string(i) + ": " + a.status().message());
    r.annotations.push_back(std::move(*a));
  }
  return r;
}

}  // namespace vitrine::wire
