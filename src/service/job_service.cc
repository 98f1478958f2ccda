#include "service/job_service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "catalog/commit_batch.h"
#include "core/digest.h"
#include "core/time_format.h"
#include "jobs/bundle.h"
#include "service/analytic_doc.h"
#include "service/authenticator.h"
#include "service/builtin_analytics.h"
#include "service/pagination.h"

namespace vitrine::service {
namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::microseconds;

std::string JobName(JobId id) { return "job " + std::to_string(id.value()); }

// A data file's name: a file name, or several joined by '/' (folders, as ML bundles name their
// files: ml/<bundle>/config/model.yaml). Never an absolute path, nor one that climbs.
Status ValidateDataName(std::string_view name) {
  if (name.size() > 1024) return Status::InvalidArgument("a data file's name is longer than 1024 bytes");
  for (std::size_t start = 0;;) {
    const std::size_t slash = name.find('/', start);
    const std::string_view segment = name.substr(start, slash == std::string_view::npos ? name.npos : slash - start);
    if (segment.empty()) {
      return Status::InvalidArgument("a data file's name is file names joined by '/', with none empty ('" +
                                     std::string(name) + "')");
    }
    VITRINE_RETURN_IF_ERROR(ValidateFilename(segment));
    if (slash == std::string_view::npos) return Status::Ok();
    start = slash + 1;
  }
}

// Passes a data file's bytes to the blob store while working out its ETag, which the blob store
// does not keep.
class EtagWriter final : public blob::BlobWriter {
 public:
  EtagWriter(std::unique_ptr<blob::BlobWriter> inner, std::shared_ptr<std::string> etag)
      : inner_(std::move(inner)), etag_(std::move(etag)) {}
  Status Write(std::string_view bytes) override {
    etag_digest_.Update(bytes);
    return inner_->Write(bytes);
  }
  Result<blob::BlobRef> Commit() override {
    *etag_ = etag_digest_.FinishHex();
    return inner_->Commit();
  }
  const std::filesystem::path& local_path() const override { return inner_->local_path(); }

 private:
  std::unique_ptr<blob::BlobWriter> inner_;
  std::shared_ptr<std::string> etag_;
  core::MultipartEtag etag_digest_;
};

Status NotInState(const Job& job, std::string_view action) {
  return Status::Conflict("cannot " + std::string(action) + " " + JobName(job.id) + ": it is " +
                          std::string(JobStateName(job.state)));
}

// The writes of a worker are refused once its attempt is no longer the job's, or the job ended.
Status RequireLease(const Job& job, int attempt) {
  if (job.attempt != attempt || (job.state != JobState::kScheduled && job.state != JobState::kRunning)) {
    return Status::Conflict(JobName(job.id) + " is " + std::string(JobStateName(job.state)) + " on attempt " +
                            std::to_string(job.attempt) + "; attempt " + std::to_string(attempt) +
                            " no longer holds it");
  }
  return Status::Ok();
}

void Say(Job& job, Timestamp now, std::string message) { job.messages.push_back({now, std::move(message)}); }

void Fail(Job& job, Timestamp now, JobFailure failure, std::string reason) {
  job.state = JobState::kFailed;
  job.failure_type = failure;
  job.failed_at = now;
  job.failure_reason = reason;
  job.worker.clear();
  job.lease_expires_at.reset();
  Say(job, now, "Failed (" + std::string(JobFailureName(failure)) + "): " + reason);
}

std::string Who(const Caller& caller) { return caller.user() ? caller.user()->username : "the data folder's owner"; }

Result<json> ParseObject(const std::string& text, const char* what) {
  json parsed = json::parse(text.empty() ? "{}" : text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Status::InvalidArgument(std::string(what) + " must be a JSON object");
  return parsed;
}

Result<std::int64_t> PositiveId(const json& v, const std::string& where) {
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0) {
    return Status::InvalidArgument(where + " must be a positive id");
  }
  return v.get<std::int64_t>();
}

}  // namespace

Status JobService::RegisterBuiltins() {
  for (const std::string& text : BuiltinAnalyticDocs()) {
    VITRINE_ASSIGN_OR_RETURN(AnalyticDoc doc, ParseAnalyticDoc(text));
    auto found = catalog_.FindAnalytic(doc.name, doc.version);
    if (found.ok()) continue;
    if (found.status().code() != ErrorCode::kNotFound) return found.status();
    Analytic a;
    a.name = doc.name;
    a.version = doc.version;
    a.description = doc.description;
    a.builtin = true;
    a.supports_cpu = doc.supports_cpu;
    a.supports_gpu = doc.supports_gpu;
    a.doc = text;
    a.created_at = clock_.Now();
    auto stored = catalog_.InsertAnalytic(a);
    // Two servers opening one catalog at once: the other stored it first.
    if (!stored.ok() && stored.status().code() != ErrorCode::kConflict) return stored.status();
  }
  return Status::Ok();
}

Result<std::vector<Analytic>> JobService::ListAnalytics(const Caller&, bool all_versions) const {
  return catalog_.ListAnalytics(all_versions);
}

Result<Analytic> JobService::GetAnalytic(const Caller&, AnalyticId id) const { return catalog_.GetAnalytic(id); }

