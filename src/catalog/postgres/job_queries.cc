#include "catalog/postgres/job_queries.h"

#include "catalog/job_rows.h"

namespace vitrine::catalog::postgres::jobs {
namespace {

std::optional<Timestamp> OptionalTime(const Rows& q, int r, int col) {
  auto us = q.OptionalInt(r, col);
  return us ? std::optional<Timestamp>(FromMicros(*us)) : std::nullopt;
}
std::optional<std::int64_t> OptionalMicros(const std::optional<Timestamp>& t) {
  return t ? std::optional<std::int64_t>(Micros(*t)) : std::nullopt;
}
std::optional<std::int64_t> OptionalUser(UserId id) {
  return id.valid() ? std::optional<std::int64_t>(id.value()) : std::nullopt;
}

// ---- analytics ----

constexpr const char* kAnalyticColumns =
    "SELECT id, name, version, description, builtin, supports_cpu, supports_gpu, doc, bundle_sha256, created_by,"
    " created_at FROM analytics";

Analytic ReadAnalytic(const Rows& q, int r) {
  Analytic a;
  a.id = AnalyticId(q.Int(r, 0));
  a.name = q.Text(r, 1);
  a.version = q.Text(r, 2);
  a.description = q.Text(r, 3);
  a.builtin = q.Bool(r, 4);
  a.supports_cpu = q.Bool(r, 5);
  a.supports_gpu = q.Bool(r, 6);
  a.doc = q.Text(r, 7);
  a.bundle_sha256 = q.OptionalText(r, 8).value_or("");
  a.created_by = UserId(q.OptionalInt(r, 9).value_or(0));
  a.created_at = FromMicros(q.Int(r, 10));
  return a;
}

// ---- data files ----

constexpr const char* kDataColumns =
    "SELECT id, project_id, name, media_type, size_bytes, sha256, created_by, created_at, expires_at, etag"
    " FROM data_files";

DataFile ReadData(const Rows& q, int r) {
  DataFile d;
  d.id = DataId(q.Int(r, 0));
  d.project_id = ProjectId(q.Int(r, 1));
  d.name = q.Text(r, 2);
  d.media_type = q.Text(r, 3);
  d.size_bytes = q.Int(r, 4);
  d.sha256 = q.Text(r, 5);
  d.created_by = UserId(q.OptionalInt(r, 6).value_or(0));
  d.created_at = FromMicros(q.Int(r, 7));
  d.expires_at = OptionalTime(q, r, 8);
  d.etag = q.Text(r, 9);
  return d;
}

Result<DataFile> GetDataOn(Connection& conn, DataId id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string(kDataColumns) + " WHERE id = $1", id.value()));
  if (q.empty()) return Status::NotFound("data " + std::to_string(id.value()) + " not found");
  return ReadData(q, 0);
}

// ---- jobs ----

constexpr const char* kJobColumns =
    "SELECT id, project_id, analytic_id, analytic, analytic_version, name, created_by, state, failure_type,"
    " failure_reason, inputs, parameters, auto_start, archived, kill_requested, progress, attempt, max_attempts,"
    " worker, lease_expires_at, log_bytes, created_at, queued_at, started_at, completed_at, failed_at, expires_at,"
    " messages FROM jobs";

Result<Job> ReadJob(const Rows& q, int r, bool with_messages) {
  Job j;
  j.id = JobId(q.Int(r, 0));
  j.project_id = ProjectId(q.Int(r, 1));
  j.analytic_id = AnalyticId(q.Int(r, 2));
  j.analytic = q.Text(r, 3);
  j.analytic_version = q.Text(r, 4);
  j.name = q.Text(r, 5);
  j.created_by = UserId(q.OptionalInt(r, 6).value_or(0));
  auto state = JobStateFromName(q.Text(r, 7));
  auto failure = JobFailureFromName(q.Text(r, 8));
  if (!state || !failure) return Status::Internal("job " + std::to_string(j.id.value()) + " has an unknown state");
  j.state = *state;
  j.failure_type = *failure;
  j.failure_reason = q.Text(r, 9);
  j.inputs = q.Text(r, 10);
  j.parameters = q.Text(r, 11);
  j.auto_start = q.Bool(r, 12);
  j.archived = q.Bool(r, 13);
  j.kill_requested = q.Bool(r, 14);
  j.progress = static_cast<int>(q.Int(r, 15));
  j.attempt = static_cast<int>(q.Int(r, 16));
  j.max_attempts = static_cast<int>(q.Int(r, 17));
  j.worker = q.Text(r, 18);
  j.lease_expires_at = OptionalTime(q, r, 19);
  j.log_bytes = q.Int(r, 20);
  j.created_at = FromMicros(q.Int(r, 21));
  j.queued_at = OptionalTime(q, r, 22);
  j.started_at = OptionalTime(q, r, 23);
  j.completed_at = OptionalTime(q, r, 24);
  j.failed_at = OptionalTime(q, r, 25);
  j.expires_at = OptionalTime(q, r, 26);
  if (with_messages) {
    VITRINE_ASSIGN_OR_RETURN(j.messages, JobMessagesFromJson(q.Text(r, 27)));
  }
  return j;
}

