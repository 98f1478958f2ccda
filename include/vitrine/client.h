// The Vitrine client: one interface, two implementations.
//
//   auto local  = vitrine::Connect("file:///srv/vitrine-data");          // in-process, no server
//   auto remote = vitrine::Connect("http://127.0.0.1:8080", credentials); // over HTTP
//
// The same program runs against either. Every call returns a Result or Status carrying the
// server's error code (kNotFound, kPermissionDenied, ...); nothing throws. Implementations are
// safe for concurrent use from several threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitrine/credentials.h"
#include "vitrine/features.h"
#include "vitrine/jobs.h"
#include "vitrine/requests.h"
#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine {

// Called with the bytes moved so far for one file. A retried transfer starts again from 0.
using TransferProgress = std::function<void(std::int64_t bytes)>;

struct UploadOptions {
  std::string filename{};  // default: the file's own name
  Properties properties{};
  TransferProgress progress{};
};

// `created` is false when the project already held the same content: `image` is that image.
struct UploadResult {
  Image image;
  bool created = true;
};

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// What a client tells about its work. kError (the default) keeps it quiet but for failures
// after every retry; kWarning adds retries; kInfo a line per request; kDebug request and
// response bodies (cut at 1 KiB). Lines go to `sink`, or to stderr.
struct ClientOptions {
  LogLevel verbosity = LogLevel::kError;
  std::function<void(LogLevel, std::string_view)> sink;
};

class Client {
 public:
  virtual ~Client() = default;

  // Users and credentials.
  virtual Result<User> CurrentUser() = 0;
  virtual Result<User> GetUser(UserId id) = 0;
  // kNotFound when there is no such user; only administrators may look up others.
  virtual Result<User> FindUser(std::string_view username) = 0;
  virtual Result<Page<User>> ListUsers(const PageRequest& page = {}) = 0;
  virtual Result<User> CreateUser(const NewUser& user) = 0;
  virtual Result<User> UpdateUser(UserId id, const UserUpdate& update) = 0;
  // Credentials of the current user, or (for an administrator) of `user`.
  virtual Result<NewApiKey> CreateApiKey(std::optional<UserId> user = std::nullopt) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(std::optional<UserId> user = std::nullopt) = 0;
  virtual Status RevokeApiKey(ApiKeyId id, std::optional<UserId> user = std::nullopt) = 0;
  virtual Result<NewBearerToken> CreateToken(std::optional<std::chrono::seconds> lifetime = std::nullopt,
                                             std::optional<UserId> user = std::nullopt) = 0;

  // Projects and members.
  // The caller becomes the manager; an administrator (or a data folder's owner) may name
  // another `owner` instead.
  virtual Result<Project> CreateProject(const std::string& name, const std::string& description = "",
                                        std::optional<UserId> owner = std::nullopt) = 0;
  virtual Result<Project> GetProject(ProjectId id) = 0;
  virtual Result<Project> UpdateProject(ProjectId id, const ProjectUpdate& update) = 0;
  virtual Status DeleteProject(ProjectId id) = 0;
  virtual Result<Page<Project>> ListProjects(const PageRequest& page = {}, const ProjectFilter& filter = {}) = 0;
  virtual Result<std::vector<ProjectMember>> ListMembers(ProjectId project) = 0;
  virtual Result<ProjectMember> SetMember(ProjectId project, UserId user, ProjectRole role) = 0;
  virtual Status RemoveMember(ProjectId project, UserId user) = 0;