Result<std::shared_ptr<const JobService::KnownAnalytic>> JobService::Known(AnalyticId id) const {
  {
    std::lock_guard lock(known_mu_);
    if (auto it = known_.find(id.value()); it != known_.end()) return it->second;
  }
  VITRINE_ASSIGN_OR_RETURN(Analytic analytic, catalog_.GetAnalytic(id));
  VITRINE_ASSIGN_OR_RETURN(AnalyticDoc doc, ParseAnalyticDoc(analytic.doc));
  auto known = std::make_shared<const KnownAnalytic>(KnownAnalytic{std::move(analytic), std::move(doc)});
  std::lock_guard lock(known_mu_);
  return known_.emplace(id.value(), std::move(known)).first->second;
}

Result<Analytic> JobService::RegisterAnalytic(const Caller& caller, const std::filesystem::path& bundle) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may register analytics");
  VITRINE_ASSIGN_OR_RETURN(std::string text, jobs::ReadBundleAnalyticJson(bundle));
  VITRINE_ASSIGN_OR_RETURN(AnalyticDoc doc, ParseAnalyticDoc(text));
  if (IsBuiltinAnalyticName(doc.name)) {
    return Status::InvalidArgument("analytic names starting with 'vitrine/' are reserved for the built-in ones");
  }
  VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(bundle));
  VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, blobs_.Put(*source, std::int64_t{4} << 30));
  Analytic a;
  a.name = doc.name;
  a.version = doc.version;
  a.description = doc.description;
  a.supports_cpu = doc.supports_cpu;
  a.supports_gpu = doc.supports_gpu;
  a.doc = text;
  a.bundle_sha256 = ref.sha256;
  a.created_by = caller.user_id();
  a.created_at = clock_.Now();
  return catalog_.InsertAnalytic(a);
}

Result<std::unique_ptr<PendingFile<Analytic>>> JobService::BeginAnalyticBundle(const Caller& caller) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may register analytics");
  VITRINE_ASSIGN_OR_RETURN(auto writer, blobs_.StartPut(std::int64_t{4} << 30));
  return std::make_unique<PendingFile<Analytic>>(std::move(writer),
                                                 [this, caller](const blob::BlobRef& ref) -> Result<Analytic> {
                                                   VITRINE_ASSIGN_OR_RETURN(auto path, blobs_.LocalPath(ref.sha256));
                                                   return RegisterAnalytic(caller, path);
                                                 });
}

Status JobService::DeleteAnalytic(const Caller& caller, AnalyticId id) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may remove analytics");
  VITRINE_ASSIGN_OR_RETURN(Analytic a, catalog_.GetAnalytic(id));
  if (a.builtin) return Status::InvalidArgument("built-in analytics cannot be removed");
  VITRINE_RETURN_IF_ERROR(catalog_.DeleteAnalytic(id));
  std::lock_guard lock(known_mu_);
  known_.erase(id.value());
  return Status::Ok();
}

// ---- data ----

Result<std::unique_ptr<PendingFile<DataFile>>> JobService::BeginData(const Caller& caller, const NewDataFile& data,
                                                                     std::int64_t expected_bytes) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, data.project, ProjectRole::kContributor));
  if (data.name.empty()) return Status::InvalidArgument("a data file needs a name");
  VITRINE_RETURN_IF_ERROR(ValidateDataName(data.name));
  if (data.ttl && data.ttl->count() <= 0) return Status::InvalidArgument("ttl must be a positive number of seconds");
  if (expected_bytes > options_.max_data_bytes) {
    return Status::TooLarge("a data file may hold at most " + std::to_string(options_.max_data_bytes) + " bytes");
  }
  if (expected_bytes > 0) VITRINE_RETURN_IF_ERROR(blobs_.CheckRoomFor(expected_bytes));
  VITRINE_ASSIGN_OR_RETURN(auto blob_writer, blobs_.StartPut(options_.max_data_bytes));
  auto etag = std::make_shared<std::string>();
  auto writer = std::make_unique<EtagWriter>(std::move(blob_writer), etag);
  DataFile row;
  row.project_id = data.project;
  row.name = data.name;
  row.media_type = data.media_type.empty() ? "application/octet-stream" : data.media_type;
  row.created_by = caller.user_id();
  const Timestamp now = clock_.Now();
  row.created_at = now;
  if (data.ttl) row.expires_at = now + duration_cast<microseconds>(*data.ttl);
  return std::make_unique<PendingFile<DataFile>>(
      std::move(writer), [this, row, etag, expected = data.expected_etag](const blob::BlobRef& ref) mutable {
        // An unreferenced blob is collected like any other: refusing here stores nothing.
        if (expected && *expected != *etag) {
          return Result<DataFile>(Status::InvalidArgument("the file's ETag is " + *etag + ", not " + *expected +
                                                          ": it changed or was cut short on the way"));
        }
        row.size_bytes = ref.size;
        row.sha256 = ref.sha256;
        row.etag = *etag;
        return catalog_.InsertDataFile(row);
      });
}

