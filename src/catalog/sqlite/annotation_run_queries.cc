#include "catalog/sqlite/annotation_run_queries.h"

#include <variant>

#include "catalog/sqlite/annotation_queries.h"
#include "catalog/sqlite/image_queries.h"
#include "catalog/sqlite/property_queries.h"

namespace vitrine::catalog::sqlite::annotation_runs {
namespace {

// The count is live: deleting one of a run's annotations lowers it.
constexpr const char* kColumns =
    "SELECT r.id, r.project_id, r.image_id, r.algorithm, r.algorithm_version,"
    " (SELECT COUNT(*) FROM annotations a WHERE a.run_id = r.id), i.device, i.captured_at, r.created_by,"
    " r.created_at FROM annotation_runs r JOIN images i ON i.id = r.image_id";

AnnotationRun ReadRun(const Statement& q) {
  AnnotationRun run;
  run.id = AnnotationRunId(q.Int(0));
  run.project_id = ProjectId(q.Int(1));
  run.image_id = ImageId(q.Int(2));
  run.algorithm = q.Text(3);
  run.algorithm_version = q.Text(4);
  run.annotation_count = q.Int(5);
  if (!q.IsNull(6)) run.device = q.Text(6);
  if (auto t = q.OptionalInt(7)) run.captured_at = FromMicros(*t);
  run.created_by = UserId(q.OptionalInt(8).value_or(0));
  run.created_at = FromMicros(q.Int(9));
  return run;
}

std::string RunName(const AnnotationRun& run) {
  return run.algorithm + " " + run.algorithm_version + " on image " + std::to_string(run.image_id.value());
}

struct StoredRun {
  AnnotationRunId id;
  UserId created_by;
};

Result<std::optional<StoredRun>> Existing(Connection& conn, const AnnotationRun& run) {
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn.Prepare("SELECT id, created_by FROM annotation_runs"
                                        " WHERE image_id = ? AND algorithm = ? AND algorithm_version = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(run.image_id.value(), run.algorithm, run.algorithm_version).Step());
  if (!found) return std::optional<StoredRun>();
  return std::optional(StoredRun{AnnotationRunId(q.Int(0)), UserId(q.OptionalInt(1).value_or(0))});
}

Result<AnnotationRun> GetOn(Connection& conn, AnnotationRunId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.PrepareDynamic(std::string(kColumns) + " WHERE r.id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(id.value()).Step());
  if (!found) return Status::NotFound("annotation run " + std::to_string(id.value()) + " not found");
  AnnotationRun run = ReadRun(q);
  VITRINE_ASSIGN_OR_RETURN(run.metadata, properties::Load(conn, properties::kAnnotationRuns, id.value()));
  return run;
}

}  // namespace

Result<CreatedAnnotationRun> Insert(ConnectionPool& pool, const AnnotationRun& run, Catalog::RunReplacement replace,
                                    std::vector<AnnotationRow> rows) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  // Checked inside the write transaction: the run replaced is the one the rights were checked on.
  VITRINE_ASSIGN_OR_RETURN(std::optional<StoredRun> existing, Existing(*conn, run));
  if (existing) {
    const std::string stored = RunName(run) + " is already stored as run " + std::to_string(existing->id.value());
    if (replace == Catalog::RunReplacement::kNever) {
      return Status::Conflict(stored + "; replace it explicitly or use a new version");
    }
    if (replace == Catalog::RunReplacement::kOwn && existing->created_by != run.created_by) {
      return Status::PermissionDenied(stored + " by someone else; replacing it takes the manager role");
    }
    VITRINE_ASSIGN_OR_RETURN(Statement drop, conn->Prepare("DELETE FROM annotation_runs WHERE id = ?"));
    VITRINE_RETURN_IF_ERROR(drop.Bind(existing->id.value()).Run());
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement insert, conn->Prepare("INSERT INTO annotation_runs(project_id, image_id, algorithm, algorithm_version,"
                                      " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
  std::optional<std::int64_t> creator;
  if (run.created_by.valid()) creator = run.created_by.value();
  Status inserted = insert
                        .Bind(run.project_id.value(), run.image_id.value(), run.algorithm, run.algorithm_version,
                              creator, Micros(run.created_at))
                        .Run();
  if (inserted.code() == ErrorCode::kConflict) {
    return Status::NotFound("image " + std::to_string(run.image_id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(inserted);
  const AnnotationRunId id(conn->last_insert_id());
  for (const auto& [key, value] : run.metadata) {
    VITRINE_RETURN_IF_ERROR(properties::Set(*conn, properties::kAnnotationRuns, id.value(), key, value));
  }
  for (auto& row : rows) row.annotation.run_id = id;
  CreatedAnnotationRun created;
  VITRINE_ASSIGN_OR_RETURN(created.annotation_ids, annotations::InsertOn(*conn, rows));
  VITRINE_ASSIGN_OR_RETURN(created.run, GetOn(*conn, id));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return created;
}

Result<AnnotationRun> Get(ConnectionPool& pool, AnnotationRunId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetOn(*conn, id);
}

Result<Page<AnnotationRun>> List(ConnectionPool& pool, const AnnotationRunFilter& filter, std::optional<UserId> member,
                                 const PageRequest& page) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string where = " WHERE 1=1";
  std::vector<images::BindValue> binds;
  if (filter.project) {
    where += " AND r.project_id = ?";
    binds.emplace_back(filter.project->value());
  }
  if (!filter.images.empty()) {
    where += " AND r.image_id IN (" + Placeholders(filter.images.size()) + ")";
    for (ImageId image : filter.images) binds.emplace_back(image.value());
  }
  if (member) {
    where += " AND r.project_id IN (SELECT project_id FROM project_members WHERE user_id = ?)";
    binds.emplace_back(member->value());
  }
  if (filter.algorithm) {
    where += " AND r.algorithm = ?";
    binds.emplace_back(*filter.algorithm);
  }
  if (filter.algorithm_version) {
    where += " AND r.algorithm_version = ?";
    binds.emplace_back(*filter.algorithm_version);
  }
  images::AppendSeriesConditions(where, binds, filter.device_like, filter.captured_from, filter.captured_to);
  if (filter.metadata) {
    where += properties::Condition(properties::kAnnotationRuns, *filter.metadata);
    binds.emplace_back(filter.metadata->first);
    if (filter.metadata->second) binds.emplace_back(*filter.metadata->second);
  }
  auto bind_all = [&](Statement& q) {
    int index = 1;
    for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
    return index;
  };

  Page<AnnotationRun> out;
  {
    VITRINE_ASSIGN_OR_RETURN(
        Statement count,
        conn->PrepareDynamic("SELECT COUNT(*) FROM annotation_runs r JOIN images i ON i.id = r.image_id" + where));
    bind_all(count);
    VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
    out.total = row ? count.Int(0) : 0;
  }
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(std::string(kColumns) + where +
                                                             " ORDER BY i.captured_at, r.id LIMIT ? OFFSET ?"));
  int next = bind_all(q);
  q.BindAt(next, page.limit);
  q.BindAt(next + 1, page.offset);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.items.push_back(ReadRun(q));
  }
  VITRINE_RETURN_IF_ERROR(
      properties::LoadEach(*conn, properties::kAnnotationRuns, out.items, &AnnotationRun::metadata));
  return out;
}

Status Delete(ConnectionPool& pool, AnnotationRunId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM annotation_runs WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("annotation run " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

Result<std::vector<ImageId>> LeaseImages(ConnectionPool& pool, const Catalog::AnnotationLeaseQuery& query) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement expire, conn->Prepare("DELETE FROM annotation_leases WHERE leased_at < ?"));
  VITRINE_RETURN_IF_ERROR(expire.Bind(Micros(query.expired_before)).Run());
  // The WHERE clause is assembled from fixed fragments; every value is a bound parameter.
  std::string where = " WHERE i.project_id = ? AND i.captured_at IS NOT NULL";
  std::vector<images::BindValue> binds{query.project.value()};
  images::AppendSeriesConditions(where, binds, query.device_like, query.from, query.to);
  where +=
      " AND NOT EXISTS (SELECT 1 FROM annotation_leases l WHERE l.image_id = i.id AND l.algorithm = ?)"
      " AND NOT EXISTS (SELECT 1 FROM annotation_runs r WHERE r.image_id = i.id AND r.algorithm = ?"
      " AND r.algorithm_version >= ?)";
  binds.emplace_back(query.algorithm);
  binds.emplace_back(query.algorithm);
  binds.emplace_back(query.min_version);
  VITRINE_ASSIGN_OR_RETURN(
      Statement q, conn->PrepareDynamic("SELECT i.id FROM images i" + where + " ORDER BY i.captured_at, i.id LIMIT ?"));
  int index = 1;
  for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
  q.BindAt(index, query.limit);
  std::vector<ImageId> leased;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    leased.emplace_back(q.Int(0));
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement lease,
      conn->Prepare(
          "INSERT INTO annotation_leases(image_id, algorithm, leased_by, leased_at) VALUES (?, ?, NULLIF(?, 0), ?)"));
  for (ImageId image : leased) {
    VITRINE_RETURN_IF_ERROR(
        lease.Bind(image.value(), query.algorithm, query.leased_by.value(), Micros(query.now)).Run());
    lease.Reset();
  }
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return leased;
}

}  // namespace vitrine::catalog::sqlite::annotation_runs
