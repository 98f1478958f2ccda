// The catalog: every row Vitrine keeps (users, credentials, projects, members, ...).
//
// One interface, two implementations: SQLite (embedded default) and PostgreSQL (scale-out).
// Nothing here is SQLite-specific: ids are 64-bit integers assigned by the store, times are
// passed in by the caller (the service owns the clock), and every multi-row change is atomic.
// All implementations are safe for concurrent use from many threads.
//
// Errors: kNotFound when the addressed row does not exist, kConflict on a uniqueness clash,
// kUnavailable when the store is busy or unreachable, kInternal otherwise.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/executor.h"
#include "vitrine/jobs.h"
#include "vitrine/requests.h"
#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::catalog {

// Projects, images and runs hold at most this many properties; an update that would make more
// fails with kInvalidArgument and changes nothing.
inline constexpr std::size_t kMaxPropertiesPerThing = 1000;

struct UserRecord {
  User user;
  std::string password_hash;  // argon2id PHC string; empty: password sign-in disabled
};

struct NewUser {
  std::string username;
  std::string name;
  std::string email;
  bool admin = false;
  std::string password_hash;
  Timestamp created_at;
};

struct UserChanges {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<bool> admin;
  std::optional<bool> enabled;
  std::optional<bool> worker;
  std::optional<std::string> password_hash;
  // With a new password: every other session ends. Revokes the user's live bearer tokens at
  // this time, except the one whose hash is `keep_token_hash` (the request's own).
  std::optional<Timestamp> revoke_tokens_at;
  std::string keep_token_hash;
};

struct ApiKeyRecord {
  ApiKey key;
  // Kept as is: the server needs it to recompute HMAC signatures.
  std::string private_key;
};

struct NewProject {
  std::string name;
  std::string description;
  UserId created_by;
  Timestamp created_at;
  Properties properties;
};

struct ProjectChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::map<std::string, std::optional<std::string>> properties;  // nullopt removes the key
  Timestamp updated_at;
};

using ImageChanges = vitrine::ImageUpdate;

// Which projects an image listing covers: one project, the projects a user belongs to, or all.
struct ImageScope {
  std::optional<ProjectId> project;
  std::optional<UserId> member;
};

// An annotation as stored: its geometry as WKB (the text forms are made by the service).
struct AnnotationRow {
  Annotation annotation;
  std::string wkb;
};

// What an annotation listing reads besides the plain columns.
struct AnnotationColumns {
  bool geometry = true;
  bool properties = true;
  bool terms = true;
  bool total = true;             // count every match; false leaves Page::total at -1
  std::int64_t total_up_to = 0;  // > 0: the count stops there
};

// Rows as stored, for copying a catalog to another backend with ids kept (vitrine migrate).
struct BinaryCell {
  std::string bytes;
  bool operator==(const BinaryCell&) const = default;
};
using Cell = std::variant<std::monostate, std::int64_t, double, std::string, BinaryCell>;  // monostate = NULL
using Row = std::vector<Cell>;
struct TableShape {
  std::string name;
  std::vector<std::string> columns;  // in the order rows carry them
  std::vector<std::string> key;      // the primary key columns: rows are read in this order
};
class RowCopier {
 public:
  virtual ~RowCopier() = default;
  // The logical tables, parents before children: the same names and columns on every backend.
  virtual Result<std::vector<TableShape>> Tables() const = 0;
  // Up to `limit` rows in key order whose key is after `after` (the key's values; empty: from the start).
  virtual Result<std::vector<Row>> ReadRows(const TableShape& table, const Row& after, std::size_t limit) const = 0;
  // Inserts the rows as given, ids included, in one transaction; a row whose key is already stored is skipped.
  virtual Status WriteRows(const TableShape& table, const std::vector<Row>& rows) = 0;
  // The key of the table's last row in key order; empty when the table is empty.
  virtual Result<Row> LastKey(const TableShape& table) const = 0;
  virtual Result<std::int64_t> CountRows(std::string_view table) const = 0;
  // After a copy: id generators continue past the copied ids, derived indexes are complete.
  virtual Status FinishCopy() = 0;
};

