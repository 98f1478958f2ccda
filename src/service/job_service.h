// Analytics, data files and jobs: what runs, what it reads and writes, and the queue workers
// claim from. Every state change is one catalog transaction (Catalog::ModifyJob) with its
// timestamped message, so the record is durable and a crash loses nothing that was answered.
//
//   READY --start--> QUEUED --claim--> SCHEDULED --worker begins--> RUNNING --> COMPLETE | FAILED
//
// A claim raises the job's attempt number and grants a lease the worker renews; every write a
// worker makes carries its attempt (its fencing number), and one whose attempt is no longer the
// job's is refused (kConflict), so a worker that lost its lease and comes back late changes
// nothing. An expired lease puts the job back in the queue, or fails it (PLATFORM) after
// max_attempts. Kill ends a job at once (FAILED, USER); its worker learns it at its next renewal.
//
// Rights follow the project: viewers read jobs, data and outputs; contributors create and start
// jobs and upload data; the creator or a manager kills, archives and deletes; administrators
// register analytics; administrators and users with the worker capability claim jobs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/analytic_doc.h"
#include "service/caller.h"
#include "service/image_service.h"
#include "service/job_options.h"
#include "service/project_service.h"
#include "vitrine/jobs.h"

namespace vitrine::service {

// A file being stored: written in order, then published with Finish. Dropped unfinished, it
// leaves nothing behind.
template <class T>
class PendingFile {
 public:
  using Publish = std::function<Result<T>(const blob::BlobRef&)>;
  PendingFile(std::unique_ptr<blob::BlobWriter> writer, Publish publish)
      : writer_(std::move(writer)), publish_(std::move(publish)) {}
  Status Write(std::string_view bytes) { return writer_->Write(bytes); }
  Result<T> Finish() {
    VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, writer_->Commit());
    return publish_(ref);
  }

 private:
  std::unique_ptr<blob::BlobWriter> writer_;
  Publish publish_;
};

// What a worker gets with a claimed job.
struct JobLease {
  Job job;
  Analytic analytic;
  std::string token;  // valid for the job's project only, revoked when the job ends
  std::chrono::seconds lease{30};
};

struct JobHeartbeat {
  int attempt = 0;
  bool running = true;  // SCHEDULED becomes RUNNING at the first one
  std::optional<int> progress;
  std::optional<std::string> message;
};

struct JobResult {
  int attempt = 0;
  bool success = true;
  JobFailure failure = JobFailure::kAnalytic;
  std::string reason;
};

// What a worker asks for when it claims.
struct ClaimRequest {
  std::string worker;                  // its name in the job's records; the caller's when empty
  std::vector<std::string> analytics;  // what it runs; any analytic when empty
  std::chrono::milliseconds wait{0};   // how long to wait for a job to be queued
  // It starts a built-in analytic's job the moment it has it (there is nothing to prepare): the
  // claim records SCHEDULED and RUNNING at once, sparing a heartbeat. An external analytic's job
  // stays SCHEDULED while its bundle and inputs are fetched, until the worker's first heartbeat.
  bool start = false;
};

class JobService {
 public:
  JobService(catalog::Catalog& catalog, blob::BlobStore& blobs, const ProjectService& projects,
             const ImageService& images, const core::Clock& clock, JobOptions options = {})
      : catalog_(catalog), blobs_(blobs), projects_(projects), images_(images), clock_(clock), options_(options) {}

  const JobOptions& options() const { return options_; }

  // Stores the built-in analytics' documents that are not stored yet.
  Status RegisterBuiltins();

  // Analytics.
  Result<std::vector<Analytic>> ListAnalytics(const Caller& caller, bool all_versions) const;
  Result<Analytic> GetAnalytic(const Caller& caller, AnalyticId id) const;
  // An external analytic from a bundle (.tar.gz with analytic.json and an entry point) already
  // written to a local file; the bundle is kept in the blob store. Administrators only.
  Result<Analytic> RegisterAnalytic(const Caller& caller, const std::filesystem::path& bundle);
  // The same for a bundle arriving as a stream (an upload): kept in the blob store, then read.
  Result<std::unique_ptr<PendingFile<Analytic>>> BeginAnalyticBundle(const Caller& caller);
  Status DeleteAnalytic(const Caller& caller, AnalyticId id);

  // Data files.
  Result<std::unique_ptr<PendingFile<DataFile>>> BeginData(const Caller& caller, const NewDataFile& data,
                                                           std::int64_t expected_bytes = -1);
  Result<DataFile> GetData(const Caller& caller, DataId id) const;
  Result<Page<DataFile>> ListData(const Caller& caller, const DataFilter& filter, const PageRequest& page) const;
  Result<DataFile> SetDataExpiry(const Caller& caller, DataId id, std::optional<Timestamp> expires_at);
  Status DeleteData(const Caller& caller, DataId id);
  struct OpenedFile {
    std::string filename;
    std::string media_type;
    std::int64_t size = 0;
    std::string sha256;
    std::unique_ptr<core::ByteSource> body;
    std::int64_t offset = 0, length = 0;
  };
  Result<OpenedFile> OpenData(const Caller& caller, DataId id, blob::ByteRange range) const;