Result<std::vector<JobOutput>> LoadOutputs(Connection& conn, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT name, type, filename, media_type, size_bytes, sha256"
                                              " FROM job_outputs WHERE job_id = $1 ORDER BY name",
                                              id.value()));
  std::vector<JobOutput> out;
  for (int r = 0; r < q.size(); ++r) {
    out.push_back({q.Text(r, 0), q.Text(r, 1), q.Text(r, 2), q.Text(r, 3), q.Int(r, 4), q.Text(r, 5)});
  }
  return out;
}

// `lock`: FOR UPDATE, for a read that a write of the same transaction depends on.
Result<Job> GetJobOn(Connection& conn, JobId id, bool lock) {
  VITRINE_ASSIGN_OR_RETURN(
      auto q, conn.Query(std::string(kJobColumns) + " WHERE id = $1" + (lock ? " FOR UPDATE" : ""), id.value()));
  if (q.empty()) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
  VITRINE_ASSIGN_OR_RETURN(Job job, ReadJob(q, 0, true));
  VITRINE_ASSIGN_OR_RETURN(job.outputs, LoadOutputs(conn, id));
  return job;
}

Status WriteOutputs(Connection& conn, JobId id, const std::vector<JobOutput>& before,
                    const std::vector<JobOutput>& after) {
  if (SameOutputs(before, after)) return Status::Ok();
  VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM job_outputs WHERE job_id = $1", id.value()).status());
  for (const JobOutput& o : after) {
    Status s = conn.Query(
                       "INSERT INTO job_outputs(job_id, name, type, filename, media_type, size_bytes, sha256)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       id.value(), o.name, o.type, o.filename, o.media_type, o.size_bytes, o.sha256)
                   .status();
    if (s.code() == ErrorCode::kConflict) return Status::InvalidArgument("output '" + o.name + "' given twice");
    VITRINE_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status WriteJob(Connection& conn, const Job& before, const Job& j) {
  VITRINE_RETURN_IF_ERROR(
      conn.Query("UPDATE jobs SET name = $1, state = $2, failure_type = $3, failure_reason = $4, inputs = $5,"
                 " parameters = $6, auto_start = $7, archived = $8, kill_requested = $9, progress = $10,"
                 " attempt = $11, max_attempts = $12, worker = $13, lease_expires_at = $14, queued_at = $15,"
                 " started_at = $16, completed_at = $17, failed_at = $18, expires_at = $19, messages = $20"
                 " WHERE id = $21",
                 j.name, std::string(JobStateName(j.state)), std::string(JobFailureName(j.failure_type)),
                 j.failure_reason, j.inputs, j.parameters, j.auto_start, j.archived, j.kill_requested, j.progress,
                 j.attempt, j.max_attempts, j.worker, OptionalMicros(j.lease_expires_at), OptionalMicros(j.queued_at),
                 OptionalMicros(j.started_at), OptionalMicros(j.completed_at), OptionalMicros(j.failed_at),
                 OptionalMicros(j.expires_at), JobMessagesToJson(j.messages), j.id.value())
          .status());
  if (HoldsLease(before.state) && !HoldsLease(j.state)) {
    VITRINE_RETURN_IF_ERROR(
        conn.Query("UPDATE bearer_tokens SET revoked_at = $1 WHERE job_id = $2 AND revoked_at IS NULL",
                   Micros(ChangedAt(j)), j.id.value())
            .status());
  }
  return WriteOutputs(conn, j.id, before.outputs, j.outputs);
}

Result<Job> EditOn(Connection& conn, Job job, const Catalog::JobEdit& edit) {
  const Job before = job;
  VITRINE_RETURN_IF_ERROR(ApplyJobEdit(job, edit));
  VITRINE_RETURN_IF_ERROR(WriteJob(conn, before, job));
  return job;
}

Result<std::vector<JobId>> Ids(const Rows& q) {
  std::vector<JobId> out;
  for (int r = 0; r < q.size(); ++r) out.emplace_back(q.Int(r, 0));
  return out;
}

}  // namespace

Result<Analytic> InsertAnalytic(ConnectionPool& pool, const Analytic& a) {
  return pool.Run<Analytic>([&](Connection& conn) -> Result<Analytic> {
    std::optional<std::string> bundle;
    if (!a.bundle_sha256.empty()) bundle = a.bundle_sha256;
    auto q = conn.Query(
        "INSERT INTO analytics(name, version, description, builtin, supports_cpu, supports_gpu, doc,"
        " bundle_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " RETURNING id",
        a.name, a.version, a.description, a.builtin, a.supports_cpu, a.supports_gpu, a.doc, bundle,
        OptionalUser(a.created_by), Micros(a.created_at));
    if (!q.ok() && q.status().code() == ErrorCode::kConflict) {
      return Status::Conflict("analytic " + a.name + " version " + a.version + " is already registered");
    }
    VITRINE_RETURN_IF_ERROR(q.status());
    Analytic stored = a;
    stored.id = AnalyticId(q->Int(0, 0));
    return stored;
  });
}

Result<Analytic> GetAnalytic(ConnectionPool& pool, AnalyticId id) {
  return pool.Run<Analytic>([&](Connection& conn) -> Result<Analytic> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string(kAnalyticColumns) + " WHERE id = $1", id.value()));
    if (q.empty()) return Status::NotFound("analytic " + std::to_string(id.value()) + " not found");
    return ReadAnalytic(q, 0);
  });
}

