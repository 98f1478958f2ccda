// /api/v1/analytics, /api/v1/data, /api/v1/jobs and the workers' /api/v1/worker/...: analyses
// as jobs (docs/jobs.md). Uploads (data, bundles, job outputs) stream; long-polls and log reads
// run on a worker thread, never on a network thread.
#include <functional>
#include <map>

#include "core/parse_integer.h"
#include "http/byte_range.h"
#include "http/multipart.h"
#include "http/routes/route_helpers.h"
#include "wire/job_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

// A stored file arriving as the raw body: published when the last byte is in.
template <class T>
class PendingFileSink final : public BodySink {
 public:
  PendingFileSink(std::unique_ptr<service::PendingFile<T>> file, int status)
      : file_(std::move(file)), status_(status) {}
  Status Write(std::string_view chunk) override { return file_->Write(chunk); }
  HttpResponse Finish() override {
    auto done = file_->Finish();
    if (!done.ok()) return ErrorResponse(done.status());
    return JsonResponse(status_, wire::ToJson(*done));
  }

 private:
  std::unique_ptr<service::PendingFile<T>> file_;
  int status_;
};

// A stored file arriving as multipart/form-data: text fields first (64 KiB in all), then one
// `file` part, streamed. `begin` starts the stored file from the fields and the file part.
template <class T>
class MultipartFileSink final : public BodySink, private MultipartHandler {
 public:
  using Fields = std::map<std::string, std::string>;
  using Begin =
      std::function<Result<std::unique_ptr<service::PendingFile<T>>>(const Fields& fields, const MultipartPart& file)>;
  MultipartFileSink(std::string boundary, Begin begin, int status)
      : parser_(std::move(boundary), *this), begin_(std::move(begin)), status_(status) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }
  HttpResponse Finish() override {
    if (Status done = parser_.Finish(); !done.ok()) return ErrorResponse(done);
    if (!file_) return ErrorResponse(Status::InvalidArgument("the multipart body has no 'file' part"));
    auto stored = file_->Finish();
    if (!stored.ok()) return ErrorResponse(stored.status());
    return JsonResponse(status_, wire::ToJson(*stored));
  }

 private:
  static constexpr std::size_t kMaxFieldBytes = 64 * 1024;

  Status OnPartBegin(const MultipartPart& part) override {
    if (file_) return Status::InvalidArgument("the 'file' part must be the last part, and the only file");
    if (part.name == "file") {
      VITRINE_ASSIGN_OR_RETURN(file_, begin_(fields_, part));
      return Status::Ok();
    }
    field_ = part.name;
    fields_[field_].clear();
    return Status::Ok();
  }
  Status OnPartData(std::string_view bytes) override {
    if (file_) return file_->Write(bytes);
    field_bytes_ += bytes.size();
    if (field_bytes_ > kMaxFieldBytes) return Status::TooLarge("the fields before the 'file' part are over 64 KiB");
    fields_[field_].append(bytes);
    return Status::Ok();
  }
  Status OnPartEnd() override { return Status::Ok(); }

  MultipartParser parser_;
  Begin begin_;
  int status_;
  Fields fields_;
  std::string field_;
  std::size_t field_bytes_ = 0;
  std::unique_ptr<service::PendingFile<T>> file_;
};

std::int64_t DeclaredLength(const HttpRequest& head) {
  if (auto length = head.header("content-length"); !length.empty()) {
    if (auto n = core::ParseInteger<std::int64_t>(length)) return *n;
  }
  return -1;
}

// A file from the blob store, whole or the Range asked for.
Result<HttpResponse> SendFile(const HttpRequest& request,
                              const std::function<Result<service::JobService::OpenedFile>(blob::ByteRange)>& open,
                              std::int64_t size, const std::string& sha256) {
  const std::string etag = "\"" + sha256 + "\"";
  if (auto inm = request.header("if-none-match"); !inm.empty() && ETagMatches(inm, etag)) return NotModified(etag);
  auto range = ResolveRange(request.header("range"), size);
  if (!range.ok()) {
    HttpResponse r = ErrorResponse(range.status());
    r.status = 416;
    r.With("content-range", "bytes */" + std::to_string(size));
    return r;
  }
  blob::ByteRange wanted;
  if (*range) wanted = {(*range)->offset, (*range)->length};
  VITRINE_ASSIGN_OR_RETURN(service::JobService::OpenedFile file, open(wanted));
  HttpResponse r;
  r.status = *range ? 206 : 200;
  r.With("content-type", file.media_type).With("etag", etag).With("accept-ranges", "bytes");
  r.With("content-disposition", ContentDisposition(file.filename));
  if (*range) {
    r.With("content-range", "bytes " + std::to_string(file.offset) + "-" +
                                std::to_string(file.offset + file.length - 1) + "/" + std::to_string(size));
  }
  r.stream = std::move(file.body);
  r.stream_length = file.length;
  return r;
}

}  // namespace

