#include "catalog/postgres/annotation_run_queries.h"

#include "catalog/postgres/annotation_queries.h"
#include "catalog/postgres/image_queries.h"
#include "catalog/postgres/property_queries.h"

namespace vitrine::catalog::postgres::annotation_runs {
namespace {

// The count is live: deleting one of a run's annotations lowers it.
constexpr const char* kColumns =
    "SELECT r.id, r.project_id, r.image_id, r.algorithm, r.algorithm_version,"
    " (SELECT COUNT(*) FROM annotations a WHERE a.run_id = r.id), i.device, i.captured_at, r.created_by,"
    " r.created_at FROM annotation_runs r JOIN images i ON i.id = r.image_id";

AnnotationRun ReadRun(const Rows& q, int r) {
  AnnotationRun run;
  run.id = AnnotationRunId(q.Int(r, 0));
  run.project_id = ProjectId(q.Int(r, 1));
  run.image_id = ImageId(q.Int(r, 2));
  run.algorithm = q.Text(r, 3);
  run.algorithm_version = q.Text(r, 4);
  run.annotation_count = q.Int(r, 5);
  run.device = q.OptionalText(r, 6);
  if (auto t = q.OptionalInt(r, 7)) run.captured_at = FromMicros(*t);
  run.created_by = UserId(q.OptionalInt(r, 8).value_or(0));
  run.created_at = FromMicros(q.Int(r, 9));
  return run;
}

std::string RunName(const AnnotationRun& run) {
  return run.algorithm + " " + run.algorithm_version + " on image " + std::to_string(run.image_id.value());
}

Result<AnnotationRun> GetOn(Connection& conn, AnnotationRunId id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string(kColumns) + " WHERE r.id = $1", id.value()));
  if (q.empty()) return Status::NotFound("annotation run " + std::to_string(id.value()) + " not found");
  AnnotationRun run = ReadRun(q, 0);
  VITRINE_ASSIGN_OR_RETURN(run.metadata, properties::Load(conn, properties::kAnnotationRuns, id.value()));
  return run;
}

}  // namespace

Result<CreatedAnnotationRun> Insert(ConnectionPool& pool, const AnnotationRun& run, Catalog::RunReplacement replace,
                                    const std::vector<AnnotationRow>& given) {
  return pool.Run<CreatedAnnotationRun>([&](Connection& conn) -> Result<CreatedAnnotationRun> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    // The image's row is locked first: runs of one image are stored one after the other, so the
    // run replaced is the one the rights were checked on.
    VITRINE_ASSIGN_OR_RETURN(auto image,
                             conn.Query("SELECT 1 FROM images WHERE id = $1 FOR UPDATE", run.image_id.value()));
    if (image.empty()) return Status::NotFound("image " + std::to_string(run.image_id.value()) + " not found");
    VITRINE_ASSIGN_OR_RETURN(auto existing, conn.Query("SELECT id, created_by FROM annotation_runs"
                                                       " WHERE image_id = $1 AND algorithm = $2"
                                                       " AND algorithm_version = $3",
                                                       run.image_id.value(), run.algorithm, run.algorithm_version));
    if (!existing.empty()) {
      const std::string stored = RunName(run) + " is already stored as run " + existing.Text(0, 0);
      if (replace == Catalog::RunReplacement::kNever) {
        return Status::Conflict(stored + "; replace it explicitly or use a new version");
      }
      if (replace == Catalog::RunReplacement::kOwn &&
          UserId(existing.OptionalInt(0, 1).value_or(0)) != run.created_by) {
        return Status::PermissionDenied(stored + " by someone else; replacing it takes the manager role");
      }
      VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM annotation_runs WHERE id = $1", existing.Int(0, 0)).status());
    }
    std::optional<std::int64_t> creator;
    if (run.created_by.valid()) creator = run.created_by.value();
    VITRINE_ASSIGN_OR_RETURN(auto inserted, conn.Query("INSERT INTO annotation_runs(project_id, image_id, algorithm,"
                                                       " algorithm_version, created_by, created_at)"
                                                       " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                                       run.project_id.value(), run.image_id.value(), run.algorithm,
                                                       run.algorithm_version, creator, Micros(run.created_at)));
    const AnnotationRunId id(inserted.Int(0, 0));
    for (const auto& [key, value] : run.metadata) {
      VITRINE_RETURN_IF_ERROR(properties::Set(conn, properties::kAnnotationRuns, id.value(), key, value));
    }
    std::vector<AnnotationRow> rows = given;
    for (auto& row : rows) row.annotation.run_id = id;
    CreatedAnnotationRun created;
    VITRINE_ASSIGN_OR_RETURN(created.annotation_ids, annotations::InsertOn(conn, rows));
    VITRINE_ASSIGN_OR_RETURN(created.run, GetOn(conn, id));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return created;
  });
}

Result<AnnotationRun> Get(ConnectionPool& pool, AnnotationRunId id) {
  return pool.Run<AnnotationRun>([&](Connection& conn) { return GetOn(conn, id); });
}

