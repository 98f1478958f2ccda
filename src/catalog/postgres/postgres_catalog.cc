#include "catalog/postgres/postgres_catalog.h"

#include <chrono>

#include "catalog/postgres/annotation_queries.h"
#include "catalog/postgres/annotation_run_queries.h"
#include "catalog/postgres/connection.h"
#include "catalog/postgres/image_queries.h"
#include "catalog/postgres/job_queries.h"
#include "catalog/postgres/migrations.h"
#include "catalog/postgres/ontology_queries.h"
#include "catalog/postgres/project_series_queries.h"
#include "catalog/postgres/property_queries.h"
#include "catalog/postgres/row_copier.h"
#include "catalog/postgres/tuboid_queries.h"

namespace vitrine::catalog {
namespace {

using postgres::Connection;
using postgres::ConnectionPool;
using postgres::FromMicros;
using postgres::Micros;
using postgres::Params;
using postgres::Rows;
using postgres::Transaction;

constexpr const char* kUserColumns =
    "SELECT id, username, name, email, admin, enabled, created_at, password_hash, worker FROM users";

std::optional<Timestamp> FromOptionalMicros(std::optional<std::int64_t> us) {
  return us ? std::optional<Timestamp>(FromMicros(*us)) : std::nullopt;
}

// `first`: the column the user's columns start at.
UserRecord ReadUser(const Rows& q, int r, int first = 0) {
  UserRecord u;
  u.user.id = UserId(q.Int(r, first));
  u.user.username = q.Text(r, first + 1);
  u.user.name = q.Text(r, first + 2);
  u.user.email = q.Text(r, first + 3);
  u.user.admin = q.Bool(r, first + 4);
  u.user.enabled = q.Bool(r, first + 5);
  u.user.created_at = FromMicros(q.Int(r, first + 6));
  u.password_hash = q.Text(r, first + 7);
  u.user.worker = q.Bool(r, first + 8);
  return u;
}

Project ReadProject(const Rows& q, int r) {
  Project p;
  p.id = ProjectId(q.Int(r, 0));
  p.name = q.Text(r, 1);
  p.description = q.Text(r, 2);
  p.created_by = UserId(q.OptionalInt(r, 3).value_or(0));
  p.created_at = FromMicros(q.Int(r, 4));
  p.updated_at = FromMicros(q.Int(r, 5));
  return p;
}

ApiKey ReadApiKey(const Rows& q, int r) {
  return ApiKey{ApiKeyId(q.Int(r, 0)), UserId(q.Int(r, 1)), q.Text(r, 2), FromMicros(q.Int(r, 3)),
                FromOptionalMicros(q.OptionalInt(r, 4))};
}

BearerToken ReadToken(const Rows& q, int r) {
  return BearerToken{TokenId(q.Int(r, 0)),
                     UserId(q.Int(r, 1)),
                     FromMicros(q.Int(r, 2)),
                     FromMicros(q.Int(r, 3)),
                     FromOptionalMicros(q.OptionalInt(r, 4)),
                     q.IsNull(r, 5) ? std::nullopt : std::optional<ProjectId>(ProjectId(q.Int(r, 5)))};
}

Status NotFoundIfNone(const Rows& q, const std::string& what) {
  return q.affected() == 0 ? Status::NotFound(what + " not found") : Status::Ok();
}

std::optional<std::int64_t> OptionalId(std::int64_t id) {
  return id > 0 ? std::optional<std::int64_t>(id) : std::nullopt;
}

class PostgresCatalog final : public Catalog {
 public:
  explicit PostgresCatalog(postgres::ServerAddress server) : pool_(std::move(server)) {}

  Status Init() {
    auto now =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
    return pool_.RunStatus([&](Connection& conn) { return postgres::Migrate(conn, now.count()); });
  }