Result<Analytic> FindAnalytic(ConnectionPool& pool, std::string_view name, std::string_view version) {
  return pool.Run<Analytic>([&](Connection& conn) -> Result<Analytic> {
    VITRINE_ASSIGN_OR_RETURN(auto q,
                             conn.Query(std::string(kAnalyticColumns) + " WHERE name = $1 AND ($2 = '' OR version = $2)"
                                                                        " ORDER BY id DESC LIMIT 1",
                                        name, version));
    if (q.empty()) {
      return Status::NotFound("no analytic " + std::string(name) +
                              (version.empty() ? std::string() : " version " + std::string(version)));
    }
    return ReadAnalytic(q, 0);
  });
}

Result<std::vector<Analytic>> ListAnalytics(ConnectionPool& pool, bool all_versions) {
  return pool.Run<std::vector<Analytic>>([&](Connection& conn) -> Result<std::vector<Analytic>> {
    std::string sql = kAnalyticColumns;
    if (!all_versions) sql += " WHERE id IN (SELECT MAX(id) FROM analytics GROUP BY name)";
    sql += " ORDER BY name, id";
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(sql));
    std::vector<Analytic> out;
    for (int r = 0; r < q.size(); ++r) out.push_back(ReadAnalytic(q, r));
    return out;
  });
}

Status DeleteAnalytic(ConnectionPool& pool, AnalyticId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(auto row, conn.Query("SELECT 1 FROM analytics WHERE id = $1 FOR UPDATE", id.value()));
    if (row.empty()) return Status::NotFound("analytic " + std::to_string(id.value()) + " not found");
    VITRINE_ASSIGN_OR_RETURN(auto used, conn.Query("SELECT COUNT(*) FROM jobs WHERE analytic_id = $1", id.value()));
    if (used.Int(0, 0) > 0) {
      return Status::Conflict("analytic " + std::to_string(id.value()) + " is used by " + used.Text(0, 0) +
                              " job(s); delete them first");
    }
    auto deleted = conn.Query("DELETE FROM analytics WHERE id = $1", id.value());
    // A job inserted meanwhile refers to it: the foreign key refuses, as the count would have.
    if (!deleted.ok() && deleted.status().code() == ErrorCode::kNotFound) {
      return Status::Conflict("analytic " + std::to_string(id.value()) + " is used by a job; delete it first");
    }
    VITRINE_RETURN_IF_ERROR(deleted.status());
    return tx.Commit();
  });
}

