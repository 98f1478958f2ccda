#include "catalog/sqlite/job_queries.h"

#include <variant>

#include "catalog/job_rows.h"

namespace vitrine::catalog::sqlite::jobs {
namespace {

using Bind = std::variant<std::int64_t, std::string>;

std::optional<Timestamp> OptionalTime(const Statement& q, int col) {
  auto us = q.OptionalInt(col);
  return us ? std::optional<Timestamp>(FromMicros(*us)) : std::nullopt;
}
std::optional<std::int64_t> OptionalMicros(const std::optional<Timestamp>& t) {
  return t ? std::optional<std::int64_t>(Micros(*t)) : std::nullopt;
}
std::optional<std::int64_t> OptionalUser(UserId id) {
  return id.valid() ? std::optional<std::int64_t>(id.value()) : std::nullopt;
}

void BindAll(Statement& q, const std::vector<Bind>& binds, int first = 1) {
  int index = first;
  for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
}

// ---- analytics ----

constexpr const char* kAnalyticColumns =
    "SELECT id, name, version, description, builtin, supports_cpu, supports_gpu, doc, bundle_sha256, created_by,"
    " created_at FROM analytics";

Analytic ReadAnalytic(const Statement& q) {
  Analytic a;
  a.id = AnalyticId(q.Int(0));
  a.name = q.Text(1);
  a.version = q.Text(2);
  a.description = q.Text(3);
  a.builtin = q.Int(4) != 0;
  a.supports_cpu = q.Int(5) != 0;
  a.supports_gpu = q.Int(6) != 0;
  a.doc = q.Text(7);
  if (!q.IsNull(8)) a.bundle_sha256 = q.Text(8);
  a.created_by = UserId(q.OptionalInt(9).value_or(0));
  a.created_at = FromMicros(q.Int(10));
  return a;
}

template <class T, class Reader>
Result<std::vector<T>> Collect(Statement& q, Reader read) {
  std::vector<T> out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(read(q));
  }
}

// ---- data files ----

constexpr const char* kDataColumns =
    "SELECT id, project_id, name, media_type, size_bytes, sha256, created_by, created_at, expires_at, etag"
    " FROM data_files";

DataFile ReadData(const Statement& q) {
  DataFile d;
  d.id = DataId(q.Int(0));
  d.project_id = ProjectId(q.Int(1));
  d.name = q.Text(2);
  d.media_type = q.Text(3);
  d.size_bytes = q.Int(4);
  d.sha256 = q.Text(5);
  d.created_by = UserId(q.OptionalInt(6).value_or(0));
  d.created_at = FromMicros(q.Int(7));
  d.expires_at = OptionalTime(q, 8);
  d.etag = q.Text(9);
  return d;
}

Result<DataFile> GetDataOn(Connection& conn, DataId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.PrepareDynamic(std::string(kDataColumns) + " WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("data " + std::to_string(id.value()) + " not found");
  return ReadData(q);
}

// ---- jobs ----

constexpr const char* kJobColumns =
    "SELECT id, project_id, analytic_id, analytic, analytic_version, name, created_by, state, failure_type,"
    " failure_reason, inputs, parameters, auto_start, archived, kill_requested, progress, attempt, max_attempts,"
    " worker, lease_expires_at, log_bytes, created_at, queued_at, started_at, completed_at, failed_at, expires_at,"
    " messages FROM jobs";

Result<Job> ReadJob(const Statement& q, bool with_messages) {
  Job j;
  j.id = JobId(q.Int(0));
  j.project_id = ProjectId(q.Int(1));
  j.analytic_id = AnalyticId(q.Int(2));
  j.analytic = q.Text(3);
  j.analytic_version = q.Text(4);
  j.name = q.Text(5);
  j.created_by = UserId(q.OptionalInt(6).value_or(0));
  auto state = JobStateFromName(q.Text(7));
  auto failure = JobFailureFromName(q.Text(8));
  if (!state || !failure) return Status::Internal("job " + std::to_string(j.id.value()) + " has an unknown state");
  j.state = *state;
  j.failure_type = *failure;
  j.failure_reason = q.Text(9);
  j.inputs = q.Text(10);
  j.parameters = q.Text(11);
  j.auto_start = q.Int(12) != 0;
  j.archived = q.Int(13) != 0;
  j.kill_requested = q.Int(14) != 0;
  j.progress = static_cast<int>(q.Int(15));
  j.attempt = static_cast<int>(q.Int(16));
  j.max_attempts = static_cast<int>(q.Int(17));
  j.worker = q.Text(18);
  j.lease_expires_at = OptionalTime(q, 19);
  j.log_bytes = q.Int(20);
  j.created_at = FromMicros(q.Int(21));
  j.queued_at = OptionalTime(q, 22);
  j.started_at = OptionalTime(q, 23);
  j.completed_at = OptionalTime(q, 24);
  j.failed_at = OptionalTime(q, 25);
  j.expires_at = OptionalTime(q, 26);
  if (with_messages) {
    VITRINE_ASSIGN_OR_RETURN(j.messages, JobMessagesFromJson(q.Text(27)));
  }
  return j;
}

Result<std::vector<JobOutput>> LoadOutputs(Connection& conn, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare("SELECT name, type, filename, media_type, size_bytes, sha256"
                                                     " FROM job_outputs WHERE job_id = ? ORDER BY name"));
  q.Bind(id.value());
  return Collect<JobOutput>(
      q, [](const Statement& s) { return JobOutput{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5)}; });
}

