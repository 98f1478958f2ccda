// LocalClient: the Client interface served in-process by the service layer over a data folder,
// with the same permission checks and error codes a server would apply.
#include "client/local_client.h"

#include <fstream>
#include <functional>

#include "app/data_dir.h"
#include "app/process.h"
#include "client/save_file.h"
#include "client/tuboid_folder.h"
#include "core/digest.h"
#include "features/feature_table.h"
#include "interchange/annotation_geojson.h"
#include "service/job_service.h"
#include "vitrine/client.h"
#include "wire/feature_json.h"

namespace vitrine {
namespace {

using service::Caller;

// Reports how much of a file the service has read so far.
class ProgressSource final : public core::ByteSource {
 public:
  ProgressSource(core::ByteSource& inner, const TransferProgress& progress) : inner_(inner), progress_(progress) {}
  Result<std::size_t> Read(std::span<char> buffer) override {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, inner_.Read(buffer));
    done_ += static_cast<std::int64_t>(n);
    if (progress_ && n > 0) progress_(done_);
    return n;
  }
  std::int64_t size_hint() const override { return inner_.size_hint(); }

 private:
  core::ByteSource& inner_;
  const TransferProgress& progress_;
  std::int64_t done_ = 0;
};

// Copies `body` to `destination` through a temp file beside it, renamed into place only when
// the bytes match `sha256`: a reader never sees a partial or damaged file.
Status SaveVerified(core::ByteSource& body, const std::string& sha256, const std::filesystem::path& destination,
                    const TransferProgress& progress, const std::string& what) {
  auto part = destination;
  part += ".part";
  core::Digest digest(core::DigestKind::kSha256);
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Internal("cannot write " + part.string());
    std::vector<char> chunk(1 << 20);
    std::int64_t written = 0;
    while (true) {
      auto n = body.Read(chunk);
      if (!n.ok()) {
        out.close();
        std::filesystem::remove(part);
        return n.status();
      }
      if (*n == 0) break;
      written += static_cast<std::int64_t>(*n);
      if (progress) progress(written);
      digest.Update(std::string_view(chunk.data(), *n));
      out.write(chunk.data(), static_cast<std::streamsize>(*n));
    }
    if (!out) return Status::Internal("cannot write " + part.string());
  }
  if (digest.FinishHex() != sha256) {
    std::filesystem::remove(part);
    return Status::Internal(what + " does not match its SHA-256");
  }
  std::error_code ec;
  std::filesystem::rename(part, destination, ec);
  if (ec) return Status::Internal("cannot write " + destination.string() + ": " + ec.message());
  return Status::Ok();
}

// The log chunks after `after_seq` as one piece of text and the sequence number to read on from.
JobLog JoinLog(const std::vector<catalog::Catalog::LogChunk>& chunks, std::int64_t after_seq) {
  JobLog log{"", after_seq};
  for (const auto& chunk : chunks) {
    log.text += chunk.text;
    log.next_seq = chunk.seq;
  }
  return log;
}

class LocalClient final : public Client {
 public:
  LocalClient(std::unique_ptr<app::OpenedStore> store, std::optional<UserId> as_user)
      : store_(std::move(store)), as_user_(as_user) {}

  Result<User> CurrentUser() override {
    VITRINE_ASSIGN_OR_RETURN(Caller caller, Who());
    if (!caller.user()) return Status::NotFound("this client acts as the data folder's owner, not as a user");
    return *caller.user();
  }
  Result<User> GetUser(UserId id) override {
    return With([&](const Caller& c) { return users().Get(c, id); });
  }
  Result<User> FindUser(std::string_view username) override {
    return With([&](const Caller& c) { return users().FindByUsername(c, username); });
  }
  Result<Page<User>> ListUsers(const PageRequest& page) override {
    return With([&](const Caller& c) { return users().List(c, page); });
  }
  Result<User> CreateUser(const NewUser& u) override {
    return With([&](const Caller& c) { return users().Create(c, u); });
  }
  Result<User> UpdateUser(UserId id, const UserUpdate& u) override {
    return With([&](const Caller& c) { return users().Update(c, id, u); });
  }
  Result<NewApiKey> CreateApiKey(std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(UserId subject, Subject(c, user));
    return users().CreateApiKey(c, subject);
  }
  Result<std::vector<ApiKey>> ListApiKeys(std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(UserId subject, Subject(c, user));
    return users().ListApiKeys(c, subject);
  }
  Status RevokeApiKey(ApiKeyId id, std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(UserId subject, Subject(c, user));
    return users().RevokeApiKey(c, subject, id);
  }
  Result<NewBearerToken> CreateToken(std::optional<std::chrono::seconds> lifetime,
                                     std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(UserId subject, Subject(c, user));
    return users().IssueToken(c, subject, lifetime);
  }