Result<HttpResponse> ServeDataFile(service::JobService& jobs, const Caller& caller, const HttpRequest& request,
                                   DataId id) {
  VITRINE_ASSIGN_OR_RETURN(DataFile d, jobs.GetData(caller, id));
  return SendFile(
      request, [&](blob::ByteRange range) { return jobs.OpenData(caller, id, range); }, d.size_bytes, d.sha256);
}

namespace {

// ---- analytics ----

Result<HttpResponse> ListAnalytics(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(bool all_versions, BoolParam(query, "all_versions"));
  VITRINE_ASSIGN_OR_RETURN(auto analytics, service.jobs().ListAnalytics(caller, all_versions));
  wire::Json items = wire::Json::array();
  for (const auto& a : analytics) items.push_back(wire::ToJson(a));
  return JsonResponse(200, wire::Json{{"analytics", std::move(items)}});
}

Result<HttpResponse> GetAnalytic(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnalyticId id, PathId<AnalyticId>(params, "analytic_id"));
  VITRINE_ASSIGN_OR_RETURN(Analytic a, service.jobs().GetAnalytic(caller, id));
  return JsonResponse(200, wire::Json{{"analytic", wire::ToJson(a)}});
}

Result<HttpResponse> GetAnalyticDoc(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnalyticId id, PathId<AnalyticId>(params, "analytic_id"));
  VITRINE_ASSIGN_OR_RETURN(Analytic a, service.jobs().GetAnalytic(caller, id));
  HttpResponse r;
  r.With("content-type", "application/json");
  r.body = a.doc;
  return r;
}

Result<std::unique_ptr<BodySink>> RegisterAnalytic(service::Service& service, const HttpRequest& head,
                                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateRequest(service.auth(), head));
  if (std::string_view type = head.header("content-type"); type.starts_with("multipart/")) {
    VITRINE_ASSIGN_OR_RETURN(std::string boundary, MultipartParser::BoundaryOf(type));
    if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may register analytics");
    return std::unique_ptr<BodySink>(new MultipartFileSink<Analytic>(
        std::move(boundary),
        [&service, caller](const auto&, const MultipartPart&) { return service.jobs().BeginAnalyticBundle(caller); },
        201));
  }
  VITRINE_ASSIGN_OR_RETURN(auto pending, service.jobs().BeginAnalyticBundle(caller));
  return std::unique_ptr<BodySink>(new PendingFileSink<Analytic>(std::move(pending), 201));
}

Result<HttpResponse> DeleteAnalytic(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnalyticId id, PathId<AnalyticId>(params, "analytic_id"));
  return NoContentOr(service.jobs().DeleteAnalytic(caller, id));
}

// ---- data ----

// What a data file is, from the query and, for multipart, the fields before its file part.
Result<NewDataFile> DataFileOf(const QueryParams& query, const std::map<std::string, std::string>& fields) {
  auto value = [&](const char* name) -> std::optional<std::string> {
    if (auto it = fields.find(name); it != fields.end()) return it->second;
    if (auto v = query.Get(name)) return std::string(*v);
    return std::nullopt;
  };
  NewDataFile data;
  const std::optional<std::string> project = value("project");
  if (!project) return Status::InvalidArgument("project is required (?project=ID, or a 'project' field)");
  auto id = core::ParseInteger<std::int64_t>(*project);
  if (!id || *id <= 0) return Status::InvalidArgument("project must be a project id");
  data.project = ProjectId(*id);
  data.name = value("name").value_or("");
  data.expected_etag = value("etag");
  if (auto ttl = value("ttl")) {
    auto seconds = core::ParseInteger<std::int64_t>(*ttl);
    if (!seconds || *seconds < 1 || *seconds > std::int64_t{10} * 365 * 24 * 3600) {
      return Status::InvalidArgument("ttl must be a number of seconds, from 1 to ten years");
    }
    data.ttl = std::chrono::seconds(*seconds);
  }
  return data;
}