Result<Job> GetJobOn(Connection& conn, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.PrepareDynamic(std::string(kJobColumns) + " WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
  VITRINE_ASSIGN_OR_RETURN(Job job, ReadJob(q, true));
  q.Reset();
  VITRINE_ASSIGN_OR_RETURN(job.outputs, LoadOutputs(conn, id));
  return job;
}

Status WriteOutputs(Connection& conn, JobId id, const std::vector<JobOutput>& before,
                    const std::vector<JobOutput>& after) {
  if (SameOutputs(before, after)) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(Statement drop, conn.Prepare("DELETE FROM job_outputs WHERE job_id = ?"));
  VITRINE_RETURN_IF_ERROR(drop.Bind(id.value()).Run());
  VITRINE_ASSIGN_OR_RETURN(Statement insert,
                           conn.Prepare("INSERT INTO job_outputs(job_id, name, type, filename, media_type, size_bytes,"
                                        " sha256) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  for (const JobOutput& o : after) {
    Status s = insert.Bind(id.value(), o.name, o.type, o.filename, o.media_type, o.size_bytes, o.sha256).Run();
    if (s.code() == ErrorCode::kConflict) return Status::InvalidArgument("output '" + o.name + "' given twice");
    VITRINE_RETURN_IF_ERROR(s);
    insert.Reset();
  }
  return Status::Ok();
}

// Writes every column a job's life changes; the identity columns never change.
Status WriteJob(Connection& conn, const Job& before, const Job& j) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement q,
      conn.Prepare("UPDATE jobs SET name = ?, state = ?, failure_type = ?, failure_reason = ?, inputs = ?,"
                   " parameters = ?, auto_start = ?, archived = ?, kill_requested = ?, progress = ?, attempt = ?,"
                   " max_attempts = ?, worker = ?, lease_expires_at = ?, queued_at = ?, started_at = ?,"
                   " completed_at = ?, failed_at = ?, expires_at = ?, messages = ? WHERE id = ?"));
  q.Bind(j.name, std::string(JobStateName(j.state)), std::string(JobFailureName(j.failure_type)), j.failure_reason,
         j.inputs, j.parameters, j.auto_start, j.archived, j.kill_requested, j.progress, j.attempt, j.max_attempts,
         j.worker, OptionalMicros(j.lease_expires_at), OptionalMicros(j.queued_at), OptionalMicros(j.started_at),
         OptionalMicros(j.completed_at), OptionalMicros(j.failed_at), OptionalMicros(j.expires_at),
         JobMessagesToJson(j.messages), j.id.value());
  VITRINE_RETURN_IF_ERROR(q.Run());
  if (HoldsLease(before.state) && !HoldsLease(j.state)) {
    VITRINE_ASSIGN_OR_RETURN(Statement revoke, conn.Prepare("UPDATE bearer_tokens SET revoked_at = ?"
                                                            " WHERE job_id = ? AND revoked_at IS NULL"));
    VITRINE_RETURN_IF_ERROR(revoke.Bind(Micros(ChangedAt(j)), j.id.value()).Run());
  }
  return WriteOutputs(conn, j.id, before.outputs, j.outputs);
}