  // Images.
  virtual Result<UploadResult> UploadImage(ProjectId project, const std::filesystem::path& file,
                                           const UploadOptions& options = {}) = 0;
  virtual Result<Image> GetImage(ImageId id) = 0;
  virtual Result<Page<Image>> ListImages(ProjectId project, const ImageFilter& filter = {},
                                         const PageRequest& page = {}) = 0;
  // Across every project the caller can read: device series, time windows.
  virtual Result<Page<Image>> ListImagesAcrossProjects(const ImageFilter& filter = {},
                                                       const PageRequest& page = {}) = 0;
  virtual Result<Image> UpdateImage(ImageId id, const ImageUpdate& update) = 0;
  virtual Status DeleteImage(ImageId id) = 0;
  // Writes the original file to `destination` (via a temp file, checked against its SHA-256).
  virtual Status DownloadImage(ImageId id, const std::filesystem::path& destination,
                               const TransferProgress& progress = {}) = 0;
  // The encoded thumbnail: longest side `max_size`, format "jpg", "png" or "webp".
  virtual Result<std::string> Thumbnail(ImageId id, int max_size = 256, std::string_view format = "jpg") = 0;
  virtual Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                                  const std::vector<std::string>& sha256s) = 0;

  // Ontologies and terms. A project's annotations take terms from the project's ontology.
  virtual Result<Ontology> CreateOntology(const std::string& name) = 0;
  virtual Result<Ontology> GetOntology(OntologyId id) = 0;
  virtual Result<Page<Ontology>> ListOntologies(const PageRequest& page = {}) = 0;
  virtual Status DeleteOntology(OntologyId id) = 0;
  virtual Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) = 0;
  virtual Result<Term> UpdateTerm(TermId id, const TermUpdate& update) = 0;
  // kConflict while annotations carry the term, unless `detach` takes it off them first.
  virtual Status DeleteTerm(TermId id, bool detach = false) = 0;
  virtual Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) = 0;
  virtual Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) = 0;

  // Annotations. CreateAnnotations stores all or none (one transaction), ids in input order.
  virtual Result<std::vector<AnnotationId>> CreateAnnotations(const std::vector<NewAnnotation>& annotations) = 0;
  virtual Result<Annotation> GetAnnotation(AnnotationId id, const AnnotationView& view = {}) = 0;
  // The filter names a project or images. page.limit 0 counts without rows; at most 10,000.
  virtual Result<Page<Annotation>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page = {},
                                                   const AnnotationView& view = {}) = 0;
  virtual Status DeleteAnnotation(AnnotationId id) = 0;
  // Deletes every match (managers), or with `dry_run` counts them; returns how many.
  virtual Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter, bool dry_run = false) = 0;
  // A GeoJSON FeatureCollection of every match (terms by name), and the reverse: every feature
  // of `collection` becomes an annotation on `image` (one transaction), terms looked up by name.
  virtual Result<std::string> ExportAnnotations(const AnnotationFilter& filter) = 0;
  virtual Result<std::vector<AnnotationId>> ImportAnnotations(ImageId image, const std::string& collection,
                                                              bool repair = false) = 0;

  // Annotation runs: one algorithm version's results on one image, stored all or nothing, at
  // most one per (image, algorithm, version): kConflict unless `run.replace`. Listed in order
  // of the image's capture time; without a project or images, across every readable project.
  virtual Result<CreatedAnnotationRun> CreateAnnotationRun(const NewAnnotationRun& run) = 0;
  virtual Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) = 0;
  virtual Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter = {},
                                                         const PageRequest& page = {}) = 0;
  // Deletes the run and its annotations.
  virtual Status DeleteAnnotationRun(AnnotationRunId id) = 0;

  // Tuboids (Sticky Pi's tracked insects), each with its ITC labels. Listed by series start,
  // then index, without their shots (GetTuboid has them); without a project, across every
  // readable project. UploadTuboid sends a tuboid as Sticky Pi's matcher writes it: `folder`,
  // named after the tuboid ("<device>.<start>.<end>.<algorithm version>.<NNNN>"), holds
  // metadata.txt (its shots), tuboid.jpg and context.jpg; `series` names its series (device,
  // start, end, algorithm, algorithm_version, n_images, n_tuboids). kConflict when the name is
  // stored, the series is full or an image's bytes are in the project already; a refused
  // tuboid leaves no image.
  virtual Result<Tuboid> UploadTuboid(ProjectId project, const std::filesystem::path& folder,
                                      const TuboidSeries& series) = 0;
  virtual Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter = {}, const PageRequest& page = {}) = 0;
  virtual Result<Tuboid> GetTuboid(TuboidId id) = 0;
  // kConflict when the tuboid has a label of that algorithm and version.
  virtual Result<ItcLabel> LabelTuboid(TuboidId id, const ItcLabel& label) = 0;
  // The series with its tuboids, their labels and their images (a manager's right).
  virtual Status DeleteTuboidSeries(TuboidSeriesId id) = 0;

  // Analytics: what jobs can run. Listings (latest version of each, or every version) leave
  // `doc` empty; GetAnalytic fills it. Registering a bundle (a .tar.gz holding analytic.json
  // and an entry point) and deleting need an administrator; built-ins cannot be deleted
  // (kInvalidArgument), nor can analytics that jobs use (kConflict).
  virtual Result<std::vector<Analytic>> ListAnalytics(bool all_versions = false) = 0;
  virtual Result<Analytic> GetAnalytic(AnalyticId id) = 0;
  virtual Result<std::string> GetAnalyticDoc(AnalyticId id) = 0;  // the analytic document, JSON
  virtual Result<Analytic> RegisterAnalytic(const std::filesystem::path& bundle) = 0;
  virtual Status DeleteAnalytic(AnalyticId id) = 0;

  // Data files: stored files that are not images (models, tables, job inputs). `data.name`
  // defaults to the file's own name. Expired data answers kNotFound until the sweep deletes it.
  virtual Result<DataFile> UploadData(const std::filesystem::path& file, const NewDataFile& data,
                                      const TransferProgress& progress = {}) = 0;
  virtual Result<DataFile> GetData(DataId id) = 0;
  virtual Result<Page<DataFile>> ListData(const DataFilter& filter = {}, const PageRequest& page = {}) = 0;
  // Writes the file to `destination` (via a temp file, checked against its SHA-256).
  virtual Status DownloadData(DataId id, const std::filesystem::path& destination,
                              const TransferProgress& progress = {}) = 0;
  // nullopt keeps the file until it is deleted.
  virtual Result<DataFile> SetDataExpiry(DataId id, std::optional<Timestamp> expires_at) = 0;
  virtual Status DeleteData(DataId id) = 0;

  // Jobs. CreateJob checks every input and parameter against the analytic's document
  // (kInvalidArgument naming the field). Listings leave `messages` empty; GetJob has them.
  // Starting a job that is not READY, or killing one that is not QUEUED, SCHEDULED or RUNNING,
  // is kConflict; only the creator or a project manager kills, archives and deletes.
  virtual Result<Job> CreateJob(const NewJob& job) = 0;
  virtual Result<Job> GetJob(JobId id) = 0;
  virtual Result<Page<Job>> ListJobs(const JobFilter& filter = {}, const PageRequest& page = {}) = 0;
  virtual Result<Job> StartJob(JobId id) = 0;
  virtual Result<Job> KillJob(JobId id) = 0;  // FAILED with failure type USER
  virtual Result<Job> ArchiveJob(JobId id, bool archived = true) = 0;
  virtual Status DeleteJob(JobId id) = 0;  // READY or finished jobs only (kConflict otherwise)
  // One long-poll: the job as soon as it changes (state, progress or a message), or as it is
  // once `timeout` passes (the server caps it, 60 s by default). A finished job comes at once.
  virtual Result<Job> WaitForJob(JobId id, std::chrono::seconds timeout) = 0;
  // The log written after `after_seq` (0: from the start), up to 8 MiB at a time.
  virtual Result<JobLog> ReadJobLog(JobId id, std::int64_t after_seq = 0) = 0;
  // Writes the output `name` to `destination` (via a temp file, checked against its SHA-256).
  virtual Status DownloadJobOutput(JobId id, std::string_view name, const std::filesystem::path& destination,
                                   const TransferProgress& progress = {}) = 0;

  // Feature descriptors (docs/features.md). kNotFound for a name not in the catalogue.
  virtual Result<std::vector<FeatureDescriptor>> ListFeatureDescriptors() = 0;
  virtual Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) = 0;
  // The descriptor over each resource, rows in request order; a resource that cannot be
  // described is a row with its status (404 for an image the caller may not read), not an error.
  virtual Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                               const FeatureOptions& options = {}) = 0;
  // The same table written to `destination` as the server writes it (HDF5 in BisQue's layout,
  // CSV or JSON), through a temp file renamed into place.
  virtual Status ExportFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                FeatureFormat format, const std::filesystem::path& destination,
                                const FeatureOptions& options = {}) = 0;
};

// Waits for a job to finish (COMPLETE or FAILED) by repeated WaitForJob, calling `progress` with
// the job each time it changes. Returns the finished job (a FAILED job is a result, not an
// error); kUnavailable naming the job's state when `timeout` passes first.
Result<Job> WaitUntilFinished(Client& client, JobId id, std::chrono::seconds timeout,
                              std::function<void(const Job&)> progress = {});

// In-process over a data folder ("file:///path" or a plain path). `as_user` names the account
// whose rights apply; empty means the folder's owner, with every right.
Result<std::unique_ptr<Client>> OpenLocal(const std::filesystem::path& data_dir, const std::string& as_user = "");

// Over HTTP. Credentials left empty are taken from the environment and the credentials file
// (VITRINE_URL, VITRINE_TOKEN, ..., ~/.config/vitrine/credentials).
Result<std::unique_ptr<Client>> ConnectRemote(Credentials credentials, ClientOptions options = {});

// "file://..." (or a plain path) → OpenLocal, acting as `credentials.username` if given;
// "http://..." or "https://..." → ConnectRemote with that URL.
Result<std::unique_ptr<Client>> Connect(std::string_view url, Credentials credentials = {}, ClientOptions options = {});

}  // namespace vitrine