// The body is the file, raw (?project=&name=&ttl=&etag=) or as multipart/form-data (those as fields
// or query parameters, then a `file` part whose filename and type are used when no name is given).
Result<std::unique_ptr<BodySink>> UploadData(service::Service& service, const HttpRequest& head, const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateRequest(service.auth(), head));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(head.query));
  if (std::string_view type = head.header("content-type"); type.starts_with("multipart/")) {
    VITRINE_ASSIGN_OR_RETURN(std::string boundary, MultipartParser::BoundaryOf(type));
    return std::unique_ptr<BodySink>(new MultipartFileSink<DataFile>(
        std::move(boundary),
        [&service, caller, query](
            const auto& fields, const MultipartPart& file) -> Result<std::unique_ptr<service::PendingFile<DataFile>>> {
          VITRINE_ASSIGN_OR_RETURN(NewDataFile data, DataFileOf(query, fields));
          if (data.name.empty()) data.name = file.filename;
          data.media_type = file.content_type;
          return service.jobs().BeginData(caller, data, -1);
        },
        201));
  }
  VITRINE_ASSIGN_OR_RETURN(NewDataFile data, DataFileOf(query, {}));
  data.media_type = std::string(head.header("content-type"));
  VITRINE_ASSIGN_OR_RETURN(auto pending, service.jobs().BeginData(caller, data, DeclaredLength(head)));
  return std::unique_ptr<BodySink>(new PendingFileSink<DataFile>(std::move(pending), 201));
}

Result<HttpResponse> ListData(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  DataFilter filter;
  VITRINE_ASSIGN_OR_RETURN(filter.project, IdParam<ProjectId>(query, "project"));
  if (auto v = query.Get("name")) filter.name_like = std::string(*v);
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  VITRINE_ASSIGN_OR_RETURN(Page<DataFile> found, service.jobs().ListData(caller, filter, page));
  wire::Json items = wire::Json::array();
  for (const auto& d : found.items) items.push_back(wire::ToJson(d));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
}

Result<HttpResponse> GetData(service::Service& service, const Caller& caller, const HttpRequest&,
                             const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(DataId id, PathId<DataId>(params, "data_id"));
  return JsonOr(200, service.jobs().GetData(caller, id));
}

Result<HttpResponse> DownloadData(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(DataId id, PathId<DataId>(params, "data_id"));
  return ServeDataFile(service.jobs(), caller, request, id);
}

