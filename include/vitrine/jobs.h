// Analyses as jobs: analytics (what can run), data files (what they read and write besides
// images) and jobs (one analytic run on inputs with parameters), as the server keeps them.
// docs/jobs.md has the lifecycle, the analytic document and the request format.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitrine/types.h"

namespace vitrine {

using AnalyticId = Id<struct AnalyticTag>;
using JobId = Id<struct JobTag>;
using DataId = Id<struct DataTag>;

// An analytic: named, versioned, described by its document (the Voxel51 shape: info, inputs,
// parameters, outputs). Built-in analytics are compiled into Vitrine; the others are bundles an
// administrator registered (bundle_sha256 names the .tar.gz in the blob store).
struct Analytic {
  AnalyticId id;
  std::string name;
  std::string version;
  std::string description;
  bool builtin = false;
  bool supports_cpu = true;
  bool supports_gpu = false;
  std::string doc;  // the analytic document, JSON
  std::string bundle_sha256;
  UserId created_by;
  Timestamp created_at;
};

// A stored file that is not an image: a model, a CSV, a video, a job's input or output.
struct DataFile {
  DataId id;
  ProjectId project_id;
  std::string name;
  std::string media_type;
  std::int64_t size_bytes = 0;
  std::string sha256;
  UserId created_by;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;  // deleted by the periodic sweep after this
  // S3's ETag for the file uploaded in 15 MiB parts (core::MultipartEtag): its MD5 up to 15 MiB.
  // Empty for files stored before Vitrine kept it.
  std::string etag;
};

struct DataFilter {
  std::optional<ProjectId> project{};
  std::optional<std::string> name_like{};  // SQL LIKE pattern
};

enum class JobState { kReady, kQueued, kScheduled, kRunning, kComplete, kFailed };
std::string_view JobStateName(JobState state);  // "READY", "QUEUED", ...
std::optional<JobState> JobStateFromName(std::string_view name);
inline bool IsFinished(JobState s) { return s == JobState::kComplete || s == JobState::kFailed; }

// Why a job failed: USER (killed, or bad input found late), ANALYTIC (the analytic failed),
// PLATFORM (lost too many workers).
enum class JobFailure { kNone, kUser, kAnalytic, kPlatform };
std::string_view JobFailureName(JobFailure failure);
std::optional<JobFailure> JobFailureFromName(std::string_view name);

struct JobMessage {
  Timestamp time;
  std::string message;
};

// A file a job produced, kept in the blob store under the job.
struct JobOutput {
  std::string name;      // the analytic's output name
  std::string type;      // "file", "annotations", "properties"
  std::string filename;  // offered for download
  std::string media_type;
  std::int64_t size_bytes = 0;
  std::string sha256;
};

struct Job {
  JobId id;
  ProjectId project_id;
  AnalyticId analytic_id;
  std::string analytic;  // name
  std::string analytic_version;
  std::string name;
  UserId created_by;
  JobState state = JobState::kReady;
  JobFailure failure_type = JobFailure::kNone;
  std::string failure_reason;
  // JSON objects as checked at creation: every input resolved to ids, parameters with defaults.
  std::string inputs;
  std::string parameters;
  bool auto_start = false;
  bool archived = false;
  bool kill_requested = false;
  int progress = 0;  // 0-100
  int attempt = 0;   // raised by every claim; a worker's writes carry it (its fencing number)
  int max_attempts = 3;
  std::string worker;  // who holds the lease
  std::optional<Timestamp> lease_expires_at;
  std::int64_t log_bytes = 0;
  Timestamp created_at;
  std::optional<Timestamp> queued_at, started_at, completed_at, failed_at;
  std::optional<Timestamp> expires_at;  // outputs deleted after this
  std::vector<JobMessage> messages;
  std::vector<JobOutput> outputs;
};

enum class JobSort { kCreatedAt, kId, kState };

struct JobFilter {
  std::optional<JobState> state{};
  std::optional<std::string> analytic{};  // name
  std::optional<ProjectId> project{};
  std::optional<bool> archived = false;  // nullopt: both
  std::optional<UserId> created_by{};
  std::optional<Timestamp> created_from{};  // inclusive
  std::optional<Timestamp> created_to{};    // exclusive
  JobSort sort = JobSort::kCreatedAt;
  bool descending = true;
};

// What a client asks to run. `inputs` and `parameters` are JSON objects (docs/jobs.md):
//   inputs:     {"image": {"image-id": 12}, "photos": {"image-ids": [1, 2]},
//                "trap": {"filter": {"project": 3, "device": "5c17%", "captured_from": "..."}},
//                "model": {"data-id": 4}, "detections": {"annotation-run-id": 9}}
//   parameters: {"min_area": 40, "threshold": "otsu", "weights": {"data-id": 5}}
struct NewJob {
  ProjectId project;
  std::string analytic;
  std::string version{};  // empty: the latest
  std::string name{};
  std::string inputs = "{}";
  std::string parameters = "{}";
  bool auto_start = false;
  std::optional<std::chrono::seconds> output_ttl{};
};

// A piece of a job's log: the text after the sequence number asked for, and the number to ask
// for next time (the same one when nothing new was written).
struct JobLog {
  std::string text;
  std::int64_t next_seq = 0;
};

struct NewDataFile {
  ProjectId project;
  std::string name{};  // default: the file's own name
  std::string media_type{};
  std::optional<std::chrono::seconds> ttl{};
  // When set, a file whose ETag (DataFile::etag) differs is refused and nothing is recorded.
  std::optional<std::string> expected_etag{};
};

}  // namespace vitrine
