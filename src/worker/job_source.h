// Where a worker gets jobs and reports on them, and how an analytic reaches the project it works
// on. Two of each: the service itself (workers inside a Vitrine process, or `vitrine worker
// --data`) and a server over HTTP (`vitrine worker --server URL`, anywhere that reaches it).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/service.h"
#include "vitrine/credentials.h"
#include "vitrine/features.h"
#include "vitrine/jobs.h"
#include "vitrine/requests.h"

namespace vitrine::worker {

// Project content as the job sees it: acting as the job's creator, on the job's project only.
class JobWorkspace {
 public:
  virtual ~JobWorkspace() = default;
  virtual Status DownloadImage(ImageId id, const std::filesystem::path& destination) = 0;
  virtual Status DownloadData(DataId id, const std::filesystem::path& destination) = 0;
  // Builds the image's viewing pyramid if it needs one; the pyramid status after.
  virtual Result<std::string> EnsurePyramid(ImageId id) = 0;
  virtual Result<CreatedAnnotationRun> StoreAnnotationRun(const NewAnnotationRun& run) = 0;
  virtual Status SetImageProperties(ImageId id, const std::map<std::string, std::string>& properties) = 0;
  virtual Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) = 0;
  virtual Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                               const FeatureOptions& options) = 0;
};

// A job's reported result and the next claim, from one exchange.
struct FinishedAndClaimed {
  Result<Job> finished;
  Result<std::optional<service::JobLease>> next;
};

class JobSource {
 public:
  virtual ~JobSource() = default;
  // A queued job of the request's analytics, waiting up to request.wait for one; nullopt if none.
  virtual Result<std::optional<service::JobLease>> Claim(const service::ClaimRequest& request) = 0;
  virtual Result<Job> Heartbeat(JobId id, const service::JobHeartbeat& beat) = 0;
  virtual Status AppendLog(JobId id, int attempt, std::string_view text) = 0;
  virtual Status PutOutput(JobId id, int attempt, const std::string& name, const std::string& filename,
                           const std::string& media_type, const std::filesystem::path& file) = 0;
  virtual Result<Job> Finish(JobId id, const service::JobResult& result) = 0;
  // Finish, then Claim: one round trip where the source is remote. The result is reported
  // before the claim is made, and a refused result (a stale attempt) does not stop the claim.
  virtual FinishedAndClaimed FinishAndClaim(JobId id, const service::JobResult& result,
                                            const service::ClaimRequest& next) {
    auto finished = Finish(id, result);
    return {std::move(finished), Claim(next)};
  }
  // An external analytic's bundle, written to `destination`.
  virtual Status FetchBundle(const Analytic& analytic, const std::filesystem::path& destination) = 0;
  virtual Result<std::unique_ptr<JobWorkspace>> Workspace(const service::JobLease& lease) = 0;
  // The URL external analytics reach the server at (with the lease's token); empty if none.
  virtual std::string server_url() const = 0;
};

// The service in this process; `server_url` is where this process serves HTTP, if it does.
std::unique_ptr<JobSource> ServiceJobSource(service::Service& service, std::string server_url);

// A Vitrine server over HTTP, with the worker's own credentials (a user with the worker
// capability, or an administrator).
Result<std::unique_ptr<JobSource>> HttpJobSource(const Credentials& credentials);

}  // namespace vitrine::worker