  // Jobs.
  Result<Job> Create(const Caller& caller, const NewJob& request);
  Result<Job> Get(const Caller& caller, JobId id) const;
  Result<Page<Job>> List(const Caller& caller, const JobFilter& filter, const PageRequest& page) const;
  Result<Job> Start(const Caller& caller, JobId id);
  Result<Job> Kill(const Caller& caller, JobId id);
  Result<Job> SetArchived(const Caller& caller, JobId id, bool archived);
  Status Delete(const Caller& caller, JobId id);
  // The job once it differs from what it was at the call (state, progress or a new message), or
  // as it is after `timeout` (at most options().max_wait). A finished job is answered at once.
  // With `seen_state` (the state the caller last saw), a job already in another state is
  // answered at once too: a change between two polls is never waited past.
  Result<Job> Wait(const Caller& caller, JobId id, std::chrono::milliseconds timeout,
                   std::optional<JobState> seen_state = std::nullopt) const;
  Result<std::vector<catalog::Catalog::LogChunk>> ReadLog(const Caller& caller, JobId id, std::int64_t after_seq,
                                                          std::size_t max_bytes) const;
  struct LogRead {
    std::vector<catalog::Catalog::LogChunk> chunks;
    bool ended = false;  // the job has ended and its log has nothing after `after_seq`
  };
  // ReadLog that waits up to `timeout` (at most options().max_wait) for a line after `after_seq`
  // or for the job's end, whichever comes first.
  Result<LogRead> ReadLogWaiting(const Caller& caller, JobId id, std::int64_t after_seq, std::size_t max_bytes,
                                 std::chrono::milliseconds timeout) const;
  // Holds one of the few places for a log followed by a stream (each holds a waiting thread
  // while the job is quiet); kUnavailable when all are taken. Released when destroyed.
  class FollowerPlace {
   public:
    explicit FollowerPlace(std::atomic<int>& count) : count_(&count) {}
    FollowerPlace(FollowerPlace&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
    ~FollowerPlace() {
      if (count_) --*count_;
    }

   private:
    std::atomic<int>* count_;
  };
  Result<FollowerPlace> TakeFollowerPlace() const;
  Result<OpenedFile> OpenOutput(const Caller& caller, JobId id, std::string_view name, blob::ByteRange range) const;

  // Workers. nullopt when no queued job of the request's analytics is waiting; the request's
  // wait is ClaimWaiting's.
  Result<std::optional<JobLease>> Claim(const Caller& caller, const ClaimRequest& request);
  // Renews the lease; kConflict when the lease is no longer the worker's (expired, taken over,
  // or the job was killed): the worker must stop.
  Result<Job> Heartbeat(const Caller& caller, JobId id, const JobHeartbeat& beat);
  Status AppendLog(const Caller& caller, JobId id, int attempt, std::string_view text);
  Result<std::unique_ptr<PendingFile<JobOutput>>> BeginOutput(const Caller& caller, JobId id, int attempt,
                                                              const std::string& name, const std::string& filename,
                                                              const std::string& media_type);
  Result<Job> Finish(const Caller& caller, JobId id, const JobResult& result);
  // An external analytic's bundle (.tar.gz), for a worker to unpack.
  Result<OpenedFile> OpenBundle(const Caller& caller, AnalyticId id) const;
  // Blocks until a job may have been queued (or `timeout`): idle in-process workers wait here.
  void WaitForQueued(std::chrono::milliseconds timeout) const;
  // Claim, waiting up to request.wait (at most options().max_wait) for a job to be queued.
  Result<std::optional<JobLease>> ClaimWaiting(const Caller& caller, const ClaimRequest& request);
  // A busy worker's step: Finish one job, then ClaimWaiting the next. The result and a job
  // found at once become durable together; a refused result does not stop the claim.
  struct FinishedAndClaimed {
    Result<Job> finished;
    Result<std::optional<JobLease>> next;
  };
  FinishedAndClaimed FinishAndClaim(const Caller& caller, JobId id, const JobResult& result, const ClaimRequest& next);
  // Ends every wait (long-polls, waiting claims) at once, and any started later: the process is
  // stopping.
  void Shutdown();

  // Housekeeping, run periodically: expired leases (requeue or fail), expired data, expired
  // job outputs. Returns how many things it changed.
  Result<std::int64_t> Sweep();

 private:
  Result<Job> VisibleJob(const Caller& caller, JobId id, ProjectRole needed) const;
  Status RequireCreatorOrManager(const Caller& caller, const Job& job) const;
  Status RequireWorker(const Caller& caller) const;
  Result<std::string> ResolveInputs(const Caller& caller, ProjectId project, const AnalyticDoc& doc,
                                    const std::string& given) const;
  Result<std::string> ResolveParameters(const Caller& caller, ProjectId project, const AnalyticDoc& doc,
                                        const std::string& given) const;
  // Runs a transition and, when it changed the job, wakes whoever waits on it.
  Result<Job> Change(JobId id, const catalog::Catalog::JobEdit& edit);
  void Changed(bool queued = false);

  // An analytic never changes once stored (a new version is a new row): its row and parsed
  // document are kept by id, for the claims, outputs and results of its every job.
  struct KnownAnalytic {
    Analytic analytic;
    AnalyticDoc doc;
  };
  Result<std::shared_ptr<const KnownAnalytic>> Known(AnalyticId id) const;

  catalog::Catalog& catalog_;
  blob::BlobStore& blobs_;
  const ProjectService& projects_;
  const ImageService& images_;
  const core::Clock& clock_;
  const JobOptions options_;
  // Every change to any job made through this service bumps the generation: waiters and idle
  // workers re-read. Changes made by other servers are seen by their periodic re-read.
  mutable std::mutex changes_mu_;
  mutable std::condition_variable changes_cv_;
  std::uint64_t generation_ = 0;
  // Bumped only when a job enters the queue: what waiting claimers wait for.
  std::uint64_t queue_generation_ = 0;
  bool shutting_down_ = false;
  mutable std::atomic<int> followers_ = 0;
  mutable std::mutex known_mu_;
  mutable std::unordered_map<std::int64_t, std::shared_ptr<const KnownAnalytic>> known_;
};

}  // namespace vitrine::service
