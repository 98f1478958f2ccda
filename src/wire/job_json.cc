#include "wire/job_json.h"

#include "core/time_format.h"

namespace vitrine::wire {
namespace {

Json OptionalTime(const std::optional<Timestamp>& t) { return t ? Json(core::FormatIso8601(*t)) : Json(nullptr); }

Result<std::optional<Timestamp>> OptionalTimeAt(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<Timestamp>();
  VITRINE_ASSIGN_OR_RETURN(Timestamp t, core::ParseIso8601(it->get<std::string>()));
  return std::optional(t);
}

// A JSON object member kept as text (a job's inputs and parameters).
std::string ObjectText(const Json& j, const char* field) {
  auto it = j.find(field);
  return it == j.end() || it->is_null() ? std::string("{}") : it->dump();
}

}  // namespace

Json ToJson(const Analytic& a) {
  return Json{{"id", a.id.value()},
              {"name", a.name},
              {"version", a.version},
              {"description", a.description},
              {"builtin", a.builtin},
              {"supports_cpu", a.supports_cpu},
              {"supports_gpu", a.supports_gpu},
              {"bundle_sha256", a.bundle_sha256},
              {"created_by", a.created_by.value()},
              {"created_at", core::FormatIso8601(a.created_at)}};
}

Json ToJson(const DataFile& d) {
  return Json{{"id", d.id.value()},
              {"project_id", d.project_id.value()},
              {"name", d.name},
              {"media_type", d.media_type},
              {"size", d.size_bytes},
              {"sha256", d.sha256},
              {"etag", d.etag},
              {"created_by", d.created_by.value()},
              {"created_at", core::FormatIso8601(d.created_at)},
              {"upload_date", core::FormatIso8601(d.created_at)},
              {"expires_at", OptionalTime(d.expires_at)},
              {"expiration_date", OptionalTime(d.expires_at)}};
}

Json ToJson(const JobOutput& o) {
  return Json{{"name", o.name},       {"type", o.type},    {"filename", o.filename}, {"media_type", o.media_type},
              {"size", o.size_bytes}, {"sha256", o.sha256}};
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
            {"kill_requested", j.kill_requested},
            {"progress", j.progress},
            {"attempt", j.attempt},
            {"max_attempts", j.max_attempts},
            {"worker", j.worker},
            {"lease_expires_at", OptionalTime(j.lease_expires_at)},
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
    for (const auto& m : j.messages)
      messages.push_back({{"time", core::FormatIso8601(m.time)}, {"message", m.message}});
    body["messages"] = std::move(messages);
  }
  return body;
}

Result<Analytic> AnalyticFromJson(const Json& j) {
  return Reading("an analytic", [&]() -> Result<Analytic> {
    Analytic a;
    a.id = AnalyticId(j.at("id").get<std::int64_t>());
    a.name = j.at("name").get<std::string>();
    a.version = j.at("version").get<std::string>();
    a.description = j.at("description").get<std::string>();
    a.builtin = j.at("builtin").get<bool>();
    a.supports_cpu = j.at("supports_cpu").get<bool>();
    a.supports_gpu = j.at("supports_gpu").get<bool>();
    a.bundle_sha256 = j.value("bundle_sha256", std::string());
    a.created_by = UserId(j.value("created_by", std::int64_t{0}));
    VITRINE_ASSIGN_OR_RETURN(a.created_at, TimeAt(j, "created_at"));
    return a;
  });
}

Result<DataFile> DataFileFromJson(const Json& j) {
  return Reading("a data file", [&]() -> Result<DataFile> {
    DataFile d;
    d.id = DataId(j.at("id").get<std::int64_t>());
    d.project_id = ProjectId(j.at("project_id").get<std::int64_t>());
    d.name = j.at("name").get<std::string>();
    d.media_type = j.at("media_type").get<std::string>();
    d.size_bytes = j.at("size").get<std::int64_t>();
    d.sha256 = j.at("sha256").get<std::string>();
    d.etag = j.value("etag", "");  // servers before 0.x did not send it
    d.created_by = UserId(j.at("created_by").get<std::int64_t>());
    VITRINE_ASSIGN_OR_RETURN(d.created_at, TimeAt(j, "created_at"));
    VITRINE_ASSIGN_OR_RETURN(d.expires_at, OptionalTimeAt(j, "expires_at"));
    return d;
  });
}

