// JobSource and JobWorkspace on the service of this process.
#include <fstream>

#include "features/feature_table.h"
#include "service/service.h"
#include "wire/feature_json.h"
#include "worker/job_source.h"

namespace vitrine::worker {
namespace {

using service::Caller;

Status CopyToFile(core::ByteSource& source, const std::filesystem::path& destination) {
  std::ofstream out(destination, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Internal("cannot write " + destination.string());
  std::array<char, 1 << 16> buffer;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(buffer));
    if (n == 0) break;
    out.write(buffer.data(), static_cast<std::streamsize>(n));
  }
  out.close();
  if (!out) return Status::Internal("cannot write " + destination.string());
  return Status::Ok();
}

class ServiceWorkspace final : public JobWorkspace {
 public:
  ServiceWorkspace(service::Service& service, Caller as_job) : service_(service), as_job_(std::move(as_job)) {}

  Status DownloadImage(ImageId id, const std::filesystem::path& destination) override {
    VITRINE_ASSIGN_OR_RETURN(service::ImageFile file, service_.images().OpenFile(as_job_, id, {}));
    return CopyToFile(*file.body, destination);
  }
  Status DownloadData(DataId id, const std::filesystem::path& destination) override {
    VITRINE_ASSIGN_OR_RETURN(auto file, service_.jobs().OpenData(as_job_, id, {}));
    return CopyToFile(*file.body, destination);
  }
  Result<std::string> EnsurePyramid(ImageId id) override {
    VITRINE_ASSIGN_OR_RETURN(auto state, service_.images().EnsurePyramid(as_job_, id));
    return state.status;
  }
  Result<CreatedAnnotationRun> StoreAnnotationRun(const NewAnnotationRun& run) override {
    return service_.annotation_runs().Create(as_job_, run);
  }
  Status SetImageProperties(ImageId id, const std::map<std::string, std::string>& properties) override {
    catalog::ImageChanges changes;
    for (const auto& [k, v] : properties) changes.properties[k] = v;
    return service_.images().Update(as_job_, id, changes).status();
  }
  Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) override {
    VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, service_.features().Find(name));
    return wire::FeatureDescriptorFromJson(features::DescribeJson(descriptor->info()));
  }
  Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                       const FeatureOptions& options) override {
    VITRINE_ASSIGN_OR_RETURN(features::Table table,
                             service_.features().Extract(as_job_, name, service::FeatureRequestOf(resources, options)));
    return wire::FeatureTableFromJson(features::TableJson(table));
  }

 private:
  service::Service& service_;
  const Caller as_job_;
};

class ServiceSource final : public JobSource {
 public:
  ServiceSource(service::Service& service, std::string server_url)
      : service_(service), server_url_(std::move(server_url)) {}

  Result<std::optional<service::JobLease>> Claim(const service::ClaimRequest& request) override {
    return service_.jobs().ClaimWaiting(worker_, request);
  }
  FinishedAndClaimed FinishAndClaim(JobId id, const service::JobResult& result,
                                    const service::ClaimRequest& next) override {
    auto both = service_.jobs().FinishAndClaim(worker_, id, result, next);
    return {std::move(both.finished), std::move(both.next)};
  }
  Result<Job> Heartbeat(JobId id, const service::JobHeartbeat& beat) override {
    return service_.jobs().Heartbeat(worker_, id, beat);
  }
  Status AppendLog(JobId id, int attempt, std::string_view text) override {
    return service_.jobs().AppendLog(worker_, id, attempt, text);
  }
  Status PutOutput(JobId id, int attempt, const std::string& name, const std::string& filename,
                   const std::string& media_type, const std::filesystem::path& file) override {
    VITRINE_ASSIGN_OR_RETURN(auto pending,
                             service_.jobs().BeginOutput(worker_, id, attempt, name, filename, media_type));
    VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(file));
    std::array<char, 1 << 16> buffer;
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(std::size_t n, source->Read(buffer));
      if (n == 0) break;
      VITRINE_RETURN_IF_ERROR(pending->Write(std::string_view(buffer.data(), n)));
    }
    return pending->Finish().status();
  }
  Result<Job> Finish(JobId id, const service::JobResult& result) override {
    return service_.jobs().Finish(worker_, id, result);
  }
  Status FetchBundle(const Analytic& analytic, const std::filesystem::path& destination) override {
    VITRINE_ASSIGN_OR_RETURN(auto bundle, service_.jobs().OpenBundle(worker_, analytic.id));
    return CopyToFile(*bundle.body, destination);
  }
  Result<std::unique_ptr<JobWorkspace>> Workspace(const service::JobLease& lease) override {
    if (!lease.job.created_by.valid()) return Status::PermissionDenied("the job's creator no longer exists");
    VITRINE_ASSIGN_OR_RETURN(User creator, service_.users().Get(worker_, lease.job.created_by));
    return std::unique_ptr<JobWorkspace>(
        new ServiceWorkspace(service_, Caller::ForJob(std::move(creator), lease.job.project_id)));
  }
  std::string server_url() const override { return server_url_; }

 private:
  service::Service& service_;
  const std::string server_url_;
  const Caller worker_ = Caller::LocalOperator();
};

}  // namespace

std::unique_ptr<JobSource> ServiceJobSource(service::Service& service, std::string server_url) {
  return std::make_unique<ServiceSource>(service, std::move(server_url));
}

}  // namespace vitrine::worker