Result<DataFile> JobService::GetData(const Caller& caller, DataId id) const {
  auto found = catalog_.GetDataFile(id);
  if (!found.ok()) return found.status();
  const Status allowed = projects_.Require(caller, found->project_id, ProjectRole::kViewer);
  if (allowed.code() == ErrorCode::kNotFound || (found->expires_at && *found->expires_at <= clock_.Now())) {
    return Status::NotFound("data " + std::to_string(id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(allowed);
  return found;
}

Result<Page<DataFile>> JobService::ListData(const Caller& caller, const DataFilter& filter,
                                            const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  DataFilter f = filter;
  std::optional<UserId> member;
  if (caller.project_scope()) {
    if (f.project && *f.project != *caller.project_scope()) return Page<DataFile>{};
    f.project = caller.project_scope();
  } else if (f.project) {
    VITRINE_RETURN_IF_ERROR(projects_.Require(caller, *f.project, ProjectRole::kViewer));
  } else if (!caller.is_admin()) {
    member = caller.user_id();
  }
  return catalog_.ListDataFiles(f, member, page);
}

Result<DataFile> JobService::SetDataExpiry(const Caller& caller, DataId id, std::optional<Timestamp> expires_at) {
  VITRINE_ASSIGN_OR_RETURN(DataFile d, GetData(caller, id));
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, d.project_id, ProjectRole::kContributor));
  return catalog_.SetDataFileExpiry(id, expires_at);
}

Status JobService::DeleteData(const Caller& caller, DataId id) {
  VITRINE_ASSIGN_OR_RETURN(DataFile d, GetData(caller, id));
  if (d.created_by != caller.user_id()) {
    VITRINE_RETURN_IF_ERROR(projects_.Require(caller, d.project_id, ProjectRole::kManager));
  } else {
    VITRINE_RETURN_IF_ERROR(projects_.Require(caller, d.project_id, ProjectRole::kContributor));
  }
  return catalog_.DeleteDataFile(id);
}

namespace {

Result<JobService::OpenedFile> OpenBlob(const blob::BlobStore& blobs, std::string filename, std::string media_type,
                                        std::int64_t size, const std::string& sha256, blob::ByteRange range) {
  if (range.offset < 0 || (range.offset >= size && size > 0) || (size == 0 && range.offset > 0)) {
    return Status::InvalidArgument("range starts past the end of the file");
  }
  const std::int64_t length = range.length < 0 ? size - range.offset : std::min(range.length, size - range.offset);
  VITRINE_ASSIGN_OR_RETURN(auto body, blobs.Open(sha256, {range.offset, length}));
  return JobService::OpenedFile{std::move(filename), std::move(media_type), size,  sha256,
                                std::move(body),     range.offset,          length};
}

}  // namespace

Result<JobService::OpenedFile> JobService::OpenData(const Caller& caller, DataId id, blob::ByteRange range) const {
  VITRINE_ASSIGN_OR_RETURN(DataFile d, GetData(caller, id));
  return OpenBlob(blobs_, d.name, d.media_type, d.size_bytes, d.sha256, range);
}

// ---- jobs ----

Result<std::string> JobService::ResolveInputs(const Caller& caller, ProjectId project, const AnalyticDoc& doc,
                                              const std::string& given_text) const {
  VITRINE_ASSIGN_OR_RETURN(json given, ParseObject(given_text, "inputs"));
  json out = json::object();
  for (const auto& [name, value] : given.items()) {
    auto it = std::find_if(doc.inputs.begin(), doc.inputs.end(), [&](const auto& in) { return in.name == name; });
    if (it == doc.inputs.end()) return Status::InvalidArgument("unknown input '" + name + "'");
    const std::string where = "input '" + name + "'";
    if (!value.is_object()) return Status::InvalidArgument(where + " must be a JSON object");
    auto image_in_project = [&](std::int64_t id) -> Status {
      auto image = images_.Get(caller, ImageId(id));
      if (!image.ok()) {
        if (image.status().code() == ErrorCode::kNotFound) {
          return Status::InvalidArgument(where + ": image " + std::to_string(id) + " not found");
        }
        return image.status();
      }
      if (image->project_id != project) {
        return Status::InvalidArgument(where + ": image " + std::to_string(id) + " is not in project " +
                                       std::to_string(project.value()) + " (a job reads its own project's images)");
      }
      return Status::Ok();
    };
    json resolved = {{"type", it->type}};
    if (it->type == "image") {
      if (!value.contains("image-id")) return Status::InvalidArgument(where + " must be {\"image-id\": ID}");
      VITRINE_ASSIGN_OR_RETURN(std::int64_t id, PositiveId(value["image-id"], where + ".image-id"));
      VITRINE_RETURN_IF_ERROR(image_in_project(id));
      resolved["image-id"] = id;
    } else if (it->type == "images") {
      std::vector<std::int64_t> ids;
      if (value.contains("image-ids")) {
        if (!value["image-ids"].is_array() || value["image-ids"].empty()) {
          return Status::InvalidArgument(where + ".image-ids must be a non-empty array of ids");
        }
        if (value["image-ids"].size() > options_.max_images_per_input) {
          return Status::InvalidArgument(where + ": at most " + std::to_string(options_.max_images_per_input) +
                                         " images");
        }
        for (const auto& v : value["image-ids"]) {
          VITRINE_ASSIGN_OR_RETURN(std::int64_t id, PositiveId(v, where + ".image-ids[]"));
          VITRINE_RETURN_IF_ERROR(image_in_project(id));
          ids.push_back(id);
        }
      } else if (value.contains("filter")) {
        const json& f = value["filter"];
        if (!f.is_object()) return Status::InvalidArgument(where + ".filter must be a JSON object");
        ImageFilter filter;
        filter.sort = ImageSort::kCapturedAt;
        if (f.contains("project") && f["project"] != project.value()) {
          return Status::InvalidArgument(where + ".filter.project must be the job's project");
        }
        if (f.contains("device")) {
          if (!f["device"].is_string()) return Status::InvalidArgument(where + ".filter.device must be a string");
          filter.device_like = f["device"].get<std::string>();
        }
        for (const char* key : {"captured_from", "captured_to"}) {
          if (!f.contains(key)) continue;
          if (!f[key].is_string()) return Status::InvalidArgument(where + ".filter." + key + " must be ISO 8601");
          auto t = core::ParseIso8601(f[key].get<std::string>());
          if (!t.ok()) return Status::InvalidArgument(where + ".filter." + key + ": " + t.status().message());
          (std::string_view(key) == "captured_from" ? filter.captured_from : filter.captured_to) = *t;
        }
        PageRequest page{static_cast<std::int64_t>(PageRequest::kMaxLimit), 0};
        while (true) {
          VITRINE_ASSIGN_OR_RETURN(Page<Image> found, images_.List(caller, project, filter, page));
          for (const Image& image : found.items) ids.push_back(image.id.value());
          if (ids.size() > options_.max_images_per_input) {
            return Status::InvalidArgument(where + ": the filter matches more than " +
                                           std::to_string(options_.max_images_per_input) + " images");
          }
          if (static_cast<std::int64_t>(found.items.size()) < page.limit) break;
          page.offset += page.limit;
        }
        if (ids.empty()) return Status::InvalidArgument(where + ": the filter matches no image");
        resolved["filter"] = f;
      } else {
        return Status::InvalidArgument(where + " must be {\"image-ids\": [...]} or {\"filter\": {...}}");
      }
      resolved["image-ids"] = ids;
    } else if (it->type == "annotation-run") {
      if (!value.contains("annotation-run-id")) {
        return Status::InvalidArgument(where + " must be {\"annotation-run-id\": ID}");
      }
      VITRINE_ASSIGN_OR_RETURN(std::int64_t id, PositiveId(value["annotation-run-id"], where + ".annotation-run-id"));
      auto run = catalog_.GetAnnotationRun(AnnotationRunId(id));
      if (!run.ok() || run->project_id != project || !projects_.Require(caller, project, ProjectRole::kViewer).ok()) {
        return Status::InvalidArgument(where + ": annotation run " + std::to_string(id) + " not found in project " +
                                       std::to_string(project.value()));
      }
      resolved["annotation-run-id"] = id;
    } else if (it->type == "data") {
      if (!value.contains("data-id")) return Status::InvalidArgument(where + " must be {\"data-id\": ID}");
      VITRINE_ASSIGN_OR_RETURN(std::int64_t id, PositiveId(value["data-id"], where + ".data-id"));
      auto data = GetData(caller, DataId(id));
      if (!data.ok() || data->project_id != project) {
        return Status::InvalidArgument(where + ": data " + std::to_string(id) + " not found in project " +
                                       std::to_string(project.value()));
      }
      resolved["data-id"] = id;
    }
    out[name] = std::move(resolved);
  }
  for (const auto& in : doc.inputs) {
    if (in.required && !out.contains(in.name)) return Status::InvalidArgument("input '" + in.name + "' is required");
  }
  return out.dump();
}

Result<std::string> JobService::ResolveParameters(const Caller& caller, ProjectId project, const AnalyticDoc& doc,
                                                  const std::string& given_text) const {
  VITRINE_ASSIGN_OR_RETURN(json given, ParseObject(given_text, "parameters"));
  VITRINE_ASSIGN_OR_RETURN(json checked, CheckParameters(doc, given));
  for (const auto& p : doc.parameters) {
    if (p.type != "data" || !checked.contains(p.name)) continue;
    const std::int64_t id = checked[p.name]["data-id"].get<std::int64_t>();
    auto data = GetData(caller, DataId(id));
    if (!data.ok() || data->project_id != project) {
      return Status::InvalidArgument("parameter '" + p.name + "': data " + std::to_string(id) +
                                     " not found in project " + std::to_string(project.value()));
    }
  }
  return checked.dump();
}

Result<Job> JobService::Create(const Caller& caller, const NewJob& request) {
  if (!request.project.valid()) return Status::InvalidArgument("a job needs a project");
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, request.project, ProjectRole::kContributor));
  if (request.analytic.empty()) return Status::InvalidArgument("a job needs an analytic");
  if (request.name.size() > 256) return Status::InvalidArgument("a job's name may hold at most 256 characters");
  if (request.output_ttl && request.output_ttl->count() <= 0) {
    return Status::InvalidArgument("output_ttl must be a positive number of seconds");
  }
  auto analytic = catalog_.FindAnalytic(request.analytic, request.version);
  if (!analytic.ok()) {
    if (analytic.status().code() == ErrorCode::kNotFound) return Status::InvalidArgument(analytic.status().message());
    return analytic.status();
  }
  Job job;
  job.project_id = request.project;
  job.analytic_id = analytic->id;
  job.analytic = analytic->name;
  job.analytic_version = analytic->version;
  job.name = request.name.empty() ? analytic->name : request.name;
  job.created_by = caller.user_id();
  VITRINE_ASSIGN_OR_RETURN(auto known, Known(analytic->id));
  const AnalyticDoc& doc = known->doc;
  VITRINE_ASSIGN_OR_RETURN(job.inputs, ResolveInputs(caller, request.project, doc, request.inputs));
  VITRINE_ASSIGN_OR_RETURN(job.parameters, ResolveParameters(caller, request.project, doc, request.parameters));
  job.auto_start = request.auto_start;
  job.max_attempts = options_.max_attempts;
  const Timestamp now = clock_.Now();
  job.created_at = now;
  if (request.output_ttl) job.expires_at = now + duration_cast<microseconds>(*request.output_ttl);
  Say(job, now, "Created by " + Who(caller));
  if (request.auto_start) {
    job.state = JobState::kQueued;
    job.queued_at = now;
    Say(job, now, "Queued");
  }
  VITRINE_ASSIGN_OR_RETURN(Job stored, catalog_.InsertJob(job));
  Changed(/*queued=*/stored.state == JobState::kQueued);
  return stored;
}

