#include "catalog/postgres/project_series_queries.h"

namespace vitrine::catalog::postgres::project_series {
namespace {

// As service::ProjectSeriesService::kMaxRows: a project that holds this many takes no more, so
// that its series can always be listed whole.
constexpr std::int64_t kMaxRowsPerProject = 100'000;

std::string ColumnMissing(ProjectId project, const std::string& name) {
  return "project " + std::to_string(project.value()) + "'s series have no column '" + name + "'";
}

std::string ColumnTaken(ProjectId project, const std::string& name) {
  return "project " + std::to_string(project.value()) + "'s series have a column '" + name + "' already";
}

std::string RowMissing(ProjectId project, std::int64_t id) {
  return "project " + std::to_string(project.value()) + " has no series " + std::to_string(id);
}

Result<ProjectSeriesRow> ReadRow(Connection& conn, ProjectId project, std::int64_t id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT device, start_at, end_at FROM project_series"
                                              " WHERE id = $1 AND project_id = $2",
                                              id, project.value()));
  if (q.empty()) return Status::NotFound(RowMissing(project, id));
  ProjectSeriesRow row{id, project, q.Text(0, 0), FromMicros(q.Int(0, 1)), FromMicros(q.Int(0, 2)), {}};
  VITRINE_ASSIGN_OR_RETURN(auto values, conn.Query("SELECT name, value FROM project_series_values"
                                                   " WHERE series_id = $1",
                                                   id));
  for (int r = 0; r < values.size(); ++r) row.values[values.Text(r, 0)] = values.Text(r, 1);
  return row;
}

Status RowsFull(ProjectId project) {
  return Status::TooLarge("project " + std::to_string(project.value()) + " has " + std::to_string(kMaxRowsPerProject) +
                          " series: delete some first");
}

}  // namespace

Result<std::vector<SeriesColumn>> Columns(ConnectionPool& pool, ProjectId project) {
  return pool.Run<std::vector<SeriesColumn>>([&](Connection& conn) -> Result<std::vector<SeriesColumn>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT name, sql_type FROM project_series_columns"
                                                " WHERE project_id = $1 ORDER BY position",
                                                project.value()));
    std::vector<SeriesColumn> out;
    for (int r = 0; r < q.size(); ++r) out.push_back({q.Text(r, 0), q.Text(r, 1)});
    return out;
  });
}

Status AddColumn(ConnectionPool& pool, ProjectId project, const SeriesColumn& column) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    auto added = conn.Query(
        "INSERT INTO project_series_columns(project_id, name, sql_type, position)"
        " SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 1 FROM project_series_columns WHERE project_id = $1",
        project.value(), column.name, column.sql_type);
    if (!added.ok() && added.status().code() == ErrorCode::kConflict) {
      return Status::Conflict(ColumnTaken(project, column.name));
    }
    return added.status();
  });
}

Status RenameColumn(ConnectionPool& pool, ProjectId project, const std::string& from, const std::string& to) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    auto renamed = conn.Query("UPDATE project_series_columns SET name = $1 WHERE project_id = $2 AND name = $3", to,
                              project.value(), from);
    if (!renamed.ok() && renamed.status().code() == ErrorCode::kConflict) {
      return Status::Conflict(ColumnTaken(project, to));
    }
    VITRINE_RETURN_IF_ERROR(renamed.status());
    if (renamed->affected() == 0) return Status::NotFound(ColumnMissing(project, from));
    VITRINE_RETURN_IF_ERROR(conn.Query("UPDATE project_series_values SET name = $1 WHERE name = $2 AND series_id IN"
                                       " (SELECT id FROM project_series WHERE project_id = $3)",
                                       to, from, project.value())
                                .status());
    return tx.Commit();
  });
}

Status DropColumn(ConnectionPool& pool, ProjectId project, const std::string& name) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(auto dropped, conn.Query("DELETE FROM project_series_columns"
                                                      " WHERE project_id = $1 AND name = $2",
                                                      project.value(), name));
    if (dropped.affected() == 0) return Status::NotFound(ColumnMissing(project, name));
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM project_series_values WHERE name = $1 AND series_id IN"
                                       " (SELECT id FROM project_series WHERE project_id = $2)",
                                       name, project.value())
                                .status());
    return tx.Commit();
  });
}