Result<Page<AnnotationRun>> List(ConnectionPool& pool, const AnnotationRunFilter& filter, std::optional<UserId> member,
                                 const PageRequest& page) {
  return pool.Run<Page<AnnotationRun>>([&](Connection& conn) -> Result<Page<AnnotationRun>> {
    Params params;
    std::string where = " WHERE true";
    if (filter.project) where += " AND r.project_id = " + params.Add(filter.project->value());
    if (!filter.images.empty()) {
      where += " AND r.image_id = ANY(" + params.Add(images::IdArray(filter.images)) + "::bigint[])";
    }
    if (member) {
      where += " AND r.project_id IN (SELECT project_id FROM project_members WHERE user_id = " +
               params.Add(member->value()) + ")";
    }
    if (filter.algorithm) where += " AND r.algorithm = " + params.Add(*filter.algorithm);
    if (filter.algorithm_version) where += " AND r.algorithm_version = " + params.Add(*filter.algorithm_version);
    images::AppendSeriesConditions(where, params, filter.device_like, filter.captured_from, filter.captured_to);
    if (filter.metadata) where += properties::Condition(properties::kAnnotationRuns, *filter.metadata, params);
    Page<AnnotationRun> out;
    {
      Params count_params = params;
      VITRINE_ASSIGN_OR_RETURN(
          auto count,
          conn.Exec("SELECT COUNT(*) FROM annotation_runs r JOIN images i ON i.id = r.image_id" + where, count_params));
      out.total = count.Int(0, 0);
    }
    // NULLS FIRST: SQLite sorts a missing capture time before every other.
    std::string sql = std::string(kColumns) + where + " ORDER BY i.captured_at NULLS FIRST, r.id";
    sql += " LIMIT " + params.Add(page.limit);
    sql += " OFFSET " + params.Add(page.offset);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadRun(q, r));
    VITRINE_RETURN_IF_ERROR(
        properties::LoadEach(conn, properties::kAnnotationRuns, out.items, &AnnotationRun::metadata));
    return out;
  });
}

Status Delete(ConnectionPool& pool, AnnotationRunId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM annotation_runs WHERE id = $1", id.value()));
    if (q.affected() == 0) return Status::NotFound("annotation run " + std::to_string(id.value()) + " not found");
    return Status::Ok();
  });
}

Result<std::vector<ImageId>> LeaseImages(ConnectionPool& pool, const Catalog::AnnotationLeaseQuery& query) {
  return pool.Run<std::vector<ImageId>>([&](Connection& conn) -> Result<std::vector<ImageId>> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_RETURN_IF_ERROR(
        conn.Query("DELETE FROM annotation_leases WHERE leased_at < $1", Micros(query.expired_before)).status());
    std::vector<ImageId> leased;
    // A concurrent call may lease a candidate first (the primary key keeps it theirs, and this
    // call waits for theirs to commit): look again for what is left, a few times, so that a
    // worker is not told "nothing" while work remains.
    for (int round = 0; round < 4 && static_cast<std::int64_t>(leased.size()) < query.limit; ++round) {
      // The WHERE clause is assembled from fixed fragments; every value is a parameter. Versions
      // compare byte by byte (COLLATE "C"), as on SQLite, whatever the database's collation.
      Params params;
      std::string where =
          " WHERE i.project_id = " + params.Add(query.project.value()) + " AND i.captured_at IS NOT NULL";
      images::AppendSeriesConditions(where, params, query.device_like, query.from, query.to);
      const std::string algorithm = params.Add(query.algorithm);
      where +=
          " AND NOT EXISTS (SELECT 1 FROM annotation_leases l WHERE l.image_id = i.id AND l.algorithm = " + algorithm +
          ") AND NOT EXISTS (SELECT 1 FROM annotation_runs r WHERE r.image_id = i.id" +
          " AND r.algorithm = " + algorithm +
          " AND r.algorithm_version COLLATE \"C\" >= " + params.Add(query.min_version) + ")";
      const std::int64_t wanted = query.limit - static_cast<std::int64_t>(leased.size());
      VITRINE_ASSIGN_OR_RETURN(
          auto candidates,
          conn.Exec("SELECT i.id FROM images i" + where + " ORDER BY i.captured_at, i.id LIMIT " + params.Add(wanted),
                    params));
      for (int r = 0; r < candidates.size(); ++r) {
        VITRINE_ASSIGN_OR_RETURN(
            auto taken, conn.Query("INSERT INTO annotation_leases(image_id, algorithm, leased_by, leased_at)"
                                   " VALUES ($1, $2, NULLIF($3, 0), $4) ON CONFLICT DO NOTHING",
                                   candidates.Int(r, 0), query.algorithm, query.leased_by.value(), Micros(query.now)));
        if (taken.affected() == 1) leased.emplace_back(candidates.Int(r, 0));
      }
      if (candidates.size() < wanted) break;  // nothing more to find
    }
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return leased;
  });
}

}  // namespace vitrine::catalog::postgres::annotation_runs