Result<Job> JobService::VisibleJob(const Caller& caller, JobId id, ProjectRole needed) const {
  auto job = catalog_.GetJob(id);
  if (!job.ok()) return job.status();
  const Status allowed = projects_.Require(caller, job->project_id, needed);
  if (allowed.code() == ErrorCode::kNotFound) return Status::NotFound(JobName(id) + " not found");
  VITRINE_RETURN_IF_ERROR(allowed);
  return job;
}

Status JobService::RequireCreatorOrManager(const Caller& caller, const Job& job) const {
  if (caller.user() && job.created_by == caller.user_id()) {
    return projects_.Require(caller, job.project_id, ProjectRole::kContributor);
  }
  return projects_.Require(caller, job.project_id, ProjectRole::kManager);
}

Result<Job> JobService::Get(const Caller& caller, JobId id) const {
  return VisibleJob(caller, id, ProjectRole::kViewer);
}

Result<Page<Job>> JobService::List(const Caller& caller, const JobFilter& filter, const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  JobFilter f = filter;
  std::optional<UserId> member;
  if (caller.project_scope()) {
    if (f.project && *f.project != *caller.project_scope()) return Page<Job>{};
    f.project = caller.project_scope();
  } else if (f.project) {
    VITRINE_RETURN_IF_ERROR(projects_.Require(caller, *f.project, ProjectRole::kViewer));
  } else if (!caller.is_admin()) {
    member = caller.user_id();
  }
  return catalog_.ListJobs(f, member, page);
}