Result<DataFile> InsertDataFile(ConnectionPool& pool, const DataFile& d) {
  return pool.Run<DataFile>([&](Connection& conn) -> Result<DataFile> {
    auto q = conn.Query(
        "INSERT INTO data_files(project_id, name, media_type, size_bytes, sha256, created_by,"
        " created_at, expires_at, etag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        d.project_id.value(), d.name, d.media_type, d.size_bytes, d.sha256, OptionalUser(d.created_by),
        Micros(d.created_at), OptionalMicros(d.expires_at), d.etag);
    if (!q.ok() && q.status().code() == ErrorCode::kNotFound) {
      return Status::NotFound("project " + std::to_string(d.project_id.value()) + " not found");
    }
    VITRINE_RETURN_IF_ERROR(q.status());
    DataFile stored = d;
    stored.id = DataId(q->Int(0, 0));
    return stored;
  });
}

Result<DataFile> GetDataFile(ConnectionPool& pool, DataId id) {
  return pool.Run<DataFile>([&](Connection& conn) { return GetDataOn(conn, id); });
}

Result<Page<DataFile>> ListDataFiles(ConnectionPool& pool, const DataFilter& filter, std::optional<UserId> member,
                                     const PageRequest& page) {
  return pool.Run<Page<DataFile>>([&](Connection& conn) -> Result<Page<DataFile>> {
    Params params;
    std::string where = " WHERE true";
    if (filter.project) where += " AND project_id = " + params.Add(filter.project->value());
    if (filter.name_like) where += " AND name LIKE " + params.Add(*filter.name_like);
    if (member) {
      where +=
          " AND project_id IN (SELECT project_id FROM project_members WHERE user_id = " + params.Add(member->value()) +
          ")";
    }
    Page<DataFile> out;
    Params count_params = params;
    VITRINE_ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT COUNT(*) FROM data_files" + where, count_params));
    out.total = count.Int(0, 0);
    std::string sql = std::string(kDataColumns) + where + " ORDER BY id LIMIT " + params.Add(page.limit) + " OFFSET " +
                      params.Add(page.offset);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadData(q, r));
    return out;
  });
}

Result<DataFile> SetDataFileExpiry(ConnectionPool& pool, DataId id, std::optional<Timestamp> expires_at) {
  return pool.Run<DataFile>([&](Connection& conn) -> Result<DataFile> {
    VITRINE_RETURN_IF_ERROR(
        conn.Query("UPDATE data_files SET expires_at = $1 WHERE id = $2", OptionalMicros(expires_at), id.value())
            .status());
    return GetDataOn(conn, id);
  });
}

Status DeleteDataFile(ConnectionPool& pool, DataId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM data_files WHERE id = $1", id.value()));
    if (q.affected() == 0) return Status::NotFound("data " + std::to_string(id.value()) + " not found");
    return Status::Ok();
  });
}

Result<std::vector<DataId>> ExpiredDataFiles(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  return pool.Run<std::vector<DataId>>([&](Connection& conn) -> Result<std::vector<DataId>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id FROM data_files WHERE expires_at IS NOT NULL"
                                                " AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
                                                Micros(now), static_cast<std::int64_t>(limit)));
    std::vector<DataId> out;
    for (int r = 0; r < q.size(); ++r) out.emplace_back(q.Int(r, 0));
    return out;
  });
}

Result<Job> InsertJob(ConnectionPool& pool, const Job& j) {
  return pool.Run<Job>([&](Connection& conn) -> Result<Job> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    auto q = conn.Query(
        "INSERT INTO jobs(project_id, analytic_id, analytic, analytic_version, name, created_by,"
        " state, max_attempts, inputs, parameters, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        j.project_id.value(), j.analytic_id.value(), j.analytic, j.analytic_version, j.name, OptionalUser(j.created_by),
        std::string(JobStateName(JobState::kReady)), j.max_attempts, j.inputs, j.parameters, Micros(j.created_at));
    if (!q.ok() && q.status().code() == ErrorCode::kNotFound) {
      return Status::NotFound("the job's project or analytic no longer exists");
    }
    VITRINE_RETURN_IF_ERROR(q.status());
    Job stored = j;
    stored.id = JobId(q->Int(0, 0));
    Job blank = stored;
    blank.outputs.clear();
    VITRINE_RETURN_IF_ERROR(WriteJob(conn, blank, stored));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return stored;
  });
}