Result<Job> EditOn(Connection& conn, Job job, const Catalog::JobEdit& edit) {
  const Job before = job;
  VITRINE_RETURN_IF_ERROR(ApplyJobEdit(job, edit));
  VITRINE_RETURN_IF_ERROR(WriteJob(conn, before, job));
  return job;
}

}  // namespace

Result<Analytic> InsertAnalytic(ConnectionPool& pool, const Analytic& a) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO analytics(name, version, description, builtin, supports_cpu,"
                                         " supports_gpu, doc, bundle_sha256, created_by, created_at)"
                                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::optional<std::string> bundle;
  if (!a.bundle_sha256.empty()) bundle = a.bundle_sha256;
  Status s = q.Bind(a.name, a.version, a.description, a.builtin, a.supports_cpu, a.supports_gpu, a.doc, bundle,
                    OptionalUser(a.created_by), Micros(a.created_at))
                 .Run();
  if (s.code() == ErrorCode::kConflict) {
    return Status::Conflict("analytic " + a.name + " version " + a.version + " is already registered");
  }
  VITRINE_RETURN_IF_ERROR(s);
  Analytic stored = a;
  stored.id = AnalyticId(conn->last_insert_id());
  return stored;
}

Result<Analytic> GetAnalytic(ConnectionPool& pool, AnalyticId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(std::string(kAnalyticColumns) + " WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("analytic " + std::to_string(id.value()) + " not found");
  return ReadAnalytic(q);
}

Result<Analytic> FindAnalytic(ConnectionPool& pool, std::string_view name, std::string_view version) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(
      Statement q, conn->PrepareDynamic(std::string(kAnalyticColumns) +
                                        " WHERE name = ? AND (? = '' OR version = ?) ORDER BY id DESC LIMIT 1"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(name, version, version).Step());
  if (!row) {
    return Status::NotFound("no analytic " + std::string(name) +
                            (version.empty() ? std::string() : " version " + std::string(version)));
  }
  return ReadAnalytic(q);
}

Result<std::vector<Analytic>> ListAnalytics(ConnectionPool& pool, bool all_versions) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string sql = kAnalyticColumns;
  if (!all_versions) sql += " WHERE id IN (SELECT MAX(id) FROM analytics GROUP BY name)";
  sql += " ORDER BY name, id";
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
  return Collect<Analytic>(q, ReadAnalytic);
}