Result<Job> JobService::Change(JobId id, const catalog::Catalog::JobEdit& edit) {
  VITRINE_ASSIGN_OR_RETURN(Job job, catalog_.ModifyJob(id, edit));
  Changed(/*queued=*/job.state == JobState::kQueued);
  return job;
}

void JobService::Changed(bool queued) {
  {
    std::lock_guard lock(changes_mu_);
    ++generation_;
    if (queued) ++queue_generation_;
  }
  changes_cv_.notify_all();
}

Result<Job> JobService::Start(const Caller& caller, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(Job seen, VisibleJob(caller, id, ProjectRole::kContributor));
  const std::string who = Who(caller);
  return Change(id, [&](Job& job) -> Status {
    if (job.state != JobState::kReady) return NotInState(job, "start");
    const Timestamp now = clock_.Now();
    job.state = JobState::kQueued;
    job.queued_at = now;
    Say(job, now, "Queued by " + who);
    return Status::Ok();
  });
}

Result<Job> JobService::Kill(const Caller& caller, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(Job seen, VisibleJob(caller, id, ProjectRole::kViewer));
  VITRINE_RETURN_IF_ERROR(RequireCreatorOrManager(caller, seen));
  const std::string who = Who(caller);
  VITRINE_ASSIGN_OR_RETURN(
      Job killed, Change(id, [&](Job& job) -> Status {
        if (job.state != JobState::kQueued && job.state != JobState::kScheduled && job.state != JobState::kRunning) {
          return NotInState(job, "kill");
        }
        job.kill_requested = true;
        Fail(job, clock_.Now(), JobFailure::kUser, "killed by " + who);
        return Status::Ok();
      }));
  return killed;
}

Result<Job> JobService::SetArchived(const Caller& caller, JobId id, bool archived) {
  VITRINE_ASSIGN_OR_RETURN(Job seen, VisibleJob(caller, id, ProjectRole::kViewer));
  VITRINE_RETURN_IF_ERROR(RequireCreatorOrManager(caller, seen));
  return Change(id, [&](Job& job) -> Status {
    if (job.archived == archived) return Status::Ok();
    if (archived && !IsFinished(job.state) && job.state != JobState::kReady) return NotInState(job, "archive");
    job.archived = archived;
    Say(job, clock_.Now(), archived ? "Archived" : "Unarchived");
    return Status::Ok();
  });
}

Status JobService::Delete(const Caller& caller, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(Job seen, VisibleJob(caller, id, ProjectRole::kViewer));
  VITRINE_RETURN_IF_ERROR(RequireCreatorOrManager(caller, seen));
  // Checked with the row locked: a job started meanwhile is not deleted from under its worker.
  VITRINE_RETURN_IF_ERROR(catalog_
                              .ModifyJob(id,
                                         [&](Job& job) -> Status {
                                           if (job.state != JobState::kReady && !IsFinished(job.state)) {
                                             return NotInState(job, "delete");
                                           }
                                           return Status::Ok();
                                         })
                              .status());
  VITRINE_RETURN_IF_ERROR(catalog_.DeleteJob(id));
  Changed();
  return Status::Ok();
}

