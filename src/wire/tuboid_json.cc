#include "wire/tuboid_json.h"

#include "core/time_format.h"
#include "core/tuboid_shots.h"

namespace vitrine::wire {
namespace {

Json OptionalText(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

Json ToJson(const Tuboid& t) {
  Json shots = Json::array();
  if (auto parsed = core::ParseTuboidShots(t.shots); parsed.ok()) {
    for (const core::TuboidShot& shot : *parsed) {
      shots.push_back(Json{{"device", shot.device},
                           {"captured_at", core::FormatIso8601(shot.captured_at)},
                           {"x", shot.x},
                           {"y", shot.y},
                           {"scale", shot.scale}});
    }
  }
  const TuboidSeries& s = t.series;
  return Json{{"id", t.id.value()},
              {"name", t.name},
              {"project_id", s.project_id.value()},
              {"series",
               {{"id", s.id.value()},
                {"device", s.device},
                {"start", core::FormatIso8601(s.start)},
                {"end", core::FormatIso8601(s.end)},
                {"algorithm", s.algorithm},
                {"algorithm_version", s.algorithm_version},
                {"n_images", s.n_images},
                {"n_tuboids", s.n_tuboids}}},
              {"index_in_series", t.index_in_series},
              {"start", core::FormatIso8601(t.start)},
              {"end", core::FormatIso8601(t.end)},
              {"n_shots", t.n_shots},
              {"shots", std::move(shots)},
              {"tiles_image_id", t.tiles_image_id.value()},
              {"context_image_id", t.context_image_id ? Json(t.context_image_id->value()) : Json(nullptr)},
              {"created_by", t.created_by.value()},
              {"created_at", core::FormatIso8601(t.created_at)}};
}

Json ToJson(const ItcLabel& l) {
  return Json{{"id", l.id.value()},
              {"tuboid_id", l.tuboid_id.value()},
              {"algorithm", l.algorithm},
              {"algorithm_version", l.algorithm_version},
              {"label", l.label},
              {"pattern", l.pattern},
              {"type", l.type},
              {"order", OptionalText(l.order)},
              {"family", OptionalText(l.family)},
              {"genus", OptionalText(l.genus)},
              {"species", OptionalText(l.species)},
              {"created_by", l.created_by.value()},
              {"created_at", core::FormatIso8601(l.created_at)}};
}

Result<ItcLabel> ItcLabelFromJson(const Json& json) {
  ItcLabel l;
  auto text = [&](const char* field, std::string& out) -> Status {
    auto it = json.find(field);
    if (it == json.end() || !it->is_string()) {
      return Status::InvalidArgument(std::string("a label needs '") + field + "', a string");
    }
    out = it->get<std::string>();
    return Status::Ok();
  };
  VITRINE_RETURN_IF_ERROR(text("algorithm", l.algorithm));
  VITRINE_RETURN_IF_ERROR(text("algorithm_version", l.algorithm_version));
  VITRINE_RETURN_IF_ERROR(text("pattern", l.pattern));
  VITRINE_RETURN_IF_ERROR(text("type", l.type));
  auto label = json.find("label");
  if (label == json.end() || !label->is_number_integer()) {
    return Status::InvalidArgument("a label needs 'label', an integer");
  }
  l.label = label->get<std::int64_t>();
  for (auto [field, out] : {std::pair{"order", &l.order}, std::pair{"family", &l.family}, std::pair{"genus", &l.genus},
                            std::pair{"species", &l.species}}) {
    auto it = json.find(field);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_string()) return Status::InvalidArgument(std::string("'") + field + "' must be a string or null");
    *out = it->get<std::string>();
  }
  return l;
}

}  // namespace vitrine::wire