Status DeleteAnalytic(ConnectionPool& pool, AnalyticId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement used, conn->Prepare("SELECT COUNT(*) FROM jobs WHERE analytic_id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, used.Bind(id.value()).Step());
  if (row && used.Int(0) > 0) {
    return Status::Conflict("analytic " + std::to_string(id.value()) + " is used by " + std::to_string(used.Int(0)) +
                            " job(s); delete them first");
  }
  used.Reset();
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM analytics WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("analytic " + std::to_string(id.value()) + " not found");
  return tx.Commit();
}

Result<DataFile> InsertDataFile(ConnectionPool& pool, const DataFile& d) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(
      Statement q, conn->Prepare("INSERT INTO data_files(project_id, name, media_type, size_bytes, sha256, created_by,"
                                 " created_at, expires_at, etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Status s = q.Bind(d.project_id.value(), d.name, d.media_type, d.size_bytes, d.sha256, OptionalUser(d.created_by),
                    Micros(d.created_at), OptionalMicros(d.expires_at), d.etag)
                 .Run();
  if (s.code() == ErrorCode::kConflict) {
    return Status::NotFound("project " + std::to_string(d.project_id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(s);
  DataFile stored = d;
  stored.id = DataId(conn->last_insert_id());
  return stored;
}

Result<DataFile> GetDataFile(ConnectionPool& pool, DataId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetDataOn(*conn, id);
}

Result<Page<DataFile>> ListDataFiles(ConnectionPool& pool, const DataFilter& filter, std::optional<UserId> member,
                                     const PageRequest& page) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string where = " WHERE 1=1";
  std::vector<Bind> binds;
  if (filter.project) {
    where += " AND project_id = ?";
    binds.emplace_back(filter.project->value());
  }
  if (filter.name_like) {
    where += " AND name LIKE ?";
    binds.emplace_back(*filter.name_like);
  }
  if (member) {
    where += " AND project_id IN (SELECT project_id FROM project_members WHERE user_id = ?)";
    binds.emplace_back(member->value());
  }
  Page<DataFile> out;
  VITRINE_ASSIGN_OR_RETURN(Statement count, conn->PrepareDynamic("SELECT COUNT(*) FROM data_files" + where));
  BindAll(count, binds);
  VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
  out.total = row ? count.Int(0) : 0;
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->PrepareDynamic(std::string(kDataColumns) + where + " ORDER BY id LIMIT ? OFFSET ?"));
  BindAll(q, binds);
  q.BindAt(static_cast<int>(binds.size()) + 1, page.limit);
  q.BindAt(static_cast<int>(binds.size()) + 2, page.offset);
  VITRINE_ASSIGN_OR_RETURN(out.items, Collect<DataFile>(q, ReadData));
  return out;
}

Result<DataFile> SetDataFileExpiry(ConnectionPool& pool, DataId id, std::optional<Timestamp> expires_at) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("UPDATE data_files SET expires_at = ? WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(OptionalMicros(expires_at), id.value()).Run());
  return GetDataOn(*conn, id);
}

Status DeleteDataFile(ConnectionPool& pool, DataId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM data_files WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("data " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

Result<std::vector<DataId>> ExpiredDataFiles(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id FROM data_files WHERE expires_at IS NOT NULL"
                                                      " AND expires_at <= ? ORDER BY expires_at LIMIT ?"));
  q.Bind(Micros(now), static_cast<std::int64_t>(limit));
  return Collect<DataId>(q, [](const Statement& s) { return DataId(s.Int(0)); });
}

Result<Job> InsertJob(ConnectionPool& pool, const Job& j) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO jobs(project_id, analytic_id, analytic, analytic_version, name,"
                                         " created_by, state, max_attempts, inputs, parameters, created_at)"
                                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Status s = q.Bind(j.project_id.value(), j.analytic_id.value(), j.analytic, j.analytic_version, j.name,
                    OptionalUser(j.created_by), std::string(JobStateName(JobState::kReady)), j.max_attempts, j.inputs,
                    j.parameters, Micros(j.created_at))
                 .Run();
  if (s.code() == ErrorCode::kConflict) return Status::NotFound("the job's project or analytic no longer exists");
  VITRINE_RETURN_IF_ERROR(s);
  Job stored = j;
  stored.id = JobId(conn->last_insert_id());
  Job blank = stored;
  blank.outputs.clear();
  VITRINE_RETURN_IF_ERROR(WriteJob(*conn, blank, stored));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

Result<Job> GetJob(ConnectionPool& pool, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetJobOn(*conn, id);
}

Result<Page<Job>> ListJobs(ConnectionPool& pool, const JobFilter& filter, std::optional<UserId> member,
                           const PageRequest& page) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string where = " WHERE 1=1";
  std::vector<Bind> binds;
  if (filter.state) {
    where += " AND state = ?";
    binds.emplace_back(std::string(JobStateName(*filter.state)));
  }
  if (filter.analytic) {
    where += " AND analytic = ?";
    binds.emplace_back(*filter.analytic);
  }
  if (filter.project) {
    where += " AND project_id = ?";
    binds.emplace_back(filter.project->value());
  }
  if (filter.archived) {
    where += " AND archived = ?";
    binds.emplace_back(std::int64_t{*filter.archived ? 1 : 0});
  }
  if (filter.created_by) {
    where += " AND created_by = ?";
    binds.emplace_back(filter.created_by->value());
  }
  if (filter.created_from) {
    where += " AND created_at >= ?";
    binds.emplace_back(Micros(*filter.created_from));
  }
  if (filter.created_to) {
    where += " AND created_at < ?";
    binds.emplace_back(Micros(*filter.created_to));
  }
  if (member) {
    where += " AND project_id IN (SELECT project_id FROM project_members WHERE user_id = ?)";
    binds.emplace_back(member->value());
  }
  Page<Job> out;
  VITRINE_ASSIGN_OR_RETURN(Statement count, conn->PrepareDynamic("SELECT COUNT(*) FROM jobs" + where));
  BindAll(count, binds);
  VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
  out.total = row ? count.Int(0) : 0;
  const char* direction = filter.descending ? " DESC" : "";
  std::string order;
  switch (filter.sort) {
    case JobSort::kCreatedAt:
      order = std::string(" ORDER BY created_at") + direction + ", id" + direction;
      break;
    case JobSort::kId:
      order = std::string(" ORDER BY id") + direction;
      break;
    case JobSort::kState:
      order = std::string(" ORDER BY state") + direction + ", id" + direction;
      break;
  }
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->PrepareDynamic(std::string(kJobColumns) + where + order + " LIMIT ? OFFSET ?"));
  BindAll(q, binds);
  q.BindAt(static_cast<int>(binds.size()) + 1, page.limit);
  q.BindAt(static_cast<int>(binds.size()) + 2, page.offset);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    VITRINE_ASSIGN_OR_RETURN(Job job, ReadJob(q, false));
    out.items.push_back(std::move(job));
  }
  q.Reset();
  for (Job& job : out.items) {
    VITRINE_ASSIGN_OR_RETURN(job.outputs, LoadOutputs(*conn, job.id));
  }
  return out;
}

