#include "wire/job_json.h"

#include "core/time_format.h"

namespace vitrine::wire {
namespace {

Json OptionalTime(const std::optional<Timestamp>& t) { return t ? Json(core::FormatIso8601(*t)) : Json(nullptr); }

}  // namespace

Json ToJson(const Analytic& a) {
  return Json{{"id", a.id.value()},
              {"name", a.name},
              {"version", a.version},
              {"description", a.description},
              {"builtin", a.builtin},
              {"supports_cpu", a.supports_cpu},
              {"supports_gpu", a.supports_gpu},
              {"created_at", core::FormatIso8601(a.created_at)}};
}

Json ToJson(const DataFile& d) {
  return Json{{"id", d.id.value()},
              {"project_id", d.project_id.value()},
              {"name", d.name},
              {"media_type", d.media_type},
              {"size", d.size_bytes},
              {"sha256", d.sha256},
              {"created_by", d.created_by.value()},
              {"created_at", core::FormatIso8601(d.created_at)},
              {"upload_date", core::FormatIso8601(d.created_at)},
              {"expires_at", OptionalTime(d.expires_at)},
              {"expiration_date", OptionalTime(d.expires_at)}};
}

Json ToJson(const JobOutput& o) {
  return Json{{"name", o.name},         {"type", o.type}, {"filename", o.filename},
              {"media_type", o.media_type}, {"size", o.size_bytes}, {"sha256", o.sha256}};
}

Json ToJson(const Job& j, bool with_messages) {
  Json outputs = Json::array();
  for (const auto& o : j.outputs) outputs.push_back(ToJson(o));
  Json body{{"id", j.id.value()},
            {"project_id", j.project_id.value()},
            {"analytic_id", j.analytic_id.value()},
            {"analytic", j.analytic},
            {"version", j.analytic_version},
            {"name", j.name},
            {"created_by", j.created_by.value()},
            {"state", JobStateName(j.state)},
            {"failure_type", JobFailureName(j.failure_type)},
            {"failure_reason", j.failure_reason},
            {"inputs", Json::parse(j.inputs, nullptr, false)},
            {"parameters", Json::parse(j.parameters, nullptr, false)},
            {"auto_start", j.auto_start},
            {"archived", j.archived},
            {"progress", j.progress},
            {"attempt", j.attempt},
            {"max_attempts", j.max_attempts},
            {"worker", j.worker},
            {"log_bytes", j.log_bytes},
            {"created_at", core::FormatIso8601(j.created_at)},
            {"upload_date", core::FormatIso8601(j.created_at)},
            {"queued_at", OptionalTime(j.queued_at)},
            {"started_at", OptionalTime(j.started_at)},
            {"completed_at", OptionalTime(j.completed_at)},
            {"failed_at", OptionalTime(j.failed_at)},
            {"expires_at", OptionalTime(j.expires_at)},
            {"outputs", std::move(outputs)}};
  if (with_messages) {
    Json messages = Json::array();
    for (const auto& m : j.messages) messages.push_back({{"time", core::FormatIso8601(m.time)}, {"message", m.message}});
    body["messages"] = std::move(messages);
  }
  return body;
}

}  // namespace vitrine::wire
