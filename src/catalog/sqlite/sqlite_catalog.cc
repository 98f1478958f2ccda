#include "catalog/sqlite/sqlite_catalog.h"

#include <chrono>
#include <variant>

#include "catalog/sqlite/annotation_queries.h"
#include "catalog/sqlite/annotation_run_queries.h"
#include "catalog/sqlite/connection.h"
#include "catalog/sqlite/image_queries.h"
#include "catalog/sqlite/job_queries.h"
#include "catalog/sqlite/migrations.h"
#include "catalog/sqlite/ontology_queries.h"
#include "catalog/sqlite/project_series_queries.h"
#include "catalog/sqlite/property_queries.h"
#include "catalog/sqlite/row_copier.h"
#include "catalog/sqlite/tuboid_queries.h"
#include "catalog/sqlite/wal_checkpointer.h"

namespace vitrine::catalog {
namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::Statement;
using sqlite::Transaction;

using sqlite::FromMicros;
using sqlite::Micros;
std::optional<Timestamp> FromOptionalMicros(std::optional<std::int64_t> us) {
  return us ? std::optional<Timestamp>(FromMicros(*us)) : std::nullopt;
}

// `first`: the column the user's columns start at.
UserRecord ReadUser(const Statement& q, int first = 0) {
  UserRecord r;
  r.user.id = UserId(q.Int(first));
  r.user.username = q.Text(first + 1);
  r.user.name = q.Text(first + 2);
  r.user.email = q.Text(first + 3);
  r.user.admin = q.Int(first + 4) != 0;
  r.user.enabled = q.Int(first + 5) != 0;
  r.user.created_at = FromMicros(q.Int(first + 6));
  r.password_hash = q.Text(first + 7);
  r.user.worker = q.Int(first + 8) != 0;
  return r;
}

Project ReadProject(const Statement& q) {
  Project p;
  p.id = ProjectId(q.Int(0));
  p.name = q.Text(1);
  p.description = q.Text(2);
  p.created_by = UserId(q.OptionalInt(3).value_or(0));
  p.created_at = FromMicros(q.Int(4));
  p.updated_at = FromMicros(q.Int(5));
  return p;
}

ApiKey ReadApiKey(const Statement& q) {
  ApiKey k;
  k.id = ApiKeyId(q.Int(0));
  k.user_id = UserId(q.Int(1));
  k.public_key = q.Text(2);
  k.created_at = FromMicros(q.Int(3));
  k.revoked_at = FromOptionalMicros(q.OptionalInt(4));
  return k;
}

BearerToken ReadToken(const Statement& q) {
  BearerToken t;
  t.id = TokenId(q.Int(0));
  t.user_id = UserId(q.Int(1));
  t.created_at = FromMicros(q.Int(2));
  t.expires_at = FromMicros(q.Int(3));
  t.revoked_at = FromOptionalMicros(q.OptionalInt(4));
  if (auto scope = q.OptionalInt(5)) t.project_scope = ProjectId(*scope);
  return t;
}

// Runs `q` and collects every row through `read`.
template <class T, class Reader>
Result<std::vector<T>> CollectRows(Statement& q, Reader read) {
  std::vector<T> out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(read(q));
  }
}

Status NotFoundIfUnchanged(const Connection& conn, std::string what) {
  return conn.changes() == 0 ? Status::NotFound(std::move(what) + " not found") : Status::Ok();
}

class SqliteCatalog final : public Catalog {
 public:
  explicit SqliteCatalog(std::filesystem::path file) : pool_(std::move(file), kMaxConnections) {}

  Status Init(const std::filesystem::path& file, core::Executor* executor) {
    {
      VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
      auto now =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
      VITRINE_RETURN_IF_ERROR(sqlite::Migrate(*conn, now.count()));
    }
    if (executor) {
      VITRINE_ASSIGN_OR_RETURN(checkpointer_,
                               sqlite::WalCheckpointer::Start(file, std::chrono::milliseconds(100), *executor));
    }
    return Status::Ok();
  }