Status DeleteJob(ConnectionPool& pool, JobId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM jobs WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

Result<Job> ModifyJob(ConnectionPool& pool, JobId id, const Catalog::JobEdit& edit) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Job job, GetJobOn(*conn, id));
  VITRINE_ASSIGN_OR_RETURN(Job changed, EditOn(*conn, std::move(job), edit));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return changed;
}

Result<std::optional<Job>> ClaimJob(ConnectionPool& pool, const std::vector<std::string>& analytics,
                                    const Catalog::JobEdit& edit, const std::optional<Catalog::ClaimToken>& token) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string sql = "SELECT id FROM jobs WHERE state = 'QUEUED'";
  if (!analytics.empty()) sql += " AND analytic IN (" + Placeholders(analytics.size()) + ")";
  sql += " ORDER BY queued_at, id LIMIT 1";
  {
    // Most looks find nothing: a read first, so that idle workers never take the one write lock.
    VITRINE_ASSIGN_OR_RETURN(Statement peek, conn->PrepareDynamic(sql));
    for (std::size_t i = 0; i < analytics.size(); ++i) peek.BindAt(static_cast<int>(i) + 1, analytics[i]);
    VITRINE_ASSIGN_OR_RETURN(bool any, peek.Step());
    if (!any) return std::optional<Job>();
  }
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
  for (std::size_t i = 0; i < analytics.size(); ++i) q.BindAt(static_cast<int>(i) + 1, analytics[i]);
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<Job>();
  const JobId id(q.Int(0));
  VITRINE_ASSIGN_OR_RETURN(Job job, GetJobOn(*conn, id));
  VITRINE_ASSIGN_OR_RETURN(Job claimed, EditOn(*conn, std::move(job), edit));
  if (token && claimed.created_by.valid()) {
    VITRINE_ASSIGN_OR_RETURN(Statement insert,
                             conn->Prepare("INSERT INTO bearer_tokens(user_id, token_hash, created_at,"
                                           " expires_at, project_id, job_id) VALUES (?, ?, ?, ?, ?, ?)"));
    VITRINE_RETURN_IF_ERROR(insert
                                .Bind(claimed.created_by.value(), token->hash, Micros(token->created_at),
                                      Micros(token->expires_at), claimed.project_id.value(), claimed.id.value())
                                .Run());
  }
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return std::optional<Job>(std::move(claimed));
}