Result<JobOutput> JobOutputFromJson(const Json& j) {
  return Reading("a job output", [&]() -> Result<JobOutput> {
    JobOutput o;
    o.name = j.at("name").get<std::string>();
    o.type = j.at("type").get<std::string>();
    o.filename = j.at("filename").get<std::string>();
    o.media_type = j.at("media_type").get<std::string>();
    o.size_bytes = j.at("size").get<std::int64_t>();
    o.sha256 = j.at("sha256").get<std::string>();
    return o;
  });
}

Result<Job> JobFromJson(const Json& j) {
  return Reading("a job", [&]() -> Result<Job> {
    Job job;
    job.id = JobId(j.at("id").get<std::int64_t>());
    job.project_id = ProjectId(j.at("project_id").get<std::int64_t>());
    job.analytic_id = AnalyticId(j.at("analytic_id").get<std::int64_t>());
    job.analytic = j.at("analytic").get<std::string>();
    job.analytic_version = j.at("version").get<std::string>();
    job.name = j.at("name").get<std::string>();
    job.created_by = UserId(j.at("created_by").get<std::int64_t>());
    auto state = JobStateFromName(j.at("state").get<std::string>());
    if (!state) return Status::Internal("the server sent an unknown job state");
    job.state = *state;
    auto failure = JobFailureFromName(j.at("failure_type").get<std::string>());
    if (!failure) return Status::Internal("the server sent an unknown failure type");
    job.failure_type = *failure;
    job.failure_reason = j.at("failure_reason").get<std::string>();
    job.inputs = ObjectText(j, "inputs");
    job.parameters = ObjectText(j, "parameters");
    job.auto_start = j.at("auto_start").get<bool>();
    job.archived = j.at("archived").get<bool>();
    job.kill_requested = j.value("kill_requested", false);
    job.progress = j.at("progress").get<int>();
    job.attempt = j.at("attempt").get<int>();
    job.max_attempts = j.at("max_attempts").get<int>();
    job.worker = j.at("worker").get<std::string>();
    VITRINE_ASSIGN_OR_RETURN(job.lease_expires_at, OptionalTimeAt(j, "lease_expires_at"));
    job.log_bytes = j.at("log_bytes").get<std::int64_t>();
    VITRINE_ASSIGN_OR_RETURN(job.created_at, TimeAt(j, "created_at"));
    VITRINE_ASSIGN_OR_RETURN(job.queued_at, OptionalTimeAt(j, "queued_at"));
    VITRINE_ASSIGN_OR_RETURN(job.started_at, OptionalTimeAt(j, "started_at"));
    VITRINE_ASSIGN_OR_RETURN(job.completed_at, OptionalTimeAt(j, "completed_at"));
    VITRINE_ASSIGN_OR_RETURN(job.failed_at, OptionalTimeAt(j, "failed_at"));
    VITRINE_ASSIGN_OR_RETURN(job.expires_at, OptionalTimeAt(j, "expires_at"));
    if (auto it = j.find("messages"); it != j.end() && it->is_array()) {
      for (const auto& m : *it) {
        VITRINE_ASSIGN_OR_RETURN(Timestamp time, TimeAt(m, "time"));
        job.messages.push_back({time, m.at("message").get<std::string>()});
      }
    }
    for (const auto& o : j.at("outputs")) {
      VITRINE_ASSIGN_OR_RETURN(JobOutput output, JobOutputFromJson(o));
      job.outputs.push_back(std::move(output));
    }
    return job;
  });
}

}  // namespace vitrine::wire
