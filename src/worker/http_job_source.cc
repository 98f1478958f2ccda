// JobSource and JobWorkspace over HTTP: a worker anywhere that reaches the server. The worker's
// own credentials claim and report; the job's scoped token reaches the project.
#include <fstream>
#include <mutex>

#include "client/http_transport.h"
#include "core/percent_encoding.h"
#include "core/time_format.h"
#include "vitrine/client.h"
#include "wire/json.h"
#include "worker/job_source.h"

namespace vitrine::worker {
namespace {

using wire::Json;

Result<Json> JsonReply(Result<client::HttpReply> reply) {
  if (!reply.ok()) return reply.status();
  VITRINE_RETURN_IF_ERROR(client::StatusOf(*reply));
  Json body = Json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return Status::Unavailable("the server's answer is not JSON");
  return body;
}

Status DownloadTo(client::HttpTransport& http, const std::string& path, const std::filesystem::path& destination) {
  std::ofstream out(destination, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Internal("cannot write " + destination.string());
  auto reply = http.Download(path, [&](std::string_view chunk) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    return out ? Status::Ok() : Status::Internal("cannot write " + destination.string());
  });
  if (!reply.ok()) return reply.status();
  VITRINE_RETURN_IF_ERROR(client::StatusOf(*reply));
  out.close();
  return out ? Status::Ok() : Status::Internal("cannot write " + destination.string());
}

std::optional<Timestamp> TimeOf(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  auto t = core::ParseIso8601(j[key].get<std::string>());
  return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
}

// What a worker needs of a job: who, where, what, with which attempt.
Result<Job> JobFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("attempt")) return Status::Unavailable("malformed job");
  Job job;
  job.id = JobId(j["id"].get<std::int64_t>());
  job.project_id = ProjectId(j.value("project_id", std::int64_t{0}));
  job.analytic_id = AnalyticId(j.value("analytic_id", std::int64_t{0}));
  job.analytic = j.value("analytic", "");
  job.analytic_version = j.value("version", "");
  job.name = j.value("name", "");
  job.created_by = UserId(j.value("created_by", std::int64_t{0}));
  job.state = JobStateFromName(j.value("state", "")).value_or(JobState::kScheduled);
  job.inputs = j.contains("inputs") ? j["inputs"].dump() : "{}";
  job.parameters = j.contains("parameters") ? j["parameters"].dump() : "{}";
  job.attempt = j["attempt"].get<int>();
  job.max_attempts = j.value("max_attempts", 3);
  job.progress = j.value("progress", 0);
  job.worker = j.value("worker", "");
  job.queued_at = TimeOf(j, "queued_at");
  return job;
}

// Connects at its first use: most built-in jobs never reach the project.
class HttpWorkspace final : public JobWorkspace {
 public:
  explicit HttpWorkspace(Credentials job) : job_(std::move(job)) {}

  Status DownloadImage(ImageId id, const std::filesystem::path& destination) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    return client_->DownloadImage(id, destination);
  }
  Status DownloadData(DataId id, const std::filesystem::path& destination) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    return DownloadTo(*http_, "/api/v1/data/" + std::to_string(id.value()) + "/download", destination);
  }
  Result<std::string> EnsurePyramid(ImageId id) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    VITRINE_ASSIGN_OR_RETURN(
        Json body, JsonReply(http_->Request("POST", "/api/v1/images/" + std::to_string(id.value()) + "/pyramid", "{}",
                                            /*retry=*/true)));
    return body.value("status", std::string());
  }
  Result<CreatedAnnotationRun> StoreAnnotationRun(const NewAnnotationRun& run) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    return client_->CreateAnnotationRun(run);
  }
  Status SetImageProperties(ImageId id, const std::map<std::string, std::string>& properties) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    ImageUpdate update;
    for (const auto& [k, v] : properties) update.properties[k] = v;
    return client_->UpdateImage(id, update).status();
  }
  Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    return client_->GetFeatureDescriptor(name);
  }
  Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                       const FeatureOptions& options) override {
    VITRINE_RETURN_IF_ERROR(Connect());
    return client_->ExtractFeatures(name, resources, options);
  }

 private:
  // An analytic may fetch while it stores (dark-objects): the first use connects once.
  Status Connect() {
    std::lock_guard lock(connect_mu_);
    if (client_) return Status::Ok();
    VITRINE_ASSIGN_OR_RETURN(http_, client::HttpTransport::Create(job_));
    VITRINE_ASSIGN_OR_RETURN(client_, ConnectRemote(job_));
    return Status::Ok();
  }

  const Credentials job_;
  std::mutex connect_mu_;
  std::unique_ptr<client::HttpTransport> http_;
  std::unique_ptr<Client> client_;
};

Json ClaimJson(const service::ClaimRequest& request) {
  return Json{{"worker", request.worker},
              {"analytics", request.analytics},
              {"wait", request.wait.count() / 1000.0},
              {"start", request.start}};
}

Json ResultJson(const service::JobResult& result) {
  return Json{{"attempt", result.attempt},
              {"success", result.success},
              {"failure_type", JobFailureName(result.failure)},
              {"reason", result.reason}};
}