  Result<Project> CreateProject(const std::string& name, const std::string& description,
                                std::optional<UserId> owner) override {
    return With([&](const Caller& c) { return projects().Create(c, {name, description}, owner); });
  }
  Result<Project> GetProject(ProjectId id) override {
    return With([&](const Caller& c) { return projects().Get(c, id); });
  }
  Result<Project> UpdateProject(ProjectId id, const ProjectUpdate& u) override {
    return With([&](const Caller& c) { return projects().Update(c, id, u); });
  }
  Status DeleteProject(ProjectId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return projects().Delete(c, id);
  }
  Result<Page<Project>> ListProjects(const PageRequest& page, const ProjectFilter& filter) override {
    return With([&](const Caller& c) { return projects().List(c, filter, page); });
  }
  Result<std::vector<ProjectMember>> ListMembers(ProjectId project) override {
    return With([&](const Caller& c) { return projects().ListMembers(c, project); });
  }
  Result<ProjectMember> SetMember(ProjectId project, UserId user, ProjectRole role) override {
    return With([&](const Caller& c) { return projects().PutMember(c, project, user, role); });
  }
  Status RemoveMember(ProjectId project, UserId user) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return projects().RemoveMember(c, project, user);
  }

  Result<UploadResult> UploadImage(ProjectId project, const std::filesystem::path& file,
                                   const UploadOptions& options) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(auto file_source, core::FileSource::Open(file));
    ProgressSource source(*file_source, options.progress);
    std::string name = options.filename.empty() ? file.filename().string() : options.filename;
    VITRINE_ASSIGN_OR_RETURN(service::IngestOutcome outcome,
                             images().Upload(c, {project, name, options.properties}, source));
    return UploadResult{std::move(outcome.image), outcome.created};
  }
  Result<Image> GetImage(ImageId id) override {
    return With([&](const Caller& c) { return images().Get(c, id); });
  }
  Result<Page<Image>> ListImages(ProjectId project, const ImageFilter& filter, const PageRequest& page) override {
    return With([&](const Caller& c) { return images().List(c, project, filter, page); });
  }
  Result<Page<Image>> ListImagesAcrossProjects(const ImageFilter& filter, const PageRequest& page) override {
    return With([&](const Caller& c) { return images().ListAcrossProjects(c, filter, page); });
  }
  Result<Image> UpdateImage(ImageId id, const ImageUpdate& u) override {
    return With([&](const Caller& c) { return images().Update(c, id, u); });
  }
  Status DeleteImage(ImageId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return images().Delete(c, id);
  }
  Status DownloadImage(ImageId id, const std::filesystem::path& destination,
                       const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(service::ImageFile file, images().OpenFile(c, id, {}));
    return SaveVerified(*file.body, file.image.sha256, destination, progress, "image " + std::to_string(id.value()));
  }
  Result<std::string> Thumbnail(ImageId id, int max_size, std::string_view format) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(service::EncodedImage thumb, images().Thumbnail(c, id, max_size, format));
    return std::move(thumb.bytes);
  }
  Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                          const std::vector<std::string>& sha256s) override {
    return With([&](const Caller& c) { return images().FindByHash(c, project, sha256s); });
  }

  Result<Ontology> CreateOntology(const std::string& name) override {
    return With([&](const Caller& c) { return ontologies().Create(c, name); });
  }
  Result<Ontology> GetOntology(OntologyId id) override {
    return With([&](const Caller& c) { return ontologies().Get(c, id); });
  }
  Result<Page<Ontology>> ListOntologies(const PageRequest& page) override {
    return With([&](const Caller& c) { return ontologies().List(c, page); });
  }
  Status DeleteOntology(OntologyId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return ontologies().Delete(c, id);
  }
  Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) override {
    return With([&](const Caller& c) { return ontologies().CreateTerm(c, ontology, term); });
  }
  Result<Term> UpdateTerm(TermId id, const TermUpdate& update) override {
    return With([&](const Caller& c) { return ontologies().UpdateTerm(c, id, update); });
  }
  Status DeleteTerm(TermId id, bool detach) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return ontologies().DeleteTerm(c, id, detach);
  }
  Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) override {
    return With([&](const Caller& c) { return ontologies().ProjectOntology(c, project); });
  }
  Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return ontologies().SetProjectOntology(c, project, ontology);
  }

  Result<std::vector<AnnotationId>> CreateAnnotations(const std::vector<NewAnnotation>& batch) override {
    return With([&](const Caller& c) { return annotations().Create(c, batch); });
  }
  Result<Annotation> GetAnnotation(AnnotationId id, const AnnotationView& view) override {
    return With([&](const Caller& c) { return annotations().Get(c, id, view); });
  }
  Result<Page<Annotation>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page,
                                           const AnnotationView& view) override {
    return With([&](const Caller& c) { return annotations().List(c, filter, page, view); });
  }
  Status DeleteAnnotation(AnnotationId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return annotations().Delete(c, id);
  }
  Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter, bool dry_run) override {
    return With([&](const Caller& c) { return annotations().DeleteMatching(c, filter, dry_run); });
  }

  Result<std::string> ExportAnnotations(const AnnotationFilter& filter) override {
    return With([&](const Caller& c) { return interchange::ExportGeoJson(*store_->service, c, filter); });
  }
  Result<std::vector<AnnotationId>> ImportAnnotations(ImageId image, const std::string& collection,
                                                      bool repair) override {
    return With(
        [&](const Caller& c) { return interchange::ImportGeoJson(*store_->service, c, image, collection, repair); });
  }

  Result<CreatedAnnotationRun> CreateAnnotationRun(const NewAnnotationRun& run) override {
    return With([&](const Caller& c) { return runs().Create(c, run); });
  }
  Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) override {
    return With([&](const Caller& c) { return runs().Get(c, id); });
  }
  Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter, const PageRequest& page) override {
    return With([&](const Caller& c) { return runs().List(c, filter, page); });
  }
  Status DeleteAnnotationRun(AnnotationRunId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return runs().Delete(c, id);
  }

  Result<Tuboid> UploadTuboid(ProjectId project, const std::filesystem::path& folder,
                              const TuboidSeries& series) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(client::TuboidFolder files,
                             client::ReadTuboidFolder(folder, service::TuboidService::kMaxShotsBytes));
    service::TuboidService& tuboids = store_->service->tuboids();
    service::NewTuboid tuboid{series, files.name, files.shots, {}, {}};
    tuboid.series.project_id = project;
    std::vector<ImageId> ingested;
    Result<Tuboid> stored = [&]() -> Result<Tuboid> {
      for (bool tiles : {true, false}) {
        VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(tiles ? files.tiles : files.context));
        VITRINE_ASSIGN_OR_RETURN(auto upload, tuboids.BeginImage(c, project, tiles));
        VITRINE_RETURN_IF_ERROR(Pump(*source, {}, [&](std::string_view bytes) { return upload->Write(bytes); }));
        VITRINE_ASSIGN_OR_RETURN((tiles ? tuboid.tiles_image_id : tuboid.context_image_id),
                                 tuboids.FinishImage(*upload, tiles, ingested));
      }
      return tuboids.Create(c, tuboid);
    }();
    if (!stored.ok()) tuboids.Discard(ingested);  // a refused tuboid leaves no image
    return stored;
  }
  Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter, const PageRequest& page) override {
    return With([&](const Caller& c) { return store_->service->tuboids().List(c, filter, page); });
  }
  Result<Tuboid> GetTuboid(TuboidId id) override {
    return With([&](const Caller& c) { return store_->service->tuboids().Get(c, id); });
  }
  Result<ItcLabel> LabelTuboid(TuboidId id, const ItcLabel& label) override {
    ItcLabel on = label;
    on.tuboid_id = id;
    return With([&](const Caller& c) { return store_->service->tuboids().CreateLabel(c, on); });
  }
  Status DeleteTuboidSeries(TuboidSeriesId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return store_->service->tuboids().DeleteSeries(c, id);
  }

  Result<std::vector<Analytic>> ListAnalytics(bool all_versions) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(std::vector<Analytic> found, jobs().ListAnalytics(c, all_versions));
    for (auto& a : found) a.doc.clear();  // as a server lists them
    return found;
  }
  Result<Analytic> GetAnalytic(AnalyticId id) override {
    return With([&](const Caller& c) { return jobs().GetAnalytic(c, id); });
  }
  Result<std::string> GetAnalyticDoc(AnalyticId id) override {
    VITRINE_ASSIGN_OR_RETURN(Analytic a, GetAnalytic(id));
    return std::move(a.doc);
  }
  Result<Analytic> RegisterAnalytic(const std::filesystem::path& bundle) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_RETURN_IF_ERROR(core::FileSource::Open(bundle).status());  // missing: kNotFound, as remotely
    return jobs().RegisterAnalytic(c, bundle);
  }
  Status DeleteAnalytic(AnalyticId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return jobs().DeleteAnalytic(c, id);
  }

  Result<DataFile> UploadData(const std::filesystem::path& file, const NewDataFile& data,
                              const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(file));
    NewDataFile request = data;
    if (request.name.empty()) request.name = file.filename().string();
    VITRINE_ASSIGN_OR_RETURN(auto pending, jobs().BeginData(c, request, source->size_hint()));
    VITRINE_RETURN_IF_ERROR(Pump(*source, progress, [&](std::string_view bytes) { return pending->Write(bytes); }));
    return pending->Finish();
  }
  Result<DataFile> GetData(DataId id) override {
    return With([&](const Caller& c) { return jobs().GetData(c, id); });
  }
  Result<Page<DataFile>> ListData(const DataFilter& filter, const PageRequest& page) override {
    return With([&](const Caller& c) { return jobs().ListData(c, filter, page); });
  }
  Status DownloadData(DataId id, const std::filesystem::path& destination, const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(service::JobService::OpenedFile file, jobs().OpenData(c, id, {}));
    return SaveVerified(*file.body, file.sha256, destination, progress, "data " + std::to_string(id.value()));
  }
  Result<DataFile> SetDataExpiry(DataId id, std::optional<Timestamp> expires_at) override {
    return With([&](const Caller& c) { return jobs().SetDataExpiry(c, id, expires_at); });
  }
  Status DeleteData(DataId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return jobs().DeleteData(c, id);
  }

  Result<Job> CreateJob(const NewJob& job) override {
    return With([&](const Caller& c) { return jobs().Create(c, job); });
  }
  Result<Job> GetJob(JobId id) override {
    return With([&](const Caller& c) { return jobs().Get(c, id); });
  }
  Result<Page<Job>> ListJobs(const JobFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(Page<Job> found, jobs().List(c, filter, page));
    for (auto& j : found.items) j.messages.clear();  // as a server lists them
    return found;
  }
  Result<Job> StartJob(JobId id) override {
    return With([&](const Caller& c) { return jobs().Start(c, id); });
  }
  Result<Job> KillJob(JobId id) override {
    return With([&](const Caller& c) { return jobs().Kill(c, id); });
  }
  Result<Job> ArchiveJob(JobId id, bool archived) override {
    return With([&](const Caller& c) { return jobs().SetArchived(c, id, archived); });
  }
  Status DeleteJob(JobId id) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return jobs().Delete(c, id);
  }
  Result<Job> WaitForJob(JobId id, std::chrono::seconds timeout) override {
    return With([&](const Caller& c) { return jobs().Wait(c, id, timeout); });
  }
  Result<JobLog> ReadJobLog(JobId id, std::int64_t after_seq) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(auto chunks, jobs().ReadLog(c, id, after_seq, kLogReadBytes));
    return JoinLog(chunks, after_seq);
  }
  Status DownloadJobOutput(JobId id, std::string_view name, const std::filesystem::path& destination,
                           const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    VITRINE_ASSIGN_OR_RETURN(service::JobService::OpenedFile file, jobs().OpenOutput(c, id, name, {}));
    return SaveVerified(*file.body, file.sha256, destination, progress,
                        "output '" + std::string(name) + "' of job " + std::to_string(id.value()));
  }

  // Through the JSON a server would send, so that both clients give the same values.
  Result<std::vector<FeatureDescriptor>> ListFeatureDescriptors() override {
    VITRINE_RETURN_IF_ERROR(Who().status());
    std::vector<FeatureDescriptor> all;
    for (const auto& d : features::Catalogue()) {
      VITRINE_ASSIGN_OR_RETURN(FeatureDescriptor one,
                               wire::FeatureDescriptorFromJson(features::DescribeJson(d->info())));
      all.push_back(std::move(one));
    }
    return all;
  }
  Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) override {
    VITRINE_RETURN_IF_ERROR(Who().status());
    VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* d, store_->service->features().Find(name));
    return wire::FeatureDescriptorFromJson(features::DescribeJson(d->info()));
  }
  Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                       const FeatureOptions& options) override {
    VITRINE_ASSIGN_OR_RETURN(features::Table table, Extract(name, resources, options));
    return wire::FeatureTableFromJson(features::TableJson(table));
  }
  Status ExportFeatures(std::string_view name, const std::vector<FeatureResource>& resources, FeatureFormat format,
                        const std::filesystem::path& destination, const FeatureOptions& options) override {
    VITRINE_ASSIGN_OR_RETURN(features::Table table, Extract(name, resources, options));
    VITRINE_ASSIGN_OR_RETURN(std::string bytes, features::EncodeTable(table, format));
    return client::SaveBytes(bytes, destination);
  }

 private:
  Result<features::Table> Extract(std::string_view name, const std::vector<FeatureResource>& resources,
                                  const FeatureOptions& options) {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    const service::FeatureRequest request = service::FeatureRequestOf(resources, options);
    return store_->service->features().Extract(c, name, request);
  }

  // What one log read returns at most: the server's limit for GET /jobs/{id}/log.
  static constexpr std::size_t kLogReadBytes = 8u << 20;

  // Reads `source` to the end into `write`, reporting the bytes moved so far.
  static Status Pump(core::ByteSource& source, const TransferProgress& progress,
                     const std::function<Status(std::string_view)>& write) {
    std::vector<char> chunk(1 << 20);
    std::int64_t done = 0;
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(chunk));
      if (n == 0) return Status::Ok();
      VITRINE_RETURN_IF_ERROR(write(std::string_view(chunk.data(), n)));
      done += static_cast<std::int64_t>(n);
      if (progress) progress(done);
    }
  }

  service::JobService& jobs() { return store_->service->jobs(); }
  service::AnnotationService& annotations() { return store_->service->annotations(); }
  service::AnnotationRunService& runs() { return store_->service->annotation_runs(); }
  service::OntologyService& ontologies() { return store_->service->ontologies(); }
  service::UserService& users() { return store_->service->users(); }
  service::ProjectService& projects() { return store_->service->projects(); }
  service::ImageService& images() { return store_->service->images(); }

  // The acting user is read again on every call, so a disabled account stops working at once.
  Result<Caller> Who() {
    if (!as_user_) return Caller::LocalOperator();
    auto user = store_->catalog->GetUser(*as_user_);
    if (!user.ok()) return Status::Unauthenticated("the account this client acts as is gone");
    if (!user->user.enabled) return Status::Unauthenticated("account disabled");
    return Caller::ForUser(std::move(user->user));
  }

  // The user a credentials call is about: the one named, else the acting user. Acting as the
  // folder's owner, who has no credentials of their own, a user must be named.
  static Result<UserId> Subject(const Caller& c, std::optional<UserId> user) {
    if (user) return *user;
    if (!c.user()) {
      return Status::InvalidArgument(
          "name a user: this client acts as the data folder's owner, who has no credentials");
    }
    return c.user_id();
  }

  template <class Fn>
  auto With(Fn fn) -> decltype(fn(std::declval<const Caller&>())) {
    VITRINE_ASSIGN_OR_RETURN(Caller c, Who());
    return fn(c);
  }

  std::unique_ptr<app::OpenedStore> store_;
  std::optional<UserId> as_user_;
};

}  // namespace

Result<std::unique_ptr<Client>> client::OpenLocalStore(const app::StoreLocation& location, const std::string& as_user) {
  // A program embedding a store has no Vitrine main to start libvips: this is its entry point.
  VITRINE_RETURN_IF_ERROR(app::StartProcessLibraries("vitrine-client"));
  VITRINE_ASSIGN_OR_RETURN(auto store, app::OpenStore(location));
  std::optional<UserId> user;
  if (!as_user.empty()) {
    auto found = store->catalog->FindUserByUsername(as_user);
    if (!found.ok()) return Status::NotFound("no user '" + as_user + "' in " + location.data_dir.string());
    user = found->user.id;
  }
  return std::unique_ptr<Client>(new LocalClient(std::move(store), user));
}

Result<std::unique_ptr<Client>> OpenLocal(const std::filesystem::path& data_dir, const std::string& as_user) {
  return client::OpenLocalStore(app::StoreLocation{data_dir, "", ""}, as_user);
}

}  // namespace vitrine