// A column of a project's series (Sticky Pi's project_series_<id> tables).
struct SeriesColumn {
  std::string name;
  std::string sql_type;
};

struct ProjectSeriesRow {
  std::int64_t id = 0;
  ProjectId project;
  std::string device;
  Timestamp start;
  Timestamp end;
  std::map<std::string, std::string> values;  // column name -> the value's JSON
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // Users. Usernames are unique without regard to case.
  virtual Result<User> CreateUser(const NewUser& user) = 0;
  virtual Result<UserRecord> GetUser(UserId id) const = 0;
  virtual Result<UserRecord> FindUserByUsername(std::string_view username) const = 0;
  virtual Result<Page<User>> ListUsers(const PageRequest& page) const = 0;
  // Atomic. kConflict when the change would leave no enabled administrator.
  virtual Result<User> UpdateUser(UserId id, const UserChanges& changes) = 0;
  virtual Result<std::int64_t> CountUsers() const = 0;

  // API key pairs.
  virtual Result<ApiKey> CreateApiKey(UserId owner, const std::string& public_key, const std::string& private_key,
                                      Timestamp created_at) = 0;
  // Finds a key by its public half, revoked or not (the caller decides).
  virtual Result<ApiKeyRecord> FindApiKey(std::string_view public_key) const = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(UserId owner) const = 0;
  // kNotFound unless the key exists and belongs to `owner`.
  virtual Status RevokeApiKey(UserId owner, ApiKeyId id, Timestamp revoked_at) = 0;