  Result<User> CreateUser(const NewUser& u) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("INSERT INTO users(username, name, email, admin, password_hash, created_at)"
                                           " VALUES (?, ?, ?, ?, ?, ?)"));
    Status s = q.Bind(u.username, u.name, u.email, u.admin, u.password_hash, Micros(u.created_at)).Run();
    if (s.code() == ErrorCode::kConflict) return Status::Conflict("username '" + u.username + "' is taken");
    VITRINE_RETURN_IF_ERROR(s);
    return User{UserId(conn->last_insert_id()), u.username, u.name, u.email, u.admin, true, u.created_at, false};
  }

  Result<UserRecord> GetUser(UserId id) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("SELECT id, username, name, email, admin, enabled, created_at, password_hash, worker"
                                   " FROM users WHERE id = ?"));
    return OneUser(q.Bind(id.value()), "user " + std::to_string(id.value()));
  }

  Result<UserRecord> FindUserByUsername(std::string_view username) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("SELECT id, username, name, email, admin, enabled, created_at, password_hash, worker"
                                   " FROM users WHERE username = ?"));
    return OneUser(q.Bind(username), "user '" + std::string(username) + "'");
  }

  Result<Page<User>> ListUsers(const PageRequest& page) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    Page<User> out;
    VITRINE_ASSIGN_OR_RETURN(out.total, Count(*conn, "SELECT COUNT(*) FROM users"));
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("SELECT id, username, name, email, admin, enabled, created_at, password_hash, worker"
                                   " FROM users ORDER BY id LIMIT ? OFFSET ?"));
    q.Bind(page.limit, page.offset);
    VITRINE_ASSIGN_OR_RETURN(out.items, CollectRows<User>(q, [](const Statement& s) { return ReadUser(s).user; }));
    return out;
  }

  Result<User> UpdateUser(UserId id, const UserChanges& c) override {
    {
      VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
      VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
      if (c.admin == false || c.enabled == false) {
        VITRINE_ASSIGN_OR_RETURN(Statement others,
                                 conn->Prepare("SELECT (SELECT admin AND enabled FROM users WHERE id = ?),"
                                               " (SELECT COUNT(*) FROM users WHERE admin AND enabled AND id != ?)"));
        VITRINE_ASSIGN_OR_RETURN(bool row, others.Bind(id.value(), id.value()).Step());
        if (row && others.Int(0) == 1 && others.Int(1) == 0) {
          return Status::Conflict("user " + std::to_string(id.value()) +
                                  " is the last enabled administrator: make another one first");
        }
      }
      // COALESCE keeps a column whose new value is NULL (not given) as it was.
      VITRINE_ASSIGN_OR_RETURN(
          Statement q,
          conn->Prepare("UPDATE users SET name = COALESCE(?, name), email = COALESCE(?, email),"
                        " admin = COALESCE(?, admin), enabled = COALESCE(?, enabled), worker = COALESCE(?, worker),"
                        " password_hash = COALESCE(?, password_hash) WHERE id = ?"));
      VITRINE_RETURN_IF_ERROR(q.Bind(c.name, c.email, c.admin, c.enabled, c.worker, c.password_hash, id.value()).Run());
      VITRINE_RETURN_IF_ERROR(NotFoundIfUnchanged(*conn, "user " + std::to_string(id.value())));
      if (c.revoke_tokens_at) {
        VITRINE_ASSIGN_OR_RETURN(Statement revoke,
                                 conn->Prepare("UPDATE bearer_tokens SET revoked_at = ? WHERE user_id = ?"
                                               " AND revoked_at IS NULL AND token_hash != ?"));
        VITRINE_RETURN_IF_ERROR(revoke.Bind(Micros(*c.revoke_tokens_at), id.value(), c.keep_token_hash).Run());
      }
      VITRINE_RETURN_IF_ERROR(tx.Commit());
    }
    VITRINE_ASSIGN_OR_RETURN(UserRecord r, GetUser(id));
    return r.user;
  }

  Result<std::int64_t> CountUsers() const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    return Count(*conn, "SELECT COUNT(*) FROM users");
  }

  Result<ApiKey> CreateApiKey(UserId owner, const std::string& public_key, const std::string& private_key,
                              Timestamp created_at) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q,
        conn->Prepare("INSERT INTO api_keys(user_id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)"));
    VITRINE_RETURN_IF_ERROR(q.Bind(owner.value(), public_key, private_key, Micros(created_at)).Run());
    return ApiKey{ApiKeyId(conn->last_insert_id()), owner, public_key, created_at, std::nullopt};
  }

  Result<ApiKeyRecord> FindApiKey(std::string_view public_key) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("SELECT id, user_id, public_key, created_at, revoked_at, private_key"
                                           " FROM api_keys WHERE public_key = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(public_key).Step());
    if (!row) return Status::NotFound("API key not found");
    return ApiKeyRecord{ReadApiKey(q), q.Text(5)};
  }

  Result<std::vector<ApiKey>> ListApiKeys(UserId owner) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id, user_id, public_key, created_at, revoked_at"
                                                        " FROM api_keys WHERE user_id = ? ORDER BY id"));
    q.Bind(owner.value());
    return CollectRows<ApiKey>(q, ReadApiKey);
  }

  Status RevokeApiKey(UserId owner, ApiKeyId id, Timestamp revoked_at) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?)"
                                                        " WHERE id = ? AND user_id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(Micros(revoked_at), id.value(), owner.value()).Run());
    return NotFoundIfUnchanged(*conn, "API key " + std::to_string(id.value()));
  }

  Result<BearerToken> CreateToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                  Timestamp expires_at) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q,
        conn->Prepare("INSERT INTO bearer_tokens(user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)"));
    VITRINE_RETURN_IF_ERROR(q.Bind(owner.value(), token_hash, Micros(created_at), Micros(expires_at)).Run());
    return BearerToken{TokenId(conn->last_insert_id()), owner, created_at, expires_at, std::nullopt};
  }

  Result<BearerToken> FindTokenByHash(std::string_view token_hash) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id, user_id, created_at, expires_at, revoked_at,"
                                                        " project_id FROM bearer_tokens WHERE token_hash = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(token_hash).Step());
    if (!row) return Status::NotFound("token not found");
    return ReadToken(q);
  }

  Result<TokenWithUser> FindTokenWithUser(std::string_view token_hash) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q,
        conn->Prepare("SELECT t.id, t.user_id, t.created_at, t.expires_at, t.revoked_at, t.project_id, u.id,"
                      " u.username, u.name, u.email, u.admin, u.enabled, u.created_at, u.password_hash,"
                      " u.worker"
                      " FROM bearer_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(token_hash).Step());
    if (!row) return Status::NotFound("token not found");
    return TokenWithUser{ReadToken(q), ReadUser(q, 6)};
  }

  Status RevokeToken(TokenId id, Timestamp revoked_at) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("UPDATE bearer_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(Micros(revoked_at), id.value()).Run());
    return NotFoundIfUnchanged(*conn, "token " + std::to_string(id.value()));
  }

  Result<Project> CreateProject(const NewProject& p) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
    Project created{ProjectId(), p.name, p.description, p.created_by, p.created_at, p.created_at};
    {
      VITRINE_ASSIGN_OR_RETURN(
          Statement q, conn->Prepare("INSERT INTO projects(name, description, created_by, created_at, updated_at)"
                                     " VALUES (?, ?, ?, ?, ?)"));
      VITRINE_RETURN_IF_ERROR(
          q.Bind(p.name, p.description, p.created_by.value(), Micros(p.created_at), Micros(p.created_at)).Run());
      created.id = ProjectId(conn->last_insert_id());
    }
    {
      VITRINE_ASSIGN_OR_RETURN(
          Statement q, conn->Prepare("INSERT INTO project_members(project_id, user_id, role) VALUES (?, ?, ?)"));
      VITRINE_RETURN_IF_ERROR(
          q.Bind(created.id.value(), p.created_by.value(), static_cast<int>(ProjectRole::kManager)).Run());
    }
    for (const auto& [key, value] : p.properties) {
      VITRINE_RETURN_IF_ERROR(
          sqlite::properties::Set(*conn, sqlite::properties::kProjects, created.id.value(), key, value));
    }
    created.properties = p.properties;
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return created;
  }

  Result<Project> GetProject(ProjectId id) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id, name, description, created_by, created_at,"
                                                        " updated_at FROM projects WHERE id = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
    if (!row) return Status::NotFound("project " + std::to_string(id.value()) + " not found");
    Project project = ReadProject(q);
    q.Reset();
    VITRINE_ASSIGN_OR_RETURN(project.properties,
                             sqlite::properties::Load(*conn, sqlite::properties::kProjects, id.value()));
    return project;
  }

  Result<Project> UpdateProject(ProjectId id, const ProjectChanges& c) override {
    {
      VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
      VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
      VITRINE_ASSIGN_OR_RETURN(Statement q,
                               conn->Prepare("UPDATE projects SET name = COALESCE(?, name),"
                                             " description = COALESCE(?, description), updated_at = ? WHERE id = ?"));
      VITRINE_RETURN_IF_ERROR(q.Bind(c.name, c.description, Micros(c.updated_at), id.value()).Run());
      VITRINE_RETURN_IF_ERROR(NotFoundIfUnchanged(*conn, "project " + std::to_string(id.value())));
      VITRINE_RETURN_IF_ERROR(
          sqlite::properties::Change(*conn, sqlite::properties::kProjects, id.value(), c.properties));
      VITRINE_RETURN_IF_ERROR(tx.Commit());
    }
    return GetProject(id);
  }

  Status DeleteProject(ProjectId id) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM projects WHERE id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
    return NotFoundIfUnchanged(*conn, "project " + std::to_string(id.value()));
  }

  Result<Page<Project>> ListProjects(std::optional<UserId> member, const ProjectFilter& filter,
                                     const PageRequest& page) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    Page<Project> out;
    std::string where = " WHERE 1=1";
    std::vector<std::variant<std::int64_t, std::string>> binds;
    if (member) {
      where += " AND EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = ?)";
      binds.emplace_back(member->value());
    }
    if (filter.property) {
      where += sqlite::properties::Condition(sqlite::properties::kProjects, *filter.property);
      binds.emplace_back(filter.property->first);
      if (filter.property->second) binds.emplace_back(*filter.property->second);
    }
    auto bind_all = [&](Statement& q) {
      int index = 1;
      for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
      return index;
    };
    {
      VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic("SELECT COUNT(*) FROM projects p" + where));
      bind_all(q);
      VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
      out.total = row ? q.Int(0) : 0;
    }
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic("SELECT id, name, description, created_by, created_at,"
                                                               " updated_at FROM projects p" +
                                                               where + " ORDER BY id LIMIT ? OFFSET ?"));
    int next = bind_all(q);
    q.BindAt(next, page.limit);
    q.BindAt(next + 1, page.offset);
    VITRINE_ASSIGN_OR_RETURN(out.items, CollectRows<Project>(q, ReadProject));
    VITRINE_RETURN_IF_ERROR(sqlite::properties::LoadEach(*conn, sqlite::properties::kProjects, out.items));
    return out;
  }

  Status PutMember(ProjectId project, UserId user, ProjectRole role) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("INSERT INTO project_members(project_id, user_id, role) VALUES (?, ?, ?)"
                                           " ON CONFLICT(project_id, user_id) DO UPDATE SET role = excluded.role"));
    Status s = q.Bind(project.value(), user.value(), static_cast<int>(role)).Run();
    // The only constraint left to fail is a foreign key: the project or the user is gone.
    if (s.code() == ErrorCode::kConflict) return Status::NotFound("project or user not found");
    return s;
  }

  Status RemoveMember(ProjectId project, UserId user) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("DELETE FROM project_members WHERE project_id = ? AND user_id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(project.value(), user.value()).Run());
    return NotFoundIfUnchanged(*conn, "member " + std::to_string(user.value()));
  }

  Result<std::optional<ProjectRole>> GetRole(ProjectId project, UserId user) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("SELECT role FROM project_members WHERE project_id = ? AND user_id = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(project.value(), user.value()).Step());
    if (!row) return std::optional<ProjectRole>();
    return std::optional<ProjectRole>(static_cast<ProjectRole>(q.Int(0)));
  }

  Result<std::vector<ProjectMember>> ListMembers(ProjectId project) const override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("SELECT m.project_id, m.user_id, u.username, m.role FROM project_members m"
                                   " JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY m.user_id"));
    q.Bind(project.value());
    return CollectRows<ProjectMember>(q, [](const Statement& s) {
      return ProjectMember{ProjectId(s.Int(0)), UserId(s.Int(1)), s.Text(2), static_cast<ProjectRole>(s.Int(3))};
    });
  }

  Result<Image> InsertImage(const Image& image) override { return sqlite::images::Insert(pool_, image); }
  Result<Image> GetImage(ImageId id) const override { return sqlite::images::Get(pool_, id); }
  Result<ImageAccess> GetImageAccess(ImageId id, UserId user) const override {
    return sqlite::images::GetAccess(pool_, id, user);
  }
  Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                          const std::vector<std::string>& sha256s) const override {
    return sqlite::images::FindByHash(pool_, project, sha256s);
  }
  Result<Image> UpdateImage(ImageId id, const ImageChanges& changes) override {
    return sqlite::images::Update(pool_, id, changes);
  }
  Status DeleteImage(ImageId id) override { return sqlite::images::Delete(pool_, id); }
  Result<Page<Image>> ListImages(const ImageScope& scope, const ImageFilter& filter,
                                 const PageRequest& page) const override {
    return sqlite::images::List(pool_, scope, filter, page);
  }
  Result<std::vector<AnnotationId>> InsertAnnotations(const std::vector<AnnotationRow>& rows) override {
    return sqlite::annotations::Insert(pool_, rows);
  }
  Result<AnnotationRow> GetAnnotation(AnnotationId id) const override { return sqlite::annotations::Get(pool_, id); }
  Result<Page<AnnotationRow>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page,
                                              const AnnotationColumns& columns) const override {
    return sqlite::annotations::List(pool_, filter, page, columns);
  }
  Status DeleteAnnotation(AnnotationId id) override { return sqlite::annotations::Delete(pool_, id); }
  Status ReplaceAnnotation(const AnnotationRow& row, Timestamp seen_updated_at) override {
    return sqlite::annotations::Replace(pool_, row, seen_updated_at);
  }
  Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter) override {
    return sqlite::annotations::DeleteMatching(pool_, filter);
  }

  Result<CreatedAnnotationRun> InsertAnnotationRun(const AnnotationRun& run, RunReplacement replace,
                                                   std::vector<AnnotationRow> rows) override {
    return sqlite::annotation_runs::Insert(pool_, run, replace, std::move(rows));
  }
  Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) const override {
    return sqlite::annotation_runs::Get(pool_, id);
  }
  Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter, std::optional<UserId> member,
                                                 const PageRequest& page) const override {
    return sqlite::annotation_runs::List(pool_, filter, member, page);
  }
  Status DeleteAnnotationRun(AnnotationRunId id) override { return sqlite::annotation_runs::Delete(pool_, id); }
  Result<std::vector<ImageId>> LeaseImagesToAnnotate(const AnnotationLeaseQuery& query) override {
    return sqlite::annotation_runs::LeaseImages(pool_, query);
  }

  Result<std::vector<SeriesColumn>> ListSeriesColumns(ProjectId project) const override {
    return sqlite::project_series::Columns(pool_, project);
  }
  Status AddSeriesColumn(ProjectId project, const SeriesColumn& column) override {
    return sqlite::project_series::AddColumn(pool_, project, column);
  }
  Status RenameSeriesColumn(ProjectId project, const std::string& from, const std::string& to) override {
    return sqlite::project_series::RenameColumn(pool_, project, from, to);
  }
  Status DropSeriesColumn(ProjectId project, const std::string& name) override {
    return sqlite::project_series::DropColumn(pool_, project, name);
  }
  Result<std::vector<ProjectSeriesRow>> ListProjectSeries(ProjectId project, std::int64_t limit) const override {
    return sqlite::project_series::List(pool_, project, limit);
  }
  Result<ProjectSeriesRow> PutProjectSeries(const ProjectSeriesRow& row) override {
    return sqlite::project_series::Put(pool_, row);
  }
  Status DeleteProjectSeries(ProjectId project, std::int64_t id) override {
    return sqlite::project_series::Delete(pool_, project, id);
  }

  Result<Tuboid> InsertTuboid(const Tuboid& tuboid) override { return sqlite::tuboids::Insert(pool_, tuboid); }
  Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter, std::optional<UserId> member,
                                   const PageRequest& page) const override {
    return sqlite::tuboids::List(pool_, filter, member, page);
  }
  Result<std::string> TuboidShots(TuboidId id) const override { return sqlite::tuboids::Shots(pool_, id); }
  Status DeleteTuboidSeries(TuboidSeriesId id) override { return sqlite::tuboids::DeleteSeries(pool_, id); }
  Result<ItcLabel> InsertItcLabel(const ItcLabel& label) override { return sqlite::tuboids::InsertLabel(pool_, label); }
  Result<std::vector<ItcLabel>> ListItcLabels(const std::vector<TuboidId>& tuboids) const override {
    return sqlite::tuboids::ListLabels(pool_, tuboids);
  }

  Result<Ontology> CreateOntology(const std::string& name, UserId created_by, Timestamp created_at) override {
    return sqlite::ontologies::Create(pool_, name, created_by, created_at);
  }
  Result<Ontology> GetOntology(OntologyId id) const override { return sqlite::ontologies::Get(pool_, id); }
  Result<Page<Ontology>> ListOntologies(const PageRequest& page) const override {
    return sqlite::ontologies::List(pool_, page);
  }
  Status DeleteOntology(OntologyId id) override { return sqlite::ontologies::Delete(pool_, id); }
  Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) override {
    return sqlite::ontologies::CreateTerm(pool_, ontology, term);
  }
  Result<Term> GetTerm(TermId id) const override { return sqlite::ontologies::GetTerm(pool_, id); }
  Result<Term> UpdateTerm(TermId id, const TermUpdate& update) override {
    return sqlite::ontologies::UpdateTerm(pool_, id, update);
  }
  Status DeleteTerm(TermId id, bool detach) override { return sqlite::ontologies::DeleteTerm(pool_, id, detach); }
  Result<std::vector<TermId>> WithDescendants(const std::vector<TermId>& terms) const override {
    return sqlite::ontologies::WithDescendants(pool_, terms);
  }
  Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) override {
    return sqlite::ontologies::SetProjectOntology(pool_, project, ontology);
  }
  Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) const override {
    return sqlite::ontologies::GetProjectOntology(pool_, project);
  }
  Result<std::vector<ProjectId>> ProjectsUsingOntology(OntologyId ontology) const override {
    return sqlite::ontologies::ProjectsUsing(pool_, ontology);
  }

  Status PutDerivedBlob(ImageId image, std::string_view kind, const std::string& sha256,
                        Timestamp created_at) override {
    return sqlite::images::PutDerived(pool_, image, kind, sha256, created_at);
  }
  Result<std::optional<std::string>> GetDerivedBlob(ImageId image, std::string_view kind) const override {
    return sqlite::images::GetDerived(pool_, image, kind);
  }
  Result<bool> IsBlobReferenced(std::string_view sha256) const override {
    return sqlite::images::IsBlobReferenced(pool_, sha256);
  }
  Result<BearerToken> CreateJobToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                     Timestamp expires_at, ProjectId project, JobId job) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("INSERT INTO bearer_tokens(user_id, token_hash, created_at,"
                                                        " expires_at, project_id, job_id) VALUES (?, ?, ?, ?, ?, ?)"));
    VITRINE_RETURN_IF_ERROR(
        q.Bind(owner.value(), token_hash, Micros(created_at), Micros(expires_at), project.value(), job.value()).Run());
    return BearerToken{TokenId(conn->last_insert_id()), owner, created_at, expires_at, std::nullopt, project};
  }
  Status RevokeJobTokens(JobId job, Timestamp revoked_at) override {
    VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("UPDATE bearer_tokens SET revoked_at = ?"
                                                        " WHERE job_id = ? AND revoked_at IS NULL"));
    return q.Bind(Micros(revoked_at), job.value()).Run();
  }

  Result<Analytic> InsertAnalytic(const Analytic& a) override { return sqlite::jobs::InsertAnalytic(pool_, a); }
  Result<Analytic> GetAnalytic(AnalyticId id) const override { return sqlite::jobs::GetAnalytic(pool_, id); }
  Result<Analytic> FindAnalytic(std::string_view name, std::string_view version) const override {
    return sqlite::jobs::FindAnalytic(pool_, name, version);
  }
  Result<std::vector<Analytic>> ListAnalytics(bool all_versions) const override {
    return sqlite::jobs::ListAnalytics(pool_, all_versions);
  }
  Status DeleteAnalytic(AnalyticId id) override { return sqlite::jobs::DeleteAnalytic(pool_, id); }

  Result<DataFile> InsertDataFile(const DataFile& d) override { return sqlite::jobs::InsertDataFile(pool_, d); }
  Result<DataFile> GetDataFile(DataId id) const override { return sqlite::jobs::GetDataFile(pool_, id); }
  Result<Page<DataFile>> ListDataFiles(const DataFilter& filter, std::optional<UserId> member,
                                       const PageRequest& page) const override {
    return sqlite::jobs::ListDataFiles(pool_, filter, member, page);
  }
  Result<DataFile> SetDataFileExpiry(DataId id, std::optional<Timestamp> expires_at) override {
    return sqlite::jobs::SetDataFileExpiry(pool_, id, expires_at);
  }
  Status DeleteDataFile(DataId id) override { return sqlite::jobs::DeleteDataFile(pool_, id); }
  Result<std::vector<DataId>> ExpiredDataFiles(Timestamp now, std::size_t limit) const override {
    return sqlite::jobs::ExpiredDataFiles(pool_, now, limit);
  }

  Result<Job> InsertJob(const Job& job) override { return sqlite::jobs::InsertJob(pool_, job); }
  Result<Job> GetJob(JobId id) const override { return sqlite::jobs::GetJob(pool_, id); }
  Result<Page<Job>> ListJobs(const JobFilter& filter, std::optional<UserId> member,
                             const PageRequest& page) const override {
    return sqlite::jobs::ListJobs(pool_, filter, member, page);
  }
  Status DeleteJob(JobId id) override { return sqlite::jobs::DeleteJob(pool_, id); }
  Result<Job> ModifyJob(JobId id, const JobEdit& edit) override { return sqlite::jobs::ModifyJob(pool_, id, edit); }
  Result<std::optional<Job>> ClaimJob(const std::vector<std::string>& analytics, const JobEdit& edit,
                                      const std::optional<ClaimToken>& token) override {
    return sqlite::jobs::ClaimJob(pool_, analytics, edit, token);
  }
  Result<std::vector<JobId>> JobsWithExpiredLease(Timestamp now, std::size_t limit) const override {
    return sqlite::jobs::JobsWithExpiredLease(pool_, now, limit);
  }
  Result<std::vector<JobId>> JobsWithExpiredOutputs(Timestamp now, std::size_t limit) const override {
    return sqlite::jobs::JobsWithExpiredOutputs(pool_, now, limit);
  }
  Result<std::int64_t> AppendJobLog(JobId id, int attempt, std::string_view text, std::int64_t max_bytes) override {
    return sqlite::jobs::AppendJobLog(pool_, id, attempt, text, max_bytes);
  }
  Result<std::vector<LogChunk>> ReadJobLog(JobId id, std::int64_t after_seq, std::size_t max_bytes) const override {
    return sqlite::jobs::ReadJobLog(pool_, id, after_seq, max_bytes);
  }
  RowCopier& rows() override { return row_copier_; }

 private:
  // Enough for every server thread plus a few CLI or background users; SQLite readers don't
  // block each other in WAL mode.
  static constexpr std::size_t kMaxConnections = 16;

  static Result<UserRecord> OneUser(Statement& q, const std::string& what) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::NotFound(what + " not found");
    return ReadUser(q);
  }

  static Result<std::int64_t> Count(Connection& conn, const char* sql) {
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare(sql));
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? q.Int(0) : 0;
  }

  mutable ConnectionPool pool_;
  sqlite::SqliteRowCopier row_copier_{pool_};
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;  // last: stops before the pool closes
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::filesystem::path& file, core::Executor* executor) {
  auto catalog = std::make_unique<SqliteCatalog>(file);
  VITRINE_RETURN_IF_ERROR(catalog->Init(file, executor));
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace vitrine::catalog