Result<Job> GetJob(ConnectionPool& pool, JobId id) {
  return pool.Run<Job>([&](Connection& conn) { return GetJobOn(conn, id, false); });
}

Result<Page<Job>> ListJobs(ConnectionPool& pool, const JobFilter& filter, std::optional<UserId> member,
                           const PageRequest& page) {
  return pool.Run<Page<Job>>([&](Connection& conn) -> Result<Page<Job>> {
    Params params;
    std::string where = " WHERE true";
    if (filter.state) where += " AND state = " + params.Add(std::string(JobStateName(*filter.state)));
    if (filter.analytic) where += " AND analytic = " + params.Add(*filter.analytic);
    if (filter.project) where += " AND project_id = " + params.Add(filter.project->value());
    if (filter.archived) where += " AND archived = " + params.Add(*filter.archived);
    if (filter.created_by) where += " AND created_by = " + params.Add(filter.created_by->value());
    if (filter.created_from) where += " AND created_at >= " + params.Add(Micros(*filter.created_from));
    if (filter.created_to) where += " AND created_at < " + params.Add(Micros(*filter.created_to));
    if (member) {
      where +=
          " AND project_id IN (SELECT project_id FROM project_members WHERE user_id = " + params.Add(member->value()) +
          ")";
    }
    Page<Job> out;
    Params count_params = params;
    VITRINE_ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT COUNT(*) FROM jobs" + where, count_params));
    out.total = count.Int(0, 0);
    const std::string direction = filter.descending ? " DESC" : "";
    std::string order;
    switch (filter.sort) {
      case JobSort::kCreatedAt:
        order = " ORDER BY created_at" + direction + ", id" + direction;
        break;
      case JobSort::kId:
        order = " ORDER BY id" + direction;
        break;
      case JobSort::kState:
        order = " ORDER BY state" + direction + ", id" + direction;
        break;
    }
    std::string sql = std::string(kJobColumns) + where + order + " LIMIT " + params.Add(page.limit) + " OFFSET " +
                      params.Add(page.offset);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    for (int r = 0; r < q.size(); ++r) {
      VITRINE_ASSIGN_OR_RETURN(Job job, ReadJob(q, r, false));
      VITRINE_ASSIGN_OR_RETURN(job.outputs, LoadOutputs(conn, job.id));
      out.items.push_back(std::move(job));
    }
    return out;
  });
}

Status DeleteJob(ConnectionPool& pool, JobId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM jobs WHERE id = $1", id.value()));
    if (q.affected() == 0) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
    return Status::Ok();
  });
}

Result<Job> ModifyJob(ConnectionPool& pool, JobId id, const Catalog::JobEdit& edit) {
  return pool.Run<Job>([&](Connection& conn) -> Result<Job> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(Job job, GetJobOn(conn, id, /*lock=*/true));
    VITRINE_ASSIGN_OR_RETURN(Job changed, EditOn(conn, std::move(job), edit));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return changed;
  });
}

Result<std::optional<Job>> ClaimJob(ConnectionPool& pool, const std::vector<std::string>& analytics,
                                    const Catalog::JobEdit& edit, const std::optional<Catalog::ClaimToken>& token) {
  return pool.Run<std::optional<Job>>([&](Connection& conn) -> Result<std::optional<Job>> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    Params params;
    std::string sql = "SELECT id FROM jobs WHERE state = 'QUEUED'";
    if (!analytics.empty()) {
      std::string list = "{";
      for (std::size_t i = 0; i < analytics.size(); ++i) {
        std::string quoted = "\"";
        for (char c : analytics[i]) {
          if (c == '"' || c == '\\') quoted += '\\';
          quoted += c;
        }
        list += (i ? "," : "") + quoted + "\"";
      }
      sql += " AND analytic = ANY(" + params.Add(list + "}") + "::text[])";
    }
    sql += " ORDER BY queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    if (q.empty()) return std::optional<Job>();
    VITRINE_ASSIGN_OR_RETURN(Job job, GetJobOn(conn, JobId(q.Int(0, 0)), /*lock=*/true));
    VITRINE_ASSIGN_OR_RETURN(Job claimed, EditOn(conn, std::move(job), edit));
    if (token && claimed.created_by.valid()) {
      VITRINE_RETURN_IF_ERROR(conn.Query("INSERT INTO bearer_tokens(user_id, token_hash, created_at, expires_at,"
                                         " project_id, job_id) VALUES ($1, $2, $3, $4, $5, $6)",
                                         claimed.created_by.value(), token->hash, Micros(token->created_at),
                                         Micros(token->expires_at), claimed.project_id.value(), claimed.id.value())
                                  .status());
    }
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return std::optional<Job>(std::move(claimed));
  });
}