Result<std::vector<JobId>> JobsWithExpiredLease(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id FROM jobs WHERE state IN ('SCHEDULED', 'RUNNING')"
                                                      " AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?"));
  q.Bind(Micros(now), static_cast<std::int64_t>(limit));
  return Collect<JobId>(q, [](const Statement& s) { return JobId(s.Int(0)); });
}

Result<std::vector<JobId>> JobsWithExpiredOutputs(ConnectionPool& pool, Timestamp now, std::size_t limit) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT id FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?"
                                         " AND state IN ('COMPLETE', 'FAILED')"
                                         " AND EXISTS (SELECT 1 FROM job_outputs o WHERE o.job_id = jobs.id)"
                                         " ORDER BY expires_at LIMIT ?"));
  q.Bind(Micros(now), static_cast<std::int64_t>(limit));
  return Collect<JobId>(q, [](const Statement& s) { return JobId(s.Int(0)); });
}

Result<std::int64_t> AppendJobLog(ConnectionPool& pool, JobId id, int attempt, std::string_view text,
                                  std::int64_t max_bytes) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT attempt, log_bytes,"
                                                      " (SELECT COALESCE(MAX(seq), 0) FROM job_logs WHERE job_id = ?)"
                                                      " FROM jobs WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value(), id.value()).Step());
  if (!row) return Status::NotFound("job " + std::to_string(id.value()) + " not found");
  const std::int64_t stored_attempt = q.Int(0), size = q.Int(1), last_seq = q.Int(2);
  q.Reset();
  if (stored_attempt != attempt) {
    return Status::Conflict("job " + std::to_string(id.value()) + " is on attempt " + std::to_string(stored_attempt) +
                            ", not " + std::to_string(attempt) + ": this worker's lease was lost");
  }
  const LogAppend append = CutToLogCap(size, text, max_bytes);
  if (append.chunk.empty()) return size;
  VITRINE_ASSIGN_OR_RETURN(Statement insert, conn->Prepare("INSERT INTO job_logs(job_id, seq, text) VALUES (?, ?, ?)"));
  VITRINE_RETURN_IF_ERROR(insert.Bind(id.value(), last_seq + 1, append.chunk).Run());
  VITRINE_ASSIGN_OR_RETURN(Statement grow, conn->Prepare("UPDATE jobs SET log_bytes = ? WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(grow.Bind(append.new_size, id.value()).Run());
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return append.new_size;
}

Result<std::vector<Catalog::LogChunk>> ReadJobLog(ConnectionPool& pool, JobId id, std::int64_t after_seq,
                                                  std::size_t max_bytes) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT seq, text FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq"));
  q.Bind(id.value(), after_seq);
  std::vector<Catalog::LogChunk> out;
  std::size_t bytes = 0;
  while (bytes < max_bytes) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Int(0), q.Text(1)});
    bytes += out.back().text.size();
  }
  return out;
}

}  // namespace vitrine::catalog::sqlite::jobs
