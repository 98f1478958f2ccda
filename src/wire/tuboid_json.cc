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
  Json labels = Json::array();
  for (const ItcLabel& l : t.labels) labels.push_back(ToJson(l));
  const TuboidSeries& s = t.series;
  Json out{{"id", t.id.value()},
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
             {"n_tuboids", s.n_tuboids},
             {"created_by", s.created_by.value()},
             {"created_at", core::FormatIso8601(s.created_at)}}},
           {"index_in_series", t.index_in_series},
           {"start", core::FormatIso8601(t.start)},
           {"end", core::FormatIso8601(t.end)},
           {"n_shots", t.n_shots},
           {"tiles_image_id", t.tiles_image_id.value()},
           {"context_image_id", t.context_image_id ? Json(t.context_image_id->value()) : Json(nullptr)},
           {"created_by", t.created_by.value()},
           {"created_at", core::FormatIso8601(t.created_at)},
           {"labels", std::move(labels)}};
  // A listing carries no shots (a stored tuboid has one at least): the tuboid's own answer does.
  if (!t.shots.empty()) {
    out["shots"] = std::move(shots);
    out["shots_text"] = t.shots;
  }
  return out;
}

Result<Tuboid> TuboidFromJson(const Json& j) {
  return Reading("a tuboid", [&]() -> Result<Tuboid> {
    Tuboid t;
    t.id = TuboidId(j.at("id").get<std::int64_t>());
    t.name = j.at("name").get<std::string>();
    const Json& s = j.at("series");
    t.series.id = TuboidSeriesId(s.at("id").get<std::int64_t>());
    t.series.project_id = ProjectId(j.at("project_id").get<std::int64_t>());
    t.series.device = s.at("device").get<std::string>();
    VITRINE_ASSIGN_OR_RETURN(t.series.start, TimeAt(s, "start"));
    VITRINE_ASSIGN_OR_RETURN(t.series.end, TimeAt(s, "end"));
    t.series.algorithm = s.at("algorithm").get<std::string>();
    t.series.algorithm_version = s.at("algorithm_version").get<std::string>();
    t.series.n_images = s.at("n_images").get<std::int64_t>();
    t.series.n_tuboids = s.at("n_tuboids").get<std::int64_t>();
    t.series.created_by = UserId(s.value("created_by", std::int64_t{0}));
    VITRINE_ASSIGN_OR_RETURN(t.series.created_at, TimeAt(s, "created_at"));
    t.index_in_series = j.at("index_in_series").get<std::int64_t>();
    VITRINE_ASSIGN_OR_RETURN(t.start, TimeAt(j, "start"));
    VITRINE_ASSIGN_OR_RETURN(t.end, TimeAt(j, "end"));
    t.n_shots = j.at("n_shots").get<std::int64_t>();
    t.shots = j.value("shots_text", std::string());
    t.tiles_image_id = ImageId(j.at("tiles_image_id").get<std::int64_t>());
    if (const Json& c = j.at("context_image_id"); !c.is_null()) t.context_image_id = ImageId(c.get<std::int64_t>());
    t.created_by = UserId(j.at("created_by").get<std::int64_t>());
    VITRINE_ASSIGN_OR_RETURN(t.created_at, TimeAt(j, "created_at"));
    for (const Json& l : j.at("labels")) {
      VITRINE_ASSIGN_OR_RETURN(ItcLabel label, ItcLabelFromJson(l));
      t.labels.push_back(std::move(label));
    }
    return t;
  });
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
  // As answered (a stored label): its identity too.
  if (auto id = json.find("id"); id != json.end() && id->is_number_integer())
    l.id = ItcLabelId(id->get<std::int64_t>());
  if (auto id = json.find("tuboid_id"); id != json.end() && id->is_number_integer()) {
    l.tuboid_id = TuboidId(id->get<std::int64_t>());
  }
  if (auto by = json.find("created_by"); by != json.end() && by->is_number_integer()) {
    l.created_by = UserId(by->get<std::int64_t>());
  }
  if (auto at = json.find("created_at"); at != json.end() && at->is_string()) {
    VITRINE_ASSIGN_OR_RETURN(l.created_at, core::ParseIso8601(at->get<std::string>()));
  }
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
