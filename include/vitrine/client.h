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
};

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