  Result<User> CreateUser(const NewUser& u) override {
    return pool_.Run<User>([&](Connection& conn) -> Result<User> {
      auto q = conn.Query(
          "INSERT INTO users(username, name, email, admin, password_hash, created_at)"
          " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          u.username, u.name, u.email, u.admin, u.password_hash, Micros(u.created_at));
      if (q.status().code() == ErrorCode::kConflict) return Status::Conflict("username '" + u.username + "' is taken");
      VITRINE_RETURN_IF_ERROR(q.status());
      return User{UserId(q->Int(0, 0)), u.username, u.name, u.email, u.admin, true, u.created_at, false};
    });
  }

  Result<UserRecord> GetUser(UserId id) const override {
    return OneUser(std::string(kUserColumns) + " WHERE id = $1", std::to_string(id.value()),
                   "user " + std::to_string(id.value()));
  }

  Result<UserRecord> FindUserByUsername(std::string_view username) const override {
    return OneUser(std::string(kUserColumns) + " WHERE lower(username) = lower($1::text COLLATE \"C\")",
                   std::string(username), "user '" + std::string(username) + "'");
  }

  Result<Page<User>> ListUsers(const PageRequest& page) const override {
    return pool_.Run<Page<User>>([&](Connection& conn) -> Result<Page<User>> {
      Page<User> out;
      VITRINE_ASSIGN_OR_RETURN(auto count, conn.Query("SELECT COUNT(*) FROM users"));
      out.total = count.Int(0, 0);
      VITRINE_ASSIGN_OR_RETURN(
          auto q, conn.Query(std::string(kUserColumns) + " ORDER BY id LIMIT $1 OFFSET $2", page.limit, page.offset));
      for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadUser(q, r).user);
      return out;
    });
  }

  Result<User> UpdateUser(UserId id, const UserChanges& c) override {
    VITRINE_RETURN_IF_ERROR(pool_.RunStatus([&](Connection& conn) -> Status {
      VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
      if (c.admin == false || c.enabled == false) {
        // Every enabled administrator's row, locked: two demotions at once are decided one after
        // the other, and the second sees the first.
        VITRINE_ASSIGN_OR_RETURN(auto admins,
                                 conn.Query("SELECT id FROM users WHERE admin AND enabled ORDER BY id FOR UPDATE"));
        bool is_one = false;
        for (int r = 0; r < admins.size(); ++r) is_one |= admins.Int(r, 0) == id.value();
        if (is_one && admins.size() == 1) {
          return Status::Conflict("user " + std::to_string(id.value()) +
                                  " is the last enabled administrator: make another one first");
        }
      }
      VITRINE_ASSIGN_OR_RETURN(auto q,
                               conn.Query("UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email),"
                                          " admin = COALESCE($3, admin), enabled = COALESCE($4, enabled),"
                                          " password_hash = COALESCE($5, password_hash),"
                                          " worker = COALESCE($7, worker) WHERE id = $6",
                                          c.name, c.email, c.admin, c.enabled, c.password_hash, id.value(), c.worker));
      VITRINE_RETURN_IF_ERROR(NotFoundIfNone(q, "user " + std::to_string(id.value())));
      if (c.revoke_tokens_at) {
        VITRINE_RETURN_IF_ERROR(conn.Query("UPDATE bearer_tokens SET revoked_at = $1 WHERE user_id = $2"
                                           " AND revoked_at IS NULL AND token_hash <> $3",
                                           Micros(*c.revoke_tokens_at), id.value(), c.keep_token_hash)
                                    .status());
      }
      return tx.Commit();
    }));
    VITRINE_ASSIGN_OR_RETURN(UserRecord r, GetUser(id));
    return r.user;
  }

  Result<std::int64_t> CountUsers() const override { return Count("SELECT COUNT(*) FROM users"); }

  Result<ApiKey> CreateApiKey(UserId owner, const std::string& public_key, const std::string& private_key,
                              Timestamp created_at) override {
    return pool_.Run<ApiKey>([&](Connection& conn) -> Result<ApiKey> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("INSERT INTO api_keys(user_id, public_key, private_key, created_at)"
                                                  " VALUES ($1, $2, $3, $4) RETURNING id",
                                                  owner.value(), public_key, private_key, Micros(created_at)));
      return ApiKey{ApiKeyId(q.Int(0, 0)), owner, public_key, created_at, std::nullopt};
    });
  }