Result<Job> JobService::Wait(const Caller& caller, JobId id, std::chrono::milliseconds timeout,
                             std::optional<JobState> seen_state) const {
  VITRINE_ASSIGN_OR_RETURN(Job first, Get(caller, id));
  if (IsFinished(first.state) || timeout.count() <= 0 || (seen_state && first.state != *seen_state)) return first;
  const auto deadline =
      std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(timeout, options_.max_wait);
  auto differs = [&](const Job& now) {
    return now.state != first.state || now.progress != first.progress || now.messages.size() != first.messages.size();
  };
  std::unique_lock lock(changes_mu_);
  while (true) {
    const std::uint64_t seen_generation = generation_;
    lock.unlock();
    VITRINE_ASSIGN_OR_RETURN(Job now, Get(caller, id));
    if (differs(now) || std::chrono::steady_clock::now() >= deadline) return now;
    lock.lock();
    // Woken by a change made here; re-read at least every half second for changes other
    // servers make to a shared catalog.
    const auto wake = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
    changes_cv_.wait_until(lock, wake, [&] { return generation_ != seen_generation || shutting_down_; });
    if (shutting_down_) {
      lock.unlock();
      return Get(caller, id);
    }
  }
}

Result<std::vector<catalog::Catalog::LogChunk>> JobService::ReadLog(const Caller& caller, JobId id,
                                                                    std::int64_t after_seq,
                                                                    std::size_t max_bytes) const {
  VITRINE_RETURN_IF_ERROR(Get(caller, id).status());
  return catalog_.ReadJobLog(id, after_seq, max_bytes);
}

Result<JobService::LogRead> JobService::ReadLogWaiting(const Caller& caller, JobId id, std::int64_t after_seq,
                                                       std::size_t max_bytes, std::chrono::milliseconds timeout) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(timeout, options_.max_wait);
  std::unique_lock lock(changes_mu_);
  while (true) {
    const std::uint64_t seen_generation = generation_;
    lock.unlock();
    // The state first: a job seen ended before the read has every line of it in the read.
    VITRINE_ASSIGN_OR_RETURN(Job job, Get(caller, id));
    VITRINE_ASSIGN_OR_RETURN(auto chunks, catalog_.ReadJobLog(id, after_seq, max_bytes));
    if (!chunks.empty()) return LogRead{std::move(chunks), false};
    if (IsFinished(job.state)) return LogRead{{}, true};
    if (std::chrono::steady_clock::now() >= deadline) return LogRead{};
    lock.lock();
    // Woken by a line or a change made here; re-read every half second for other servers'.
    const auto wake = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
    changes_cv_.wait_until(lock, wake, [&] { return generation_ != seen_generation || shutting_down_; });
    if (shutting_down_) return LogRead{};
  }
}

Result<JobService::FollowerPlace> JobService::TakeFollowerPlace() const {
  if (++followers_ > options_.max_log_followers) {
    --followers_;
    return Status::Unavailable("too many job logs are being followed at once; read with ?after=N&wait=S instead");
  }
  return FollowerPlace(followers_);
}

Result<JobService::OpenedFile> JobService::OpenOutput(const Caller& caller, JobId id, std::string_view name,
                                                      blob::ByteRange range) const {
  VITRINE_ASSIGN_OR_RETURN(Job job, Get(caller, id));
  if (job.expires_at && *job.expires_at <= clock_.Now()) {
    return Status::NotFound(JobName(id) + ": its outputs expired");
  }
  for (const JobOutput& o : job.outputs) {
    if (o.name == name) return OpenBlob(blobs_, o.filename, o.media_type, o.size_bytes, o.sha256, range);
  }
  return Status::NotFound(JobName(id) + " has no output '" + std::string(name) + "'");
}

// ---- workers ----

Status JobService::RequireWorker(const Caller& caller) const {
  if (caller.is_worker()) return Status::Ok();
  return Status::PermissionDenied("running jobs needs the worker capability (an administrator grants it)");
}