Result<std::vector<ProjectSeriesRow>> List(ConnectionPool& pool, ProjectId project, std::int64_t limit) {
  return pool.Run<std::vector<ProjectSeriesRow>>([&](Connection& conn) -> Result<std::vector<ProjectSeriesRow>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT id, device, start_at, end_at FROM project_series"
                                                " WHERE project_id = $1 ORDER BY id LIMIT $2",
                                                project.value(), limit));
    std::vector<ProjectSeriesRow> out;
    std::map<std::int64_t, std::size_t> index;
    for (int r = 0; r < q.size(); ++r) {
      index[q.Int(r, 0)] = out.size();
      out.push_back({q.Int(r, 0), project, q.Text(r, 1), FromMicros(q.Int(r, 2)), FromMicros(q.Int(r, 3)), {}});
    }
    VITRINE_ASSIGN_OR_RETURN(auto values, conn.Query("SELECT v.series_id, v.name, v.value FROM project_series_values v"
                                                     " JOIN project_series s ON s.id = v.series_id"
                                                     " WHERE s.project_id = $1",
                                                     project.value()));
    for (int r = 0; r < values.size(); ++r) {
      if (auto it = index.find(values.Int(r, 0)); it != index.end()) {
        out[it->second].values[values.Text(r, 1)] = values.Text(r, 2);
      }
    }
    return out;
  });
}

Result<ProjectSeriesRow> Put(ConnectionPool& pool, const ProjectSeriesRow& row) {
  return pool.Run<ProjectSeriesRow>([&](Connection& conn) -> Result<ProjectSeriesRow> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    std::int64_t id = row.id;
    Status written;
    if (id == 0) {
      // The project's row is locked first, so that two inserts cannot both pass the count.
      VITRINE_RETURN_IF_ERROR(
          conn.Query("SELECT id FROM projects WHERE id = $1 FOR NO KEY UPDATE", row.project.value()).status());
      VITRINE_ASSIGN_OR_RETURN(
          auto count, conn.Query("SELECT COUNT(*) FROM project_series WHERE project_id = $1", row.project.value()));
      if (count.Int(0, 0) >= kMaxRowsPerProject) return RowsFull(row.project);
      auto inserted = conn.Query(
          "INSERT INTO project_series(project_id, device, start_at, end_at) VALUES ($1, $2, $3, $4) RETURNING id",
          row.project.value(), row.device, Micros(row.start), Micros(row.end));
      written = inserted.status();
      if (inserted.ok()) id = inserted->Int(0, 0);
    } else {
      auto updated = conn.Query(
          "UPDATE project_series SET device = $1, start_at = $2, end_at = $3 WHERE id = $4 AND project_id = $5",
          row.device, Micros(row.start), Micros(row.end), id, row.project.value());
      written = updated.status();
      if (updated.ok() && updated->affected() == 0) return Status::NotFound(RowMissing(row.project, id));
    }
    if (written.code() == ErrorCode::kConflict) {
      return Status::Conflict("project " + std::to_string(row.project.value()) + " has a series of device " +
                              row.device + " over that range already");
    }
    VITRINE_RETURN_IF_ERROR(written);
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM project_series_values WHERE series_id = $1", id).status());
    for (const auto& [name, value] : row.values) {
      VITRINE_RETURN_IF_ERROR(
          conn.Query("INSERT INTO project_series_values(series_id, name, value) VALUES ($1, $2, $3)", id, name, value)
              .status());
    }
    VITRINE_ASSIGN_OR_RETURN(ProjectSeriesRow stored, ReadRow(conn, row.project, id));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return stored;
  });
}

Status Delete(ConnectionPool& pool, ProjectId project, std::int64_t id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(
        auto q, conn.Query("DELETE FROM project_series WHERE id = $1 AND project_id = $2", id, project.value()));
    if (q.affected() == 0) return Status::NotFound(RowMissing(project, id));
    return Status::Ok();
  });
}

}  // namespace vitrine::catalog::postgres::project_series