  Result<ApiKeyRecord> FindApiKey(std::string_view public_key) const override {
    return pool_.Run<ApiKeyRecord>([&](Connection& conn) -> Result<ApiKeyRecord> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id, user_id, public_key, created_at, revoked_at, private_key"
                                                  " FROM api_keys WHERE public_key = $1",
                                                  public_key));
      if (q.empty()) return Status::NotFound("API key not found");
      return ApiKeyRecord{ReadApiKey(q, 0), q.Text(0, 5)};
    });
  }

  Result<std::vector<ApiKey>> ListApiKeys(UserId owner) const override {
    return pool_.Run<std::vector<ApiKey>>([&](Connection& conn) -> Result<std::vector<ApiKey>> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id, user_id, public_key, created_at, revoked_at"
                                                  " FROM api_keys WHERE user_id = $1 ORDER BY id",
                                                  owner.value()));
      std::vector<ApiKey> out;
      for (int r = 0; r < q.size(); ++r) out.push_back(ReadApiKey(q, r));
      return out;
    });
  }

  Status RevokeApiKey(UserId owner, ApiKeyId id, Timestamp revoked_at) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)"
                                                  " WHERE id = $2 AND user_id = $3",
                                                  Micros(revoked_at), id.value(), owner.value()));
      return NotFoundIfNone(q, "API key " + std::to_string(id.value()));
    });
  }

  Result<BearerToken> CreateToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                  Timestamp expires_at) override {
    return pool_.Run<BearerToken>([&](Connection& conn) -> Result<BearerToken> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("INSERT INTO bearer_tokens(user_id, token_hash, created_at,"
                                                  " expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
                                                  owner.value(), token_hash, Micros(created_at), Micros(expires_at)));
      return BearerToken{TokenId(q.Int(0, 0)), owner, created_at, expires_at, std::nullopt};
    });
  }

  Result<BearerToken> CreateJobToken(UserId owner, const std::string& token_hash, Timestamp created_at,
                                     Timestamp expires_at, ProjectId project, JobId job) override {
    return pool_.Run<BearerToken>([&](Connection& conn) -> Result<BearerToken> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("INSERT INTO bearer_tokens(user_id, token_hash, created_at,"
                                                  " expires_at, project_id, job_id) VALUES ($1, $2, $3, $4, $5, $6)"
                                                  " RETURNING id",
                                                  owner.value(), token_hash, Micros(created_at), Micros(expires_at),
                                                  project.value(), job.value()));
      return BearerToken{TokenId(q.Int(0, 0)), owner, created_at, expires_at, std::nullopt, project};
    });
  }

  Status RevokeJobTokens(JobId job, Timestamp revoked_at) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      return conn
          .Query("UPDATE bearer_tokens SET revoked_at = $1 WHERE job_id = $2 AND revoked_at IS NULL",
                 Micros(revoked_at), job.value())
          .status();
    });
  }

  Result<BearerToken> FindTokenByHash(std::string_view token_hash) const override {
    return pool_.Run<BearerToken>([&](Connection& conn) -> Result<BearerToken> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id, user_id, created_at, expires_at, revoked_at,"
                                                  " project_id FROM bearer_tokens WHERE token_hash = $1",
                                                  token_hash));
      if (q.empty()) return Status::NotFound("token not found");
      return ReadToken(q, 0);
    });
  }

  Result<TokenWithUser> FindTokenWithUser(std::string_view token_hash) const override {
    return pool_.Run<TokenWithUser>([&](Connection& conn) -> Result<TokenWithUser> {
      VITRINE_ASSIGN_OR_RETURN(
          auto q, conn.Query("SELECT t.id, t.user_id, t.created_at, t.expires_at, t.revoked_at, t.project_id, u.id,"
                             " u.username, u.name, u.email, u.admin, u.enabled, u.created_at, u.password_hash,"
                             " u.worker"
                             " FROM bearer_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
                             token_hash));
      if (q.empty()) return Status::NotFound("token not found");
      return TokenWithUser{ReadToken(q, 0), ReadUser(q, 0, 6)};
    });
  }

  Status RevokeToken(TokenId id, Timestamp revoked_at) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      VITRINE_ASSIGN_OR_RETURN(
          auto q, conn.Query("UPDATE bearer_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
                             Micros(revoked_at), id.value()));
      return NotFoundIfNone(q, "token " + std::to_string(id.value()));
    });
  }

  Result<Project> CreateProject(const NewProject& p) override {
    return pool_.Run<Project>([&](Connection& conn) -> Result<Project> {
      VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
      Project created{ProjectId(), p.name, p.description, p.created_by, p.created_at, p.created_at};
      VITRINE_ASSIGN_OR_RETURN(
          auto q, conn.Query("INSERT INTO projects(name, description, created_by, created_at,"
                             " updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
                             p.name, p.description, OptionalId(p.created_by.value()), Micros(p.created_at)));
      created.id = ProjectId(q.Int(0, 0));
      VITRINE_RETURN_IF_ERROR(conn.Query("INSERT INTO project_members(project_id, user_id, role) VALUES ($1, $2, $3)",
                                         created.id.value(), p.created_by.value(),
                                         static_cast<int>(ProjectRole::kManager))
                                  .status());
      for (const auto& [key, value] : p.properties) {
        VITRINE_RETURN_IF_ERROR(
            postgres::properties::Set(conn, postgres::properties::kProjects, created.id.value(), key, value));
      }
      created.properties = p.properties;
      VITRINE_RETURN_IF_ERROR(tx.Commit());
      return created;
    });
  }

  Result<Project> GetProject(ProjectId id) const override {
    return pool_.Run<Project>([&](Connection& conn) { return GetProjectOn(conn, id); });
  }

  Result<Project> UpdateProject(ProjectId id, const ProjectChanges& c) override {
    return pool_.Run<Project>([&](Connection& conn) -> Result<Project> {
      VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("UPDATE projects SET name = COALESCE($1, name),"
                                                  " description = COALESCE($2, description), updated_at = $3"
                                                  " WHERE id = $4",
                                                  c.name, c.description, Micros(c.updated_at), id.value()));
      VITRINE_RETURN_IF_ERROR(NotFoundIfNone(q, "project " + std::to_string(id.value())));
      VITRINE_RETURN_IF_ERROR(
          postgres::properties::Change(conn, postgres::properties::kProjects, id.value(), c.properties));
      VITRINE_RETURN_IF_ERROR(tx.Commit());
      return GetProjectOn(conn, id);
    });
  }

  Status DeleteProject(ProjectId id) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM projects WHERE id = $1", id.value()));
      return NotFoundIfNone(q, "project " + std::to_string(id.value()));
    });
  }

  Result<Page<Project>> ListProjects(std::optional<UserId> member, const ProjectFilter& filter,
                                     const PageRequest& page) const override {
    return pool_.Run<Page<Project>>([&](Connection& conn) -> Result<Page<Project>> {
      Params params;
      std::string where = " WHERE true";
      if (member) {
        where += " AND EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = " +
                 params.Add(member->value()) + ")";
      }
      if (filter.property) {
        where += postgres::properties::Condition(postgres::properties::kProjects, *filter.property, params);
      }
      Page<Project> out;
      {
        Params count_params = params;
        VITRINE_ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT COUNT(*) FROM projects p" + where, count_params));
        out.total = count.Int(0, 0);
      }
      std::string sql =
          "SELECT id, name, description, created_by, created_at, updated_at FROM projects p" + where + " ORDER BY id";
      sql += " LIMIT " + params.Add(page.limit);
      sql += " OFFSET " + params.Add(page.offset);
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
      for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadProject(q, r));
      VITRINE_RETURN_IF_ERROR(postgres::properties::LoadEach(conn, postgres::properties::kProjects, out.items));
      return out;
    });
  }

  Status PutMember(ProjectId project, UserId user, ProjectRole role) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      Status s = conn.Query(
                         "INSERT INTO project_members(project_id, user_id, role) VALUES ($1, $2, $3)"
                         " ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                         project.value(), user.value(), static_cast<int>(role))
                     .status();
      if (s.code() == ErrorCode::kNotFound) return Status::NotFound("project or user not found");
      return s;
    });
  }

  Status RemoveMember(ProjectId project, UserId user) override {
    return pool_.RunStatus([&](Connection& conn) -> Status {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2",
                                                  project.value(), user.value()));
      return NotFoundIfNone(q, "member " + std::to_string(user.value()));
    });
  }

  Result<std::optional<ProjectRole>> GetRole(ProjectId project, UserId user) const override {
    using Role = std::optional<ProjectRole>;
    return pool_.Run<Role>([&](Connection& conn) -> Result<Role> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT role FROM project_members"
                                                  " WHERE project_id = $1 AND user_id = $2",
                                                  project.value(), user.value()));
      if (q.empty()) return Role();
      return Role(static_cast<ProjectRole>(q.Int(0, 0)));
    });
  }

  Result<std::vector<ProjectMember>> ListMembers(ProjectId project) const override {
    return pool_.Run<std::vector<ProjectMember>>([&](Connection& conn) -> Result<std::vector<ProjectMember>> {
      VITRINE_ASSIGN_OR_RETURN(
          auto q, conn.Query("SELECT m.project_id, m.user_id, u.username, m.role FROM project_members m"
                             " JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY m.user_id",
                             project.value()));
      std::vector<ProjectMember> out;
      for (int r = 0; r < q.size(); ++r) {
        out.push_back(ProjectMember{ProjectId(q.Int(r, 0)), UserId(q.Int(r, 1)), q.Text(r, 2),
                                    static_cast<ProjectRole>(q.Int(r, 3))});
      }
      return out;
    });
  }

  Result<Image> InsertImage(const Image& image) override { return postgres::images::Insert(pool_, image); }
  Result<Image> GetImage(ImageId id) const override { return postgres::images::Get(pool_, id); }
  Result<ImageAccess> GetImageAccess(ImageId id, UserId user) const override {
    return postgres::images::GetAccess(pool_, id, user);
  }
  Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                          const std::vector<std::string>& sha256s) const override {
    return postgres::images::FindByHash(pool_, project, sha256s);
  }
  Result<Image> UpdateImage(ImageId id, const ImageChanges& changes) override {
    return postgres::images::Update(pool_, id, changes);
  }
  Status DeleteImage(ImageId id) override { return postgres::images::Delete(pool_, id); }
  Result<Page<Image>> ListImages(const ImageScope& scope, const ImageFilter& filter,
                                 const PageRequest& page) const override {
    return postgres::images::List(pool_, scope, filter, page);
  }

  Result<std::vector<AnnotationId>> InsertAnnotations(const std::vector<AnnotationRow>& rows) override {
    return postgres::annotations::Insert(pool_, rows);
  }
  Result<AnnotationRow> GetAnnotation(AnnotationId id) const override { return postgres::annotations::Get(pool_, id); }
  Result<Page<AnnotationRow>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page,
                                              const AnnotationColumns& columns) const override {
    return postgres::annotations::List(pool_, filter, page, columns);
  }
  Status DeleteAnnotation(AnnotationId id) override { return postgres::annotations::Delete(pool_, id); }
  Status ReplaceAnnotation(const AnnotationRow& row, Timestamp seen_updated_at) override {
    return postgres::annotations::Replace(pool_, row, seen_updated_at);
  }
  Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter) override {
    return postgres::annotations::DeleteMatching(pool_, filter);
  }

  Result<CreatedAnnotationRun> InsertAnnotationRun(const AnnotationRun& run, RunReplacement replace,
                                                   std::vector<AnnotationRow> rows) override {
    return postgres::annotation_runs::Insert(pool_, run, replace, rows);
  }
  Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) const override {
    return postgres::annotation_runs::Get(pool_, id);
  }
  Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter, std::optional<UserId> member,
                                                 const PageRequest& page) const override {
    return postgres::annotation_runs::List(pool_, filter, member, page);
  }
  Status DeleteAnnotationRun(AnnotationRunId id) override { return postgres::annotation_runs::Delete(pool_, id); }
  Result<std::vector<ImageId>> LeaseImagesToAnnotate(const AnnotationLeaseQuery& query) override {
    return postgres::annotation_runs::LeaseImages(pool_, query);
  }

  Result<std::vector<SeriesColumn>> ListSeriesColumns(ProjectId project) const override {
    return postgres::project_series::Columns(pool_, project);
  }
  Status AddSeriesColumn(ProjectId project, const SeriesColumn& column) override {
    return postgres::project_series::AddColumn(pool_, project, column);
  }
  Status RenameSeriesColumn(ProjectId project, const std::string& from, const std::string& to) override {
    return postgres::project_series::RenameColumn(pool_, project, from, to);
  }
  Status DropSeriesColumn(ProjectId project, const std::string& name) override {
    return postgres::project_series::DropColumn(pool_, project, name);
  }
  Result<std::vector<ProjectSeriesRow>> ListProjectSeries(ProjectId project, std::int64_t limit) const override {
    return postgres::project_series::List(pool_, project, limit);
  }
  Result<ProjectSeriesRow> PutProjectSeries(const ProjectSeriesRow& row) override {
    return postgres::project_series::Put(pool_, row);
  }
  Status DeleteProjectSeries(ProjectId project, std::int64_t id) override {
    return postgres::project_series::Delete(pool_, project, id);
  }

  Result<Tuboid> InsertTuboid(const Tuboid& tuboid) override { return postgres::tuboids::Insert(pool_, tuboid); }
  Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter, std::optional<UserId> member,
                                   const PageRequest& page) const override {
    return postgres::tuboids::List(pool_, filter, member, page);
  }
  Result<std::string> TuboidShots(TuboidId id) const override { return postgres::tuboids::Shots(pool_, id); }
  Status DeleteTuboidSeries(TuboidSeriesId id) override { return postgres::tuboids::DeleteSeries(pool_, id); }
  Result<ItcLabel> InsertItcLabel(const ItcLabel& label) override {
    return postgres::tuboids::InsertLabel(pool_, label);
  }
  Result<std::vector<ItcLabel>> ListItcLabels(const std::vector<TuboidId>& tuboids) const override {
    return postgres::tuboids::ListLabels(pool_, tuboids);
  }

  Result<Ontology> CreateOntology(const std::string& name, UserId created_by, Timestamp created_at) override {
    return postgres::ontologies::Create(pool_, name, created_by, created_at);
  }
  Result<Ontology> GetOntology(OntologyId id) const override { return postgres::ontologies::Get(pool_, id); }
  Result<Page<Ontology>> ListOntologies(const PageRequest& page) const override {
    return postgres::ontologies::List(pool_, page);
  }
  Status DeleteOntology(OntologyId id) override { return postgres::ontologies::Delete(pool_, id); }
  Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) override {
    return postgres::ontologies::CreateTerm(pool_, ontology, term);
  }
  Result<Term> GetTerm(TermId id) const override { return postgres::ontologies::GetTerm(pool_, id); }
  Result<Term> UpdateTerm(TermId id, const TermUpdate& update) override {
    return postgres::ontologies::UpdateTerm(pool_, id, update);
  }
  Status DeleteTerm(TermId id, bool detach) override { return postgres::ontologies::DeleteTerm(pool_, id, detach); }
  Result<std::vector<TermId>> WithDescendants(const std::vector<TermId>& terms) const override {
    return postgres::ontologies::WithDescendants(pool_, terms);
  }
  Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) override {
    return postgres::ontologies::SetProjectOntology(pool_, project, ontology);
  }
  Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) const override {
    return postgres::ontologies::GetProjectOntology(pool_, project);
  }
  Result<std::vector<ProjectId>> ProjectsUsingOntology(OntologyId ontology) const override {
    return postgres::ontologies::ProjectsUsing(pool_, ontology);
  }

  Status PutDerivedBlob(ImageId image, std::string_view kind, const std::string& sha256,
                        Timestamp created_at) override {
    return postgres::images::PutDerived(pool_, image, kind, sha256, created_at);
  }
  Result<std::optional<std::string>> GetDerivedBlob(ImageId image, std::string_view kind) const override {
    return postgres::images::GetDerived(pool_, image, kind);
  }
  Result<bool> IsBlobReferenced(std::string_view sha256) const override {
    return postgres::images::IsBlobReferenced(pool_, sha256);
  }

  Result<Analytic> InsertAnalytic(const Analytic& a) override { return postgres::jobs::InsertAnalytic(pool_, a); }
  Result<Analytic> GetAnalytic(AnalyticId id) const override { return postgres::jobs::GetAnalytic(pool_, id); }
  Result<Analytic> FindAnalytic(std::string_view name, std::string_view version) const override {
    return postgres::jobs::FindAnalytic(pool_, name, version);
  }
  Result<std::vector<Analytic>> ListAnalytics(bool all_versions) const override {
    return postgres::jobs::ListAnalytics(pool_, all_versions);
  }
  Status DeleteAnalytic(AnalyticId id) override { return postgres::jobs::DeleteAnalytic(pool_, id); }

  Result<DataFile> InsertDataFile(const DataFile& d) override { return postgres::jobs::InsertDataFile(pool_, d); }
  Result<DataFile> GetDataFile(DataId id) const override { return postgres::jobs::GetDataFile(pool_, id); }
  Result<Page<DataFile>> ListDataFiles(const DataFilter& filter, std::optional<UserId> member,
                                       const PageRequest& page) const override {
    return postgres::jobs::ListDataFiles(pool_, filter, member, page);
  }
  Result<DataFile> SetDataFileExpiry(DataId id, std::optional<Timestamp> expires_at) override {
    return postgres::jobs::SetDataFileExpiry(pool_, id, expires_at);
  }
  Status DeleteDataFile(DataId id) override { return postgres::jobs::DeleteDataFile(pool_, id); }
  Result<std::vector<DataId>> ExpiredDataFiles(Timestamp now, std::size_t limit) const override {
    return postgres::jobs::ExpiredDataFiles(pool_, now, limit);
  }

  Result<Job> InsertJob(const Job& job) override { return postgres::jobs::InsertJob(pool_, job); }
  Result<Job> GetJob(JobId id) const override { return postgres::jobs::GetJob(pool_, id); }
  Result<Page<Job>> ListJobs(const JobFilter& filter, std::optional<UserId> member,
                             const PageRequest& page) const override {
    return postgres::jobs::ListJobs(pool_, filter, member, page);
  }
  Status DeleteJob(JobId id) override { return postgres::jobs::DeleteJob(pool_, id); }
  Result<Job> ModifyJob(JobId id, const JobEdit& edit) override { return postgres::jobs::ModifyJob(pool_, id, edit); }
  Result<std::optional<Job>> ClaimJob(const std::vector<std::string>& analytics, const JobEdit& edit,
                                      const std::optional<ClaimToken>& token) override {
    return postgres::jobs::ClaimJob(pool_, analytics, edit, token);
  }
  Result<std::vector<JobId>> JobsWithExpiredLease(Timestamp now, std::size_t limit) const override {
    return postgres::jobs::JobsWithExpiredLease(pool_, now, limit);
  }
  Result<std::vector<JobId>> JobsWithExpiredOutputs(Timestamp now, std::size_t limit) const override {
    return postgres::jobs::JobsWithExpiredOutputs(pool_, now, limit);
  }
  Result<std::int64_t> AppendJobLog(JobId id, int attempt, std::string_view text, std::int64_t max_bytes) override {
    return postgres::jobs::AppendJobLog(pool_, id, attempt, text, max_bytes);
  }
  Result<std::vector<LogChunk>> ReadJobLog(JobId id, std::int64_t after_seq, std::size_t max_bytes) const override {
    return postgres::jobs::ReadJobLog(pool_, id, after_seq, max_bytes);
  }
  RowCopier& rows() override { return row_copier_; }

 private:
  static Result<Project> GetProjectOn(Connection& conn, ProjectId id) {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id, name, description, created_by, created_at, updated_at"
                                                " FROM projects WHERE id = $1",
                                                id.value()));
    if (q.empty()) return Status::NotFound("project " + std::to_string(id.value()) + " not found");
    Project project = ReadProject(q, 0);
    VITRINE_ASSIGN_OR_RETURN(project.properties,
                             postgres::properties::Load(conn, postgres::properties::kProjects, id.value()));
    return project;
  }

  Result<UserRecord> OneUser(const std::string& sql, const std::string& value, const std::string& what) const {
    return pool_.Run<UserRecord>([&](Connection& conn) -> Result<UserRecord> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(sql, value));
      if (q.empty()) return Status::NotFound(what + " not found");
      return ReadUser(q, 0);
    });
  }

  Result<std::int64_t> Count(const char* sql) const {
    return pool_.Run<std::int64_t>([&](Connection& conn) -> Result<std::int64_t> {
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(sql));
      return q.Int(0, 0);
    });
  }

  mutable ConnectionPool pool_;
  postgres::PostgresRowCopier row_copier_{pool_};
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(std::string_view url) {
  VITRINE_ASSIGN_OR_RETURN(postgres::ServerAddress server, postgres::ParseServerUrl(url));
  auto catalog = std::make_unique<PostgresCatalog>(std::move(server));
  VITRINE_RETURN_IF_ERROR(catalog->Init());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace vitrine::catalog