Result<std::optional<JobLease>> JobService::Claim(const Caller& caller, const ClaimRequest& request) {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  const std::string worker_name = request.worker.empty() ? Who(caller) : request.worker.substr(0, 200);
  // The job acts as its creator, on its project only, for as long as it may run: its token is
  // stored with the claim, and revoked by the catalog when the job leaves SCHEDULED or RUNNING.
  const std::string token = core::RandomUrlToken(32);
  const Timestamp issued = clock_.Now();
  const catalog::Catalog::ClaimToken job_token{
      HashBearerToken(token), issued,
      issued + duration_cast<microseconds>(options_.max_wall_time + std::chrono::hours(1))};
  VITRINE_ASSIGN_OR_RETURN(std::optional<Job> claimed,
                           catalog_.ClaimJob(
                               request.analytics,
                               [&](Job& job) -> Status {
                                 const Timestamp now = clock_.Now();
                                 const bool start = request.start && IsBuiltinAnalyticName(job.analytic);
                                 job.state = start ? JobState::kRunning : JobState::kScheduled;
                                 job.attempt += 1;
                                 job.kill_requested = false;
                                 job.worker = worker_name;
                                 job.progress = 0;
                                 job.lease_expires_at = now + duration_cast<microseconds>(options_.lease);
                                 Say(job, now,
                                     "Scheduled on " + worker_name + " (attempt " + std::to_string(job.attempt) +
                                         " of " + std::to_string(job.max_attempts) + ")");
                                 if (start) {
                                   job.started_at = now;
                                   Say(job, now, "Running");
                                 }
                                 return Status::Ok();
                               },
                               job_token));
  if (!claimed) return std::optional<JobLease>();
  Changed();
  JobLease lease;
  lease.lease = options_.lease;
  VITRINE_ASSIGN_OR_RETURN(auto known, Known(claimed->analytic_id));
  lease.analytic = known->analytic;
  if (claimed->created_by.valid()) lease.token = token;
  lease.job = std::move(*claimed);
  return std::optional<JobLease>(std::move(lease));
}

Result<Job> JobService::Heartbeat(const Caller& caller, JobId id, const JobHeartbeat& beat) {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  return Change(id, [&](Job& job) -> Status {
    VITRINE_RETURN_IF_ERROR(RequireLease(job, beat.attempt));
    const Timestamp now = clock_.Now();
    job.lease_expires_at = now + duration_cast<microseconds>(options_.lease);
    if (beat.running && job.state == JobState::kScheduled) {
      job.state = JobState::kRunning;
      job.started_at = now;
      Say(job, now, "Running");
    }
    if (beat.progress) job.progress = std::clamp(*beat.progress, 0, 100);
    if (beat.message && !beat.message->empty()) Say(job, now, beat.message->substr(0, 1000));
    return Status::Ok();
  });
}

Status JobService::AppendLog(const Caller& caller, JobId id, int attempt, std::string_view text) {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  VITRINE_RETURN_IF_ERROR(catalog_.AppendJobLog(id, attempt, text, options_.max_log_bytes).status());
  Changed();  // wakes those following the log
  return Status::Ok();
}

Result<std::unique_ptr<PendingFile<JobOutput>>> JobService::BeginOutput(const Caller& caller, JobId id, int attempt,
                                                                        const std::string& name,
                                                                        const std::string& filename,
                                                                        const std::string& media_type) {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  VITRINE_ASSIGN_OR_RETURN(Job job, catalog_.GetJob(id));
  VITRINE_RETURN_IF_ERROR(RequireLease(job, attempt));
  VITRINE_ASSIGN_OR_RETURN(auto known, Known(job.analytic_id));
  const AnalyticDoc& doc = known->doc;
  auto declared = std::find_if(doc.outputs.begin(), doc.outputs.end(), [&](const auto& o) { return o.name == name; });
  if (declared == doc.outputs.end()) {
    return Status::InvalidArgument(known->analytic.name + " declares no output '" + name + "'");
  }
  JobOutput output;
  output.name = name;
  output.type = declared->type;
  output.filename = filename.empty() ? declared->filename : filename;
  VITRINE_RETURN_IF_ERROR(ValidateFilename(output.filename));
  output.media_type = media_type.empty() ? "application/octet-stream" : media_type;
  VITRINE_ASSIGN_OR_RETURN(auto writer, blobs_.StartPut(options_.max_data_bytes));
  return std::make_unique<PendingFile<JobOutput>>(
      std::move(writer), [this, id, attempt, output](const blob::BlobRef& ref) mutable -> Result<JobOutput> {
        output.size_bytes = ref.size;
        output.sha256 = ref.sha256;
        VITRINE_RETURN_IF_ERROR(Change(id, [&](Job& job) -> Status {
                                  VITRINE_RETURN_IF_ERROR(RequireLease(job, attempt));
                                  std::erase_if(job.outputs, [&](const JobOutput& o) { return o.name == output.name; });
                                  job.outputs.push_back(output);
                                  std::sort(job.outputs.begin(), job.outputs.end(),
                                            [](const auto& a, const auto& b) { return a.name < b.name; });
                                  return Status::Ok();
                                }).status());
        return output;
      });
}

Result<Job> JobService::Finish(const Caller& caller, JobId id, const JobResult& result) {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  std::string missing;
  VITRINE_ASSIGN_OR_RETURN(Job before, catalog_.GetJob(id));
  if (result.success) {
    VITRINE_ASSIGN_OR_RETURN(auto known, Known(before.analytic_id));
    for (const auto& o : known->doc.outputs) {
      const bool present = std::any_of(before.outputs.begin(), before.outputs.end(),
                                       [&](const JobOutput& have) { return have.name == o.name; });
      if (o.required && !present) missing += (missing.empty() ? "" : ", ") + o.name;
    }
  }
  VITRINE_ASSIGN_OR_RETURN(Job done, Change(id, [&](Job& job) -> Status {
                             VITRINE_RETURN_IF_ERROR(RequireLease(job, result.attempt));
                             const Timestamp now = clock_.Now();
                             if (result.success && missing.empty()) {
                               job.state = JobState::kComplete;
                               job.completed_at = now;
                               job.progress = 100;
                               job.worker.clear();
                               job.lease_expires_at.reset();
                               Say(job, now, "Complete");
                             } else if (result.success) {
                               Fail(job, now, JobFailure::kAnalytic, "required output(s) missing: " + missing);
                             } else {
                               const JobFailure failure =
                                   result.failure == JobFailure::kNone ? JobFailure::kAnalytic : result.failure;
                               Fail(job, now, failure, result.reason.substr(0, 8192));
                             }
                             return Status::Ok();
                           }));
  return done;
}