// A claim's answer: a lease when it holds a job, nullopt when not.
Result<std::optional<service::JobLease>> LeaseFromJson(const Json& body) {
  if (!body.contains("job") || body["job"].is_null()) return std::optional<service::JobLease>();
  service::JobLease lease;
  VITRINE_ASSIGN_OR_RETURN(lease.job, JobFromJson(body["job"]));
  const Json& a = body.value("analytic", Json::object());
  lease.analytic.id = AnalyticId(a.value("id", std::int64_t{0}));
  lease.analytic.name = a.value("name", "");
  lease.analytic.version = a.value("version", "");
  lease.analytic.builtin = a.value("builtin", false);
  lease.analytic.doc = body.contains("doc") ? body["doc"].dump() : "{}";
  lease.analytic.bundle_sha256 = body.value("bundle_sha256", "");
  lease.token = body.value("token", "");
  lease.lease = std::chrono::seconds(body.value("lease_seconds", 30));
  return std::optional<service::JobLease>(std::move(lease));
}

class HttpSource final : public JobSource {
 public:
  HttpSource(std::string url, std::unique_ptr<client::HttpTransport> http)
      : url_(std::move(url)), http_(std::move(http)) {}

  Result<std::optional<service::JobLease>> Claim(const service::ClaimRequest& request) override {
    // Not retried: a claim the server made but whose answer was lost is taken back by lease expiry.
    VITRINE_ASSIGN_OR_RETURN(client::HttpReply reply, http_->Request("POST", "/api/v1/worker/claim",
                                                                     ClaimJson(request).dump(), /*retry=*/false));
    if (reply.status == 204) return std::optional<service::JobLease>();
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    Json body = Json::parse(reply.body, nullptr, false);
    if (body.is_discarded()) return Status::Unavailable("malformed claim answer");
    return LeaseFromJson(body);
  }
  FinishedAndClaimed FinishAndClaim(JobId id, const service::JobResult& result,
                                    const service::ClaimRequest& next) override {
    Json request = ClaimJson(next);
    request["finish"] = ResultJson(result);
    request["finish"]["job_id"] = id.value();
    auto reply = http_->Request("POST", "/api/v1/worker/claim", request.dump(), /*retry=*/false);
    Status failed = reply.ok() ? client::StatusOf(*reply) : reply.status();
    Json body = failed.ok() ? Json::parse(reply->body, nullptr, false) : Json();
    if (failed.ok() && (body.is_discarded() || !body.is_object()))
      failed = Status::Unavailable("malformed claim answer");
    if (!failed.ok()) return {failed, failed};
    Result<Job> finished = body.contains("finished")
                               ? JobFromJson(body["finished"])
                               : Result<Job>(wire::StatusFromErrorBody(body.value("finish_error", Json()).dump(),
                                                                       "the server did not say how the finish went"));
    return {std::move(finished), LeaseFromJson(body)};
  }
  Result<Job> Heartbeat(JobId id, const service::JobHeartbeat& beat) override {
    Json request{{"attempt", beat.attempt}, {"running", beat.running}};
    if (beat.progress) request["progress"] = *beat.progress;
    if (beat.message) request["message"] = *beat.message;
    VITRINE_ASSIGN_OR_RETURN(Json body, JsonReply(http_->Request("POST", JobPath(id) + "/heartbeat", request.dump(),
                                                                 /*retry=*/true)));
    return JobFromJson(body);
  }
  Status AppendLog(JobId id, int attempt, std::string_view text) override {
    // Sent as the raw body; the route reads it whole as text.
    auto reply = http_->Request("POST", JobPath(id) + "/log?attempt=" + std::to_string(attempt), text, false);
    if (!reply.ok()) return reply.status();
    return client::StatusOf(*reply);
  }
  Status PutOutput(JobId id, int attempt, const std::string& name, const std::string& filename,
                   const std::string& media_type, const std::filesystem::path& file) override {
    // Retried: storing the same output again for the same attempt replaces it with itself.
    auto reply = http_->UploadFile(JobPath(id) + "/outputs/" + name + "?attempt=" + std::to_string(attempt) +
                                       "&filename=" + core::PercentEncode(filename),
                                   file, {}, media_type.empty() ? "application/octet-stream" : media_type);
    if (!reply.ok()) return reply.status();
    return client::StatusOf(*reply);
  }
  Result<Job> Finish(JobId id, const service::JobResult& result) override {
    VITRINE_ASSIGN_OR_RETURN(Json body, JsonReply(http_->Request("POST", JobPath(id) + "/finish",
                                                                 ResultJson(result).dump(), /*retry=*/true)));
    return JobFromJson(body);
  }
  Status FetchBundle(const Analytic& analytic, const std::filesystem::path& destination) override {
    return DownloadTo(*http_, "/api/v1/worker/analytics/" + std::to_string(analytic.id.value()) + "/bundle",
                      destination);
  }
  Result<std::unique_ptr<JobWorkspace>> Workspace(const service::JobLease& lease) override {
    if (lease.token.empty()) return Status::PermissionDenied("the job came without a token (its creator is gone)");
    return std::unique_ptr<JobWorkspace>(new HttpWorkspace(Credentials{url_, lease.token}));
  }
  std::string server_url() const override { return url_; }

 private:
  static std::string JobPath(JobId id) { return "/api/v1/worker/jobs/" + std::to_string(id.value()); }
  const std::string url_;
  std::unique_ptr<client::HttpTransport> http_;
};

}  // namespace

Result<std::unique_ptr<JobSource>> HttpJobSource(const Credentials& credentials) {
  client::TransportOptions options;
  options.timeout = std::chrono::seconds(120);
  VITRINE_ASSIGN_OR_RETURN(auto http, client::HttpTransport::Create(credentials, options));
  return std::unique_ptr<JobSource>(new HttpSource(credentials.url, std::move(http)));
}

}  // namespace vitrine::worker