Result<HttpResponse> SetDataTtl(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(DataId id, PathId<DataId>(params, "data_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  std::optional<Timestamp> expires;
  if (auto it = body.find("ttl"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      return Status::InvalidArgument("ttl must be a positive number of seconds");
    }
    expires = service.clock().Now() + std::chrono::seconds(it->get<std::int64_t>());
  } else if (auto e = body.find("expires_at"); e != body.end() && !e->is_null()) {
    if (!e->is_string()) return Status::InvalidArgument("expires_at must be an ISO 8601 time");
    auto t = core::ParseIso8601(e->get<std::string>());
    if (!t.ok()) return Status::InvalidArgument("expires_at: " + t.status().message());
    expires = *t;
  }
  return JsonOr(200, service.jobs().SetDataExpiry(caller, id, expires));
}

Result<HttpResponse> DeleteData(service::Service& service, const Caller& caller, const HttpRequest&,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(DataId id, PathId<DataId>(params, "data_id"));
  return NoContentOr(service.jobs().DeleteData(caller, id));
}

// ---- jobs ----

Result<std::string> ObjectText(const wire::Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string("{}");
  if (!it->is_object()) return Status::InvalidArgument(std::string(key) + " must be a JSON object");
  return it->dump();
}

Result<HttpResponse> CreateJob(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  NewJob job;
  auto project = body.find("project");
  if (project == body.end() || !project->is_number_integer() || project->get<std::int64_t>() <= 0) {
    return Status::InvalidArgument("project must be a project id");
  }
  job.project = ProjectId(project->get<std::int64_t>());
  VITRINE_ASSIGN_OR_RETURN(auto analytic, wire::OptionalString(body, "analytic"));
  if (!analytic) return Status::InvalidArgument("analytic is required (its name)");
  job.analytic = *analytic;
  VITRINE_ASSIGN_OR_RETURN(auto version, wire::OptionalString(body, "version"));
  job.version = version.value_or("");
  VITRINE_ASSIGN_OR_RETURN(auto name, wire::OptionalString(body, "name"));
  job.name = name.value_or("");
  VITRINE_ASSIGN_OR_RETURN(job.inputs, ObjectText(body, "inputs"));
  VITRINE_ASSIGN_OR_RETURN(job.parameters, ObjectText(body, "parameters"));
  if (auto it = body.find("auto_start"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::InvalidArgument("auto_start must be true or false");
    job.auto_start = it->get<bool>();
  }
  if (auto it = body.find("output_ttl"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      return Status::InvalidArgument("output_ttl must be a positive number of seconds");
    }
    job.output_ttl = std::chrono::seconds(it->get<std::int64_t>());
  }
  VITRINE_ASSIGN_OR_RETURN(Job created, service.jobs().Create(caller, job));
  HttpResponse r = JsonResponse(201, wire::ToJson(created));
  r.With("location", "/api/v1/jobs/" + std::to_string(created.id.value()));
  return r;
}

Result<JobFilter> ParseJobFilter(const QueryParams& query) {
  JobFilter f;
  if (auto v = query.Get("state")) {
    f.state = JobStateFromName(*v);
    if (!f.state) return Status::InvalidArgument("state must be READY, QUEUED, SCHEDULED, RUNNING, COMPLETE or FAILED");
  }
  if (auto v = query.Get("analytic")) f.analytic = std::string(*v);
  VITRINE_ASSIGN_OR_RETURN(f.project, IdParam<ProjectId>(query, "project"));
  VITRINE_ASSIGN_OR_RETURN(auto creator, IdParam<UserId>(query, "creator"));
  f.created_by = creator;
  if (auto v = query.Get("archived")) {
    if (*v == "any") {
      f.archived.reset();
    } else {
      VITRINE_ASSIGN_OR_RETURN(bool archived, BoolParam(query, "archived"));
      f.archived = archived;
    }
  }
  VITRINE_ASSIGN_OR_RETURN(f.created_from, TimeParam(query, "created_from"));
  VITRINE_ASSIGN_OR_RETURN(f.created_to, TimeParam(query, "created_to"));
  if (auto v = query.Get("sort")) {
    if (*v == "created_at") {
      f.sort = JobSort::kCreatedAt;
    } else if (*v == "id") {
      f.sort = JobSort::kId;
    } else if (*v == "state") {
      f.sort = JobSort::kState;
    } else {
      return Status::InvalidArgument("sort must be created_at, id or state");
    }
  }
  if (auto v = query.Get("order")) {
    if (*v != "asc" && *v != "desc") return Status::InvalidArgument("order must be asc or desc");
    f.descending = *v == "desc";
  }
  return f;
}

Result<HttpResponse> ListJobs(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(JobFilter filter, ParseJobFilter(query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  VITRINE_ASSIGN_OR_RETURN(Page<Job> found, service.jobs().List(caller, filter, page));
  wire::Json items = wire::Json::array();
  for (const auto& j : found.items) items.push_back(wire::ToJson(j, /*with_messages=*/false));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
}

// `?wait=SECONDS` holds the answer until the job changes: on a worker thread, never a network one.
Result<HttpResponse> GetJob(service::Service& service, const Caller& caller, const HttpRequest& request,
                            const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  // A longer wait than the server allows is cut to its limit (as JobService::Wait does), so a
  // client need not know the limit.
  VITRINE_ASSIGN_OR_RETURN(auto wait, query.GetIntIn("wait", 0, std::int64_t{24} * 3600));
  if (wait && *wait > 0) {
    if (!request.on_worker) return WaitOnWorker();
    const auto seconds = std::min(std::chrono::seconds(*wait), service.jobs().options().max_wait);
    std::optional<JobState> seen;
    if (auto v = query.Get("state")) {
      seen = JobStateFromName(*v);
      if (!seen) return Status::InvalidArgument("state must be the job state last seen (READY, QUEUED, ...)");
    }
    return JsonOr(200, service.jobs().Wait(caller, id, seconds, seen));
  }
  return JsonOr(200, service.jobs().Get(caller, id));
}

// The Voxel51 platform's status document.
Result<HttpResponse> GetJobStatus(service::Service& service, const Caller& caller, const HttpRequest&,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(Job job, service.jobs().Get(caller, id));
  wire::Json full = wire::ToJson(job);
  return JsonResponse(200, wire::Json{{"analytic", job.analytic},
                                      {"version", job.analytic_version},
                                      {"state", JobStateName(job.state)},
                                      {"progress", job.progress},
                                      {"attempt", job.attempt},
                                      {"start_time", full["started_at"]},
                                      {"complete_time", full["completed_at"]},
                                      {"fail_time", full["failed_at"]},
                                      {"failure_type", JobFailureName(job.failure_type)},
                                      {"failure_reason", job.failure_reason},
                                      {"messages", full["messages"]}});
}

// A job's log as it is written, until the job ends: each read waits (on the waits lane) for the
// next lines. Ends early, and the client reads on with ?after=, when the job has been quiet for
// kQuietEnd, so that a stream whose client went away holds its thread for a bounded time.
class LogFollower final : public core::ByteSource {
 public:
  static constexpr std::chrono::minutes kQuietEnd{10};

  LogFollower(service::Service& service, Caller caller, JobId id, std::int64_t after,
              service::JobService::FollowerPlace place)
      : service_(service), caller_(std::move(caller)), id_(id), after_(after), place_(std::move(place)) {}

  Result<std::size_t> Read(std::span<char> buffer) override {
    const auto quiet_since = std::chrono::steady_clock::now();
    while (pending_.size() == offset_) {
      if (ended_ || std::chrono::steady_clock::now() - quiet_since >= kQuietEnd) return std::size_t{0};
      VITRINE_ASSIGN_OR_RETURN(auto read, service_.jobs().ReadLogWaiting(caller_, id_, after_, 1u << 20,
                                                                         service_.jobs().options().max_wait));
      pending_.clear();
      offset_ = 0;
      for (const auto& c : read.chunks) {
        pending_ += c.text;
        after_ = c.seq;
      }
      ended_ = read.ended;
    }
    const std::size_t n = std::min(buffer.size(), pending_.size() - offset_);
    std::copy_n(pending_.data() + offset_, n, buffer.data());
    offset_ += n;
    return n;
  }

 private:
  service::Service& service_;
  const Caller caller_;
  const JobId id_;
  std::int64_t after_;
  service::JobService::FollowerPlace place_;
  std::string pending_;
  std::size_t offset_ = 0;
  bool ended_ = false;
};

// GET /jobs/{id}/log: the lines after ?after= (x-log-next says where to read on). With ?wait=S,
// waits up to S seconds for a line or the job's end (x-log-ended: true once it has ended and
// nothing is left). With ?follow=true, streams the log until the job ends.
Result<HttpResponse> GetJobLog(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(auto after, query.GetIntIn("after", 0, std::numeric_limits<std::int64_t>::max()));
  VITRINE_ASSIGN_OR_RETURN(auto wait, query.GetIntIn("wait", 0, std::int64_t{24} * 3600));
  VITRINE_ASSIGN_OR_RETURN(bool follow, BoolParam(query, "follow"));
  if (follow) {
    VITRINE_RETURN_IF_ERROR(service.jobs().Get(caller, id).status());  // 404 now, not a broken stream
    VITRINE_ASSIGN_OR_RETURN(auto place, service.jobs().TakeFollowerPlace());
    HttpResponse r;
    r.With("content-type", "text/plain; charset=utf-8").With("cache-control", "no-store");
    r.stream = std::make_unique<LogFollower>(service, caller, id, after.value_or(0), std::move(place));
    r.stream_length = -1;
    r.waits = true;
    return r;
  }
  const bool waiting = wait && *wait > 0;
  if (waiting && !request.on_worker) return WaitOnWorker();
  service::JobService::LogRead read;
  if (waiting) {
    VITRINE_ASSIGN_OR_RETURN(
        read, service.jobs().ReadLogWaiting(caller, id, after.value_or(0), 8u << 20, std::chrono::seconds(*wait)));
  } else {
    VITRINE_ASSIGN_OR_RETURN(read.chunks, service.jobs().ReadLog(caller, id, after.value_or(0), 8u << 20));
  }
  HttpResponse r;
  r.With("content-type", "text/plain; charset=utf-8");
  std::int64_t last = after.value_or(0);
  for (const auto& c : read.chunks) {
    r.body += c.text;
    last = c.seq;
  }
  // Read on from here with ?after=: the log may have grown meanwhile.
  r.With("x-log-next", std::to_string(last));
  if (read.ended) r.With("x-log-ended", "true");
  return r;
}

Result<HttpResponse> ListOutputs(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(Job job, service.jobs().Get(caller, id));
  wire::Json items = wire::Json::array();
  for (const auto& o : job.outputs) items.push_back(wire::ToJson(o));
  return JsonResponse(200, wire::Json{{"outputs", std::move(items)}});
}

Result<HttpResponse> DownloadOutput(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  const std::string name = params.at("name");
  VITRINE_ASSIGN_OR_RETURN(Job job, service.jobs().Get(caller, id));
  auto it = std::find_if(job.outputs.begin(), job.outputs.end(), [&](const JobOutput& o) { return o.name == name; });
  if (it == job.outputs.end())
    return Status::NotFound("job " + std::to_string(id.value()) + " has no output '" + name + "'");
  return SendFile(
      request, [&](blob::ByteRange range) { return service.jobs().OpenOutput(caller, id, name, range); },
      it->size_bytes, it->sha256);
}

template <Result<Job> (service::JobService::*Action)(const Caller&, JobId)>
Result<HttpResponse> JobAction(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  return JsonOr(200, (service.jobs().*Action)(caller, id));
}

Result<HttpResponse> ArchiveJob(service::Service& service, const Caller& caller, const HttpRequest&,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  return JsonOr(200, service.jobs().SetArchived(caller, id, true));
}

Result<HttpResponse> UnarchiveJob(service::Service& service, const Caller& caller, const HttpRequest&,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  return JsonOr(200, service.jobs().SetArchived(caller, id, false));
}

Result<HttpResponse> DeleteJob(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  return NoContentOr(service.jobs().Delete(caller, id));
}

// ---- workers ----

Result<int> AttemptOf(const wire::Json& body) {
  auto it = body.find("attempt");
  if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return Status::InvalidArgument("attempt must be the attempt number the claim gave");
  }
  return static_cast<int>(it->get<std::int64_t>());
}

// A worker's report of how a job ended (the finish route's body, or a claim's "finish").
Result<service::JobResult> JobResultOf(const wire::Json& body) {
  service::JobResult result;
  VITRINE_ASSIGN_OR_RETURN(result.attempt, AttemptOf(body));
  auto success = body.find("success");
  if (success == body.end() || !success->is_boolean()) return Status::InvalidArgument("success must be true or false");
  result.success = success->get<bool>();
  VITRINE_ASSIGN_OR_RETURN(auto failure, wire::OptionalString(body, "failure_type"));
  if (failure) {
    auto parsed = JobFailureFromName(*failure);
    if (!parsed) return Status::InvalidArgument("failure_type must be USER, ANALYTIC or PLATFORM");
    result.failure = *parsed;
  }
  VITRINE_ASSIGN_OR_RETURN(auto reason, wire::OptionalString(body, "reason"));
  result.reason = reason.value_or("");
  return result;
}

// POST /worker/claim: the next queued job. With "finish" ({"job_id", then the finish route's
// fields}) it first reports the worker's previous job, so that a busy worker makes one round
// trip per job; the answer then always has a body, with "finished" (the job) or "finish_error".
Result<HttpResponse> ClaimJob(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body.empty() ? "{}" : request.body));
  service::ClaimRequest claim;
  VITRINE_ASSIGN_OR_RETURN(auto worker, wire::OptionalString(body, "worker"));
  claim.worker = worker.value_or("");
  if (auto it = body.find("analytics"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("analytics must be an array of names");
    for (const auto& a : *it) {
      if (!a.is_string()) return Status::InvalidArgument("analytics must be an array of names");
      claim.analytics.push_back(a.get<std::string>());
    }
  }
  if (auto it = body.find("wait"); it != body.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0) return Status::InvalidArgument("wait must be a number of seconds");
    claim.wait = std::chrono::milliseconds(static_cast<std::int64_t>(
        std::min(it->get<double>(), static_cast<double>(service.jobs().options().max_wait.count())) * 1000));
  }
  if (auto it = body.find("start"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::InvalidArgument("start must be true or false");
    claim.start = it->get<bool>();
  }
  std::optional<std::pair<JobId, service::JobResult>> finish;
  if (auto it = body.find("finish"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument("finish must be an object with job_id and the job's result");
    auto id = it->find("job_id");
    if (id == it->end() || !id->is_number_integer() || id->get<std::int64_t>() <= 0) {
      return Status::InvalidArgument("finish.job_id must be the id of the job being reported");
    }
    VITRINE_ASSIGN_OR_RETURN(service::JobResult result, JobResultOf(*it));
    finish.emplace(JobId(id->get<std::int64_t>()), std::move(result));
  }
  if (!request.on_worker) return claim.wait.count() > 0 ? WaitOnWorker() : RunOnWorker();
  wire::Json answer = wire::Json::object();
  std::optional<service::JobLease> lease;
  if (finish) {
    auto both = service.jobs().FinishAndClaim(caller, finish->first, finish->second, claim);
    if (both.finished.ok()) {
      answer["finished"] = wire::ToJson(*both.finished);
    } else {
      answer["finish_error"] = wire::ErrorBody(both.finished.status());
    }
    VITRINE_ASSIGN_OR_RETURN(lease, std::move(both.next));
  } else {
    VITRINE_ASSIGN_OR_RETURN(lease, service.jobs().ClaimWaiting(caller, claim));
  }
  if (lease) {
    answer["job"] = wire::ToJson(lease->job);
    answer["analytic"] = wire::ToJson(lease->analytic);
    answer["doc"] = wire::Json::parse(lease->analytic.doc, nullptr, false);
    answer["bundle_sha256"] = lease->analytic.bundle_sha256;
    answer["token"] = lease->token;
    answer["lease_seconds"] = lease->lease.count();
  }
  if (answer.empty()) return NoContent();
  return JsonResponse(200, answer);
}

Result<HttpResponse> Heartbeat(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  service::JobHeartbeat beat;
  VITRINE_ASSIGN_OR_RETURN(beat.attempt, AttemptOf(body));
  if (auto it = body.find("running"); it != body.end() && it->is_boolean()) beat.running = it->get<bool>();
  if (auto it = body.find("progress"); it != body.end() && !it->is_null()) {
    if (!it->is_number()) return Status::InvalidArgument("progress must be a number from 0 to 100");
    beat.progress = static_cast<int>(it->get<double>());
  }
  VITRINE_ASSIGN_OR_RETURN(beat.message, wire::OptionalString(body, "message"));
  return JsonOr(200, service.jobs().Heartbeat(caller, id, beat));
}

Result<HttpResponse> AppendLog(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(auto attempt, query.GetIntIn("attempt", 1, 1000000));
  if (!attempt) return Status::InvalidArgument("attempt is required (?attempt=N)");
  return NoContentOr(service.jobs().AppendLog(caller, id, static_cast<int>(*attempt), request.body));
}

Result<std::unique_ptr<BodySink>> PutOutput(service::Service& service, const HttpRequest& head,
                                            const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateRequest(service.auth(), head));
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(head.query));
  VITRINE_ASSIGN_OR_RETURN(auto attempt, query.GetIntIn("attempt", 1, 1000000));
  if (!attempt) return Status::InvalidArgument("attempt is required (?attempt=N)");
  VITRINE_ASSIGN_OR_RETURN(auto pending,
                           service.jobs().BeginOutput(caller, id, static_cast<int>(*attempt), params.at("name"),
                                                      std::string(query.Get("filename").value_or("")),
                                                      std::string(head.header("content-type"))));
  return std::unique_ptr<BodySink>(new PendingFileSink<JobOutput>(std::move(pending), 201));
}

Result<HttpResponse> GetBundle(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnalyticId id, PathId<AnalyticId>(params, "analytic_id"));
  VITRINE_ASSIGN_OR_RETURN(auto bundle, service.jobs().OpenBundle(caller, id));
  HttpResponse r;
  r.With("content-type", bundle.media_type).With("etag", "\"" + bundle.sha256 + "\"");
  r.stream = std::move(bundle.body);
  r.stream_length = bundle.length;
  return r;
}

// Builds an image's pyramid now (what vitrine/pyramids asks for each image), on a worker.
Result<HttpResponse> BuildPyramid(service::Service& service, const Caller& caller, const HttpRequest&,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(auto state, service.images().EnsurePyramid(caller, id));
  wire::Json body{{"status", state.status}};
  if (state.progress) body["progress"] = *state.progress;
  return JsonResponse(200, body);
}

Result<HttpResponse> FinishJob(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(JobId id, PathId<JobId>(params, "job_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(service::JobResult result, JobResultOf(body));
  return JsonOr(200, service.jobs().Finish(caller, id, result));
}

}  // namespace

void AddJobRoutes(Router& router, service::Service& service) {
  router.Add("GET", "/api/v1/analytics", Authed(service, ListAnalytics));
  router.AddStreaming("POST", "/api/v1/analytics", std::bind_front(RegisterAnalytic, std::ref(service)));
  router.Add("GET", "/api/v1/analytics/{analytic_id}", Authed(service, GetAnalytic));
  router.Add("GET", "/api/v1/analytics/{analytic_id}/doc", Authed(service, GetAnalyticDoc));
  router.Add("DELETE", "/api/v1/analytics/{analytic_id}", AuthedWork(service, DeleteAnalytic));

  router.AddStreaming("POST", "/api/v1/data", std::bind_front(UploadData, std::ref(service)));
  router.Add("GET", "/api/v1/data", Authed(service, ListData));
  router.Add("GET", "/api/v1/data/{data_id}", Authed(service, GetData));
  router.Add("GET", "/api/v1/data/{data_id}/download", Authed(service, DownloadData));
  router.Add("PUT", "/api/v1/data/{data_id}/ttl", AuthedWork(service, SetDataTtl));
  router.Add("DELETE", "/api/v1/data/{data_id}", AuthedWork(service, DeleteData));

  router.Add("POST", "/api/v1/jobs", AuthedWork(service, CreateJob));
  router.Add("GET", "/api/v1/jobs", Authed(service, ListJobs));
  router.Add("GET", "/api/v1/jobs/{job_id}", Authed(service, GetJob));
  router.Add("GET", "/api/v1/jobs/{job_id}/status", Authed(service, GetJobStatus));
  router.Add("GET", "/api/v1/jobs/{job_id}/log", Authed(service, GetJobLog));
  router.Add("GET", "/api/v1/jobs/{job_id}/outputs", Authed(service, ListOutputs));
  router.Add("GET", "/api/v1/jobs/{job_id}/outputs/{name}", Authed(service, DownloadOutput));
  router.Add("POST", "/api/v1/jobs/{job_id}/start", AuthedWork(service, JobAction<&service::JobService::Start>));
  router.Add("POST", "/api/v1/jobs/{job_id}/kill", AuthedWork(service, JobAction<&service::JobService::Kill>));
  router.Add("POST", "/api/v1/jobs/{job_id}/archive", AuthedWork(service, ArchiveJob));
  router.Add("POST", "/api/v1/jobs/{job_id}/unarchive", AuthedWork(service, UnarchiveJob));
  router.Add("DELETE", "/api/v1/jobs/{job_id}", AuthedWork(service, DeleteJob));

  router.Add("POST", "/api/v1/worker/claim", Authed(service, ClaimJob));
  router.Add("GET", "/api/v1/worker/analytics/{analytic_id}/bundle", Authed(service, GetBundle));
  router.Add("POST", "/api/v1/images/{image_id}/pyramid", AuthedWork(service, BuildPyramid));
  router.Add("POST", "/api/v1/worker/jobs/{job_id}/heartbeat", AuthedWork(service, Heartbeat));
  router.Add("POST", "/api/v1/worker/jobs/{job_id}/log", AuthedWork(service, AppendLog));
  router.AddStreaming("POST", "/api/v1/worker/jobs/{job_id}/outputs/{name}",
                      std::bind_front(PutOutput, std::ref(service)));
  router.Add("POST", "/api/v1/worker/jobs/{job_id}/finish", AuthedWork(service, FinishJob));
}

}  // namespace vitrine::http::routes