Result<JobService::OpenedFile> JobService::OpenBundle(const Caller& caller, AnalyticId id) const {
  VITRINE_RETURN_IF_ERROR(RequireWorker(caller));
  VITRINE_ASSIGN_OR_RETURN(Analytic a, catalog_.GetAnalytic(id));
  if (a.bundle_sha256.empty()) return Status::NotFound("analytic " + a.name + " " + a.version + " has no bundle");
  VITRINE_ASSIGN_OR_RETURN(std::int64_t size, blobs_.Size(a.bundle_sha256));
  return OpenBlob(blobs_, a.name + "-" + a.version + ".tar.gz", "application/gzip", size, a.bundle_sha256, {});
}

void JobService::WaitForQueued(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(changes_mu_);
  const std::uint64_t seen = queue_generation_;
  changes_cv_.wait_for(lock, timeout, [&] { return queue_generation_ != seen || shutting_down_; });
}

Result<std::optional<JobLease>> JobService::ClaimWaiting(const Caller& caller, const ClaimRequest& request) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(request.wait, options_.max_wait);
  while (true) {
    std::uint64_t seen;
    {
      std::lock_guard lock(changes_mu_);
      seen = queue_generation_;
      if (shutting_down_) return std::optional<JobLease>();
    }
    VITRINE_ASSIGN_OR_RETURN(std::optional<JobLease> lease, Claim(caller, request));
    if (lease || std::chrono::steady_clock::now() >= deadline) return lease;
    std::unique_lock lock(changes_mu_);
    // Woken by a job queued here; other servers' jobs are seen at the next look.
    const auto wake = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(250));
    changes_cv_.wait_until(lock, wake, [&] { return queue_generation_ != seen || shutting_down_; });
  }
}

JobService::FinishedAndClaimed JobService::FinishAndClaim(const Caller& caller, JobId id, const JobResult& result,
                                                          const ClaimRequest& next) {
  std::optional<Result<Job>> finished;
  std::optional<Result<std::optional<JobLease>>> claimed;
  {
    // One flush for the result and the first look; none held over a wait for the queue.
    catalog::CommitBatch batch;
    finished.emplace(Finish(caller, id, result));
    ClaimRequest at_once = next;
    at_once.wait = std::chrono::milliseconds(0);
    claimed.emplace(Claim(caller, at_once));
    if (Status flushed = batch.Finish(); !flushed.ok()) return {flushed, flushed};
  }
  if (claimed->ok() && !**claimed && next.wait.count() > 0) claimed.emplace(ClaimWaiting(caller, next));
  return {std::move(*finished), std::move(*claimed)};
}

void JobService::Shutdown() {
  {
    std::lock_guard lock(changes_mu_);
    shutting_down_ = true;
  }
  changes_cv_.notify_all();
}

Result<std::int64_t> JobService::Sweep() {
  std::int64_t changed = 0;
  const Timestamp now = clock_.Now();
  VITRINE_ASSIGN_OR_RETURN(std::vector<JobId> lost, catalog_.JobsWithExpiredLease(now, 1000));
  for (JobId id : lost) {
    auto swept = Change(id, [&](Job& job) -> Status {
      // Looked at again under the row lock: the worker may have renewed or finished meanwhile.
      if ((job.state != JobState::kScheduled && job.state != JobState::kRunning) || !job.lease_expires_at ||
          *job.lease_expires_at >= now) {
        return Status::Conflict("no longer lost");
      }
      const std::string worker = job.worker;
      if (job.attempt >= job.max_attempts) {
        Fail(job, now, JobFailure::kPlatform,
             "worker " + worker + " lost (its lease expired); " + std::to_string(job.attempt) + " attempts made");
        return Status::Ok();
      }
      job.state = JobState::kQueued;
      job.worker.clear();
      job.lease_expires_at.reset();
      job.queued_at = now;
      job.progress = 0;
      Say(job, now, "Worker " + worker + " lost (its lease expired); queued again");
      return Status::Ok();
    });
    if (swept.ok()) {
      ++changed;
      spdlog::warn("job {}: its worker's lease expired; now {}", id.value(), JobStateName(swept->state));
    } else if (swept.status().code() != ErrorCode::kConflict && swept.status().code() != ErrorCode::kNotFound) {
      return swept.status();
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<DataId> expired, catalog_.ExpiredDataFiles(now, 1000));
  for (DataId id : expired) {
    Status s = catalog_.DeleteDataFile(id);
    if (s.ok()) ++changed;
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<JobId> old_outputs, catalog_.JobsWithExpiredOutputs(now, 1000));
  for (JobId id : old_outputs) {
    auto cleared = Change(id, [&](Job& job) -> Status {
      job.outputs.clear();
      Say(job, now, "Outputs expired and deleted");
      return Status::Ok();
    });
    if (cleared.ok()) ++changed;
  }
  return changed;
}

}  // namespace vitrine::service