Result<std::vector<JobId>> JobsWithExpiredLease(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  return pool.Run<std::vector<JobId>>([&](Connection& conn) -> Result<std::vector<JobId>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id FROM jobs WHERE state IN ('SCHEDULED', 'RUNNING')"
                                                " AND lease_expires_at < $1 ORDER BY lease_expires_at LIMIT $2",
                                                Micros(now), static_cast<std::int64_t>(limit)));
    return Ids(q);
  });
}

Result<std::vector<JobId>> JobsWithExpiredOutputs(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  return pool.Run<std::vector<JobId>>([&](Connection& conn) -> Result<std::vector<JobId>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= $1"
                                                " AND state IN ('COMPLETE', 'FAILED')"
                                                " AND EXISTS (SELECT 1 FROM job_outputs o WHERE o.job_id = jobs.id)"
                                                " ORDER BY expires_at LIMIT $2",
                                                Micros(now), static_cast<std::int64_t>(limit)));
    return Ids(q);
  });
}

Result<std::int64_t> AppendJobLog(ConnectionPool& pool, JobId id, int attempt, std::string_view text,
                                  std::int64_t max_bytes) {
  return pool.Run<std::int64_t>([&](Connection& conn) -> Result<std::int64_t> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT attempt, log_bytes,"
                                                " (SELECT COALESCE(MAX(seq), 0) FROM job_logs WHERE job_id = $1)"
                                                " FROM jobs WHERE id = $1 FOR UPDATE",
                                                id.value()));
    if (q.empty()) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
    const std::int64_t stored_attempt = q.Int(0, 0), size = q.Int(0, 1), last_seq = q.Int(0, 2);
    if (stored_attempt != attempt) {
      return Status::Conflict("job " + std::to_string(id.value()) + " is on attempt " + std::to_string(stored_attempt) +
                              ", not " + std::to_string(attempt) + ": this worker's lease was lost");
    }
    const LogAppend append = CutToLogCap(size, text, max_bytes);
    if (append.chunk.empty()) return size;
    VITRINE_RETURN_IF_ERROR(conn.Query("INSERT INTO job_logs(job_id, seq, text) VALUES ($1, $2, $3)", id.value(),
                                       last_seq + 1, append.chunk)
                                .status());
    VITRINE_RETURN_IF_ERROR(
        conn.Query("UPDATE jobs SET log_bytes = $1 WHERE id = $2", append.new_size, id.value()).status());
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return append.new_size;
  });
}

Result<std::vector<Catalog::LogChunk>> ReadJobLog(ConnectionPool& pool, JobId id, std::int64_t after_seq,
                                                  std::size_t max_bytes) {
  return pool.Run<std::vector<Catalog::LogChunk>>([&](Connection& conn) -> Result<std::vector<Catalog::LogChunk>> {
    // At most 256 chunks per read; the caller reads on from the last seq.
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT seq, text FROM job_logs WHERE job_id = $1 AND seq > $2"
                                                " ORDER BY seq LIMIT 256",
                                                id.value(), after_seq));
    std::vector<Catalog::LogChunk> out;
    std::size_t bytes = 0;
    for (int r = 0; r < q.size() && bytes < max_bytes; ++r) {
      out.push_back({q.Int(r, 0), q.Text(r, 1)});
      bytes += out.back().text.size();
    }
    return out;
  });
}

}  // namespace vitrine::catalog::postgres::jobs