  // Bearer tokens, addressed by the SHA-256 of the token.
  virtual Result<BearerToken> CreateToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                          Timestamp expires_at) = 0;
  virtual Result<BearerToken> FindTokenByHash(std::string_view token_hash) const = 0;
  // The token and its owner in one read: every authenticated request makes it.
  struct TokenWithUser {
    BearerToken token;
    UserRecord owner;
  };
  virtual Result<TokenWithUser> FindTokenWithUser(std::string_view token_hash) const = 0;
  virtual Status RevokeToken(TokenId id, Timestamp revoked_at) = 0;
  // A job's token: valid for the job's project only, revoked with RevokeJobTokens when the job
  // ends (and deleted with the job).
  virtual Result<BearerToken> CreateJobToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                             Timestamp expires_at, ProjectId project, JobId job) = 0;
  virtual Status RevokeJobTokens(JobId job, Timestamp revoked_at) = 0;

  // Projects. CreateProject makes the creator its manager in the same transaction.
  virtual Result<Project> CreateProject(const NewProject& project) = 0;
  virtual Result<Project> GetProject(ProjectId id) const = 0;
  virtual Result<Project> UpdateProject(ProjectId id, const ProjectChanges& changes) = 0;
  virtual Status DeleteProject(ProjectId id) = 0;
  // All projects when `member` is empty; otherwise only those `member` belongs to. Ordered by id.
  virtual Result<Page<Project>> ListProjects(std::optional<UserId> member, const ProjectFilter& filter,
                                             const PageRequest& page) const = 0;

  // Project membership.
  virtual Status PutMember(ProjectId project, UserId user, ProjectRole role) = 0;
  virtual Status RemoveMember(ProjectId project, UserId user) = 0;
  // nullopt when `user` is not a member.
  virtual Result<std::optional<ProjectRole>> GetRole(ProjectId project, UserId user) const = 0;
  virtual Result<std::vector<ProjectMember>> ListMembers(ProjectId project) const = 0;

  // Images. (project, sha256) is unique: kConflict when the project already holds the content.
  // `image.id` is ignored on insert.
  virtual Result<Image> InsertImage(const Image& image) = 0;
  virtual Result<Image> GetImage(ImageId id) const = 0;
  // The image without its properties, and the role `user` holds on its project (nullopt: not a
  // member), in one read: what every tile request needs.
  struct ImageAccess {
    Image image;
    std::optional<ProjectRole> role;
  };
  virtual Result<ImageAccess> GetImageAccess(ImageId id, UserId user) const = 0;
  // The images of `project` among `sha256s`, by hash.
  virtual Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                                  const std::vector<std::string>& sha256s) const = 0;
  virtual Result<Image> UpdateImage(ImageId id, const ImageChanges& changes) = 0;
  // Removes the row and its derived-blob records (not the blobs: garbage collection does that).
  virtual Status DeleteImage(ImageId id) = 0;
  virtual Result<Page<Image>> ListImages(const ImageScope& scope, const ImageFilter& filter,
                                         const PageRequest& page) const = 0;

  // Annotations. InsertAnnotations stores all rows or none, returning ids in input order;
  // `annotation.id` is ignored. A listing with limit 0 counts without reading rows. Rows come
  // in id order.
  virtual Result<std::vector<AnnotationId>> InsertAnnotations(const std::vector<AnnotationRow>& rows) = 0;
  virtual Result<AnnotationRow> GetAnnotation(AnnotationId id) const = 0;
  virtual Result<Page<AnnotationRow>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page,
                                                      const AnnotationColumns& columns) const = 0;
  virtual Status DeleteAnnotation(AnnotationId id) = 0;
  // Replaces the geometry (with its measures), terms, properties and updated_at of the stored
  // annotation `row.annotation.id`, all or nothing, if it was last changed at `seen_updated_at`
  // (kConflict otherwise: another change came first); its image, project, author, algorithm and
  // creation time stay. kNotFound when it is gone or a term is not there.
  virtual Status ReplaceAnnotation(const AnnotationRow& row, Timestamp seen_updated_at) = 0;
  // Deletes every annotation matching `filter` (bbox by bounding box); returns how many.
  virtual Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter) = 0;

  // Annotation runs. InsertAnnotationRun stores the run, its metadata and its annotations (their
  // run_id is set here) in one transaction. A stored run of the same image, algorithm and
  // version is kConflict under kNever; kPermissionDenied under kOwn when `run.created_by` did not
  // store it; otherwise deleted with its annotations first, in the same transaction. Listings
  // come in order of the image's capture time, then id; `member` limits them to that user's
  // projects.
  enum class RunReplacement { kNever, kOwn, kAny };
  struct AnnotationLeaseQuery {
    ProjectId project;
    std::optional<std::string> device_like;
    std::optional<Timestamp> from;
    std::optional<Timestamp> to;
    std::string algorithm;
    std::string min_version;
    std::int64_t limit = 8;
    UserId leased_by;
    Timestamp now;
    Timestamp expired_before;
  };
  virtual Result<CreatedAnnotationRun> InsertAnnotationRun(const AnnotationRun& run, RunReplacement replace,
                                                           std::vector<AnnotationRow> rows) = 0;
  virtual Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) const = 0;
  virtual Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter,
                                                         std::optional<UserId> member,
                                                         const PageRequest& page) const = 0;
  virtual Status DeleteAnnotationRun(AnnotationRunId id) = 0;
  // Leases images of `query.project` to a detector (Sticky Pi's get_images_to_annotate), in one
  // transaction: drops leases taken before `query.expired_before`, then takes up to
  // `query.limit` images, by capture time, that are in the series (device LIKE, capture time in
  // [from, to)), have no run of the algorithm at `min_version` or later (versions compared as
  // text, as upstream: they start with a timestamp) and no live lease for the algorithm. Two
  // concurrent calls never lease the same image.
  virtual Result<std::vector<ImageId>> LeaseImagesToAnnotate(const AnnotationLeaseQuery& query) = 0;

  // Tuboids (Sticky Pi). InsertTuboid stores `tuboid` in its series, made first when no series of
  // that project, device, range, algorithm and version exists (`tuboid.series` describes it), in
  // one transaction: kConflict when the name is taken in the project or the series holds its
  // n_tuboids already; kInvalidArgument when the tuboid's shots leave the series' range.
  // Listings come in order of series start, series id, then index in the series, without their
  // shots (TuboidShots reads them, for one tuboid); `member` limits them to that user's
  // projects. DeleteTuboidSeries takes its tuboids and their labels
  // with it (their images stay: the caller deletes them).
  virtual Result<Tuboid> InsertTuboid(const Tuboid& tuboid) = 0;
  virtual Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter, std::optional<UserId> member,
                                           const PageRequest& page) const = 0;
  virtual Result<std::string> TuboidShots(TuboidId id) const = 0;
  virtual Status DeleteTuboidSeries(TuboidSeriesId id) = 0;
  // kConflict when the tuboid has a label of that algorithm and version; kNotFound when the
  // tuboid is gone. Labels list in order of tuboid, then id.
  virtual Result<ItcLabel> InsertItcLabel(const ItcLabel& label) = 0;
  virtual Result<std::vector<ItcLabel>> ListItcLabels(const std::vector<TuboidId>& tuboids) const = 0;

  // Sticky Pi's project series: rows (a device and a time range) describing a project's
  // experiment, with columns the project defines (name and SQL type, in order of creation).
  // Values are stored as given (the JSON of each), keyed by column name: renaming a column
  // renames its values, dropping it drops them, all in one transaction. PutProjectSeries
  // inserts a row (id 0) or replaces one wholly: kConflict when the project has a row of that
  // device and range, kNotFound for an id not in the project. Rows list by id.
  virtual Result<std::vector<SeriesColumn>> ListSeriesColumns(ProjectId project) const = 0;
  virtual Status AddSeriesColumn(ProjectId project, const SeriesColumn& column) = 0;  // kConflict if taken
  virtual Status RenameSeriesColumn(ProjectId project, const std::string& from, const std::string& to) = 0;
  virtual Status DropSeriesColumn(ProjectId project, const std::string& name) = 0;
  virtual Result<std::vector<ProjectSeriesRow>> ListProjectSeries(ProjectId project, std::int64_t limit) const = 0;
  virtual Result<ProjectSeriesRow> PutProjectSeries(const ProjectSeriesRow& row) = 0;
  virtual Status DeleteProjectSeries(ProjectId project, std::int64_t id) = 0;

  // Ontologies and terms. Term names are unique in an ontology without regard to case
  // (kConflict). DeleteTerm: kConflict if annotations carry the term (unless `detach`, which
  // takes it off them) or it has child terms. DeleteOntology: kConflict while a project uses it
  // or an annotation carries one of its terms.
  virtual Result<Ontology> CreateOntology(const std::string& name, UserId created_by, Timestamp created_at) = 0;
  virtual Result<Ontology> GetOntology(OntologyId id) const = 0;
  virtual Result<Page<Ontology>> ListOntologies(const PageRequest& page) const = 0;
  virtual Status DeleteOntology(OntologyId id) = 0;
  virtual Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) = 0;
  virtual Result<Term> GetTerm(TermId id) const = 0;
  virtual Result<Term> UpdateTerm(TermId id, const TermUpdate& update) = 0;
  virtual Status DeleteTerm(TermId id, bool detach) = 0;
  // The terms and every term below them.
  virtual Result<std::vector<TermId>> WithDescendants(const std::vector<TermId>& terms) const = 0;
  // A project's ontology; nullopt to clear. kConflict when annotations of the project carry
  // terms of the ontology being replaced.
  virtual Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) = 0;
  virtual Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) const = 0;
  // The projects using an ontology.
  virtual Result<std::vector<ProjectId>> ProjectsUsingOntology(OntologyId ontology) const = 0;

  // Derived blobs (cached thumbnails, pyramids) belong to an image and go with it.
  virtual Status PutDerivedBlob(ImageId image, std::string_view kind, const std::string& sha256,
                                Timestamp created_at) = 0;
  virtual Result<std::optional<std::string>> GetDerivedBlob(ImageId image, std::string_view kind) const = 0;

  // True while any image, derived blob, data file, analytic bundle or job output refers to the
  // blob: what garbage collection asks.
  virtual Result<bool> IsBlobReferenced(std::string_view sha256) const = 0;

  // Analytics: (name, version) is unique (kConflict). FindAnalytic with an empty version finds
  // the version registered last. Listings are ordered by name, then registration.
  virtual Result<Analytic> InsertAnalytic(const Analytic& analytic) = 0;
  virtual Result<Analytic> GetAnalytic(AnalyticId id) const = 0;
  virtual Result<Analytic> FindAnalytic(std::string_view name, std::string_view version) const = 0;
  virtual Result<std::vector<Analytic>> ListAnalytics(bool all_versions) const = 0;
  // kConflict while a job refers to it.
  virtual Status DeleteAnalytic(AnalyticId id) = 0;

  // Data files. Listings in id order; `member` limits them to that user's projects.
  virtual Result<DataFile> InsertDataFile(const DataFile& file) = 0;
  virtual Result<DataFile> GetDataFile(DataId id) const = 0;
  virtual Result<Page<DataFile>> ListDataFiles(const DataFilter& filter, std::optional<UserId> member,
                                               const PageRequest& page) const = 0;
  virtual Result<DataFile> SetDataFileExpiry(DataId id, std::optional<Timestamp> expires_at) = 0;
  virtual Status DeleteDataFile(DataId id) = 0;
  virtual Result<std::vector<DataId>> ExpiredDataFiles(Timestamp now, std::size_t limit) const = 0;

  // Jobs: the queue. InsertJob ignores `job.id`, stores messages and outputs with the row.
  virtual Result<Job> InsertJob(const Job& job) = 0;
  virtual Result<Job> GetJob(JobId id) const = 0;
  // `member` limits the listing to that user's projects. Listed jobs carry no messages.
  virtual Result<Page<Job>> ListJobs(const JobFilter& filter, std::optional<UserId> member,
                                     const PageRequest& page) const = 0;
  virtual Status DeleteJob(JobId id) = 0;
  // A change to one job, decided on the job as stored: `edit` runs with the row locked against
  // every other change (other servers' included) and what it leaves is stored, messages and
  // outputs too; when it fails, nothing is. Every state transition goes through here, so that
  // a check and the write it allows are one atomic step.
  using JobEdit = std::function<Status(Job&)>;
  virtual Result<Job> ModifyJob(JobId id, const JobEdit& edit) = 0;
  // The oldest QUEUED job (by queued_at, then id) of one of `analytics` (any when empty),
  // locked and handed to `edit` as in ModifyJob; jobs other claimers hold are skipped, never
  // waited for. nullopt when there is none. With `token`, the claimed job's token (its creator's,
  // for its project) is stored in the same transaction. Whenever a job leaves SCHEDULED or
  // RUNNING, ModifyJob revokes its tokens in the transaction that moves it.
  struct ClaimToken {
    std::string hash;
    Timestamp created_at;
    Timestamp expires_at;
  };
  virtual Result<std::optional<Job>> ClaimJob(const std::vector<std::string>& analytics, const JobEdit& edit,
                                              const std::optional<ClaimToken>& token = std::nullopt) = 0;
  // SCHEDULED or RUNNING jobs whose lease ended before `now`.
  virtual Result<std::vector<JobId>> JobsWithExpiredLease(Timestamp now, std::size_t limit) const = 0;
  // Finished jobs past their expires_at that still hold outputs.
  virtual Result<std::vector<JobId>> JobsWithExpiredOutputs(Timestamp now, std::size_t limit) const = 0;
  // Appends to the job's log while its attempt is still `attempt` (kConflict otherwise: a worker
  // that lost its lease writes nothing). Past `max_bytes` in all, the text is cut and one
  // truncation line added; later appends are dropped. Returns the job's log size after.
  virtual Result<std::int64_t> AppendJobLog(JobId id, int attempt, std::string_view text, std::int64_t max_bytes) = 0;
  struct LogChunk {
    std::int64_t seq = 0;
    std::string text;
  };
  // Chunks after `after_seq`, in order, up to about `max_bytes`.
  virtual Result<std::vector<LogChunk>> ReadJobLog(JobId id, std::int64_t after_seq, std::size_t max_bytes) const = 0;

  // Row-level access for copying between backends.
  virtual RowCopier& rows() = 0;
};

// Opens (creating if needed, and migrating to the current schema) the catalog at `url`:
// "sqlite:///abs/path/catalog.db" or a plain file path. With an `executor` (a server's, a
// client's store), housekeeping runs on its maintenance lane: SQLite's WAL checkpoints, so that
// no commit waits for one. Without (one-off tools), a commit checkpoints past 256 MiB of log.
// The executor must outlive the catalog.
Result<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url, core::Executor* executor = nullptr);

}  // namespace vitrine::catalog
