#include "catalog/sqlite/project_series_queries.h"

namespace vitrine::catalog::sqlite::project_series {
namespace {

// As service::ProjectSeriesService::kMaxRows: a project that holds this many takes no more, so
// that its series can always be listed whole.
constexpr std::int64_t kMaxRowsPerProject = 100'000;

std::string RowMissing(ProjectId project, std::int64_t id) {
  return "project " + std::to_string(project.value()) + " has no series " + std::to_string(id);
}

std::string ColumnTaken(ProjectId project, const std::string& name) {
  return "project " + std::to_string(project.value()) + "'s series have a column '" + name + "' already";
}

std::string ColumnMissing(ProjectId project, const std::string& name) {
  return "project " + std::to_string(project.value()) + "'s series have no column '" + name + "'";
}

Status WriteValues(Connection& conn, std::int64_t series, const std::map<std::string, std::string>& values) {
  VITRINE_ASSIGN_OR_RETURN(Statement clear, conn.Prepare("DELETE FROM project_series_values WHERE series_id = ?"));
  VITRINE_RETURN_IF_ERROR(clear.Bind(series).Run());
  VITRINE_ASSIGN_OR_RETURN(Statement insert,
                           conn.Prepare("INSERT INTO project_series_values(series_id, name, value) VALUES (?, ?, ?)"));
  for (const auto& [name, value] : values) {
    VITRINE_RETURN_IF_ERROR(insert.Bind(series, name, value).Run());
    insert.Reset();
  }
  return Status::Ok();
}

Result<ProjectSeriesRow> ReadRow(Connection& conn, ProjectId project, std::int64_t id) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement q, conn.Prepare("SELECT device, start_at, end_at FROM project_series WHERE id = ? AND project_id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(id, project.value()).Step());
  if (!found) return Status::NotFound(RowMissing(project, id));
  ProjectSeriesRow row{id, project, q.Text(0), FromMicros(q.Int(1)), FromMicros(q.Int(2)), {}};
  VITRINE_ASSIGN_OR_RETURN(Statement values,
                           conn.Prepare("SELECT name, value FROM project_series_values WHERE series_id = ?"));
  values.Bind(id);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool more, values.Step());
    if (!more) break;
    row.values[values.Text(0)] = values.Text(1);
  }
  return row;
}

Status RowsFull(ProjectId project) {
  return Status::TooLarge("project " + std::to_string(project.value()) + " has " + std::to_string(kMaxRowsPerProject) +
                          " series: delete some first");
}

}  // namespace

Result<std::vector<SeriesColumn>> Columns(ConnectionPool& pool, ProjectId project) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(
      Statement q,
      conn->Prepare("SELECT name, sql_type FROM project_series_columns WHERE project_id = ? ORDER BY position"));
  q.Bind(project.value());
  std::vector<SeriesColumn> out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Text(0), q.Text(1)});
  }
  return out;
}

Status AddColumn(ConnectionPool& pool, ProjectId project, const SeriesColumn& column) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO project_series_columns(project_id, name, sql_type, position)"
                                         " SELECT ?, ?, ?, COALESCE(MAX(position), 0) + 1 FROM project_series_columns"
                                         " WHERE project_id = ?"));
  Status added = q.Bind(project.value(), column.name, column.sql_type, project.value()).Run();
  if (added.code() == ErrorCode::kConflict) {
    return Status::Conflict(ColumnTaken(project, column.name));
  }
  return added;
}

Status RenameColumn(ConnectionPool& pool, ProjectId project, const std::string& from, const std::string& to) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(
      Statement rename, conn->Prepare("UPDATE project_series_columns SET name = ? WHERE project_id = ? AND name = ?"));
  Status renamed = rename.Bind(to, project.value(), from).Run();
  if (renamed.code() == ErrorCode::kConflict) {
    return Status::Conflict(ColumnTaken(project, to));
  }
  VITRINE_RETURN_IF_ERROR(renamed);
  if (conn->changes() == 0) return Status::NotFound(ColumnMissing(project, from));
  VITRINE_ASSIGN_OR_RETURN(Statement values,
                           conn->Prepare("UPDATE project_series_values SET name = ? WHERE name = ? AND series_id IN"
                                         " (SELECT id FROM project_series WHERE project_id = ?)"));
  VITRINE_RETURN_IF_ERROR(values.Bind(to, from, project.value()).Run());
  return tx.Commit();
}

Status DropColumn(ConnectionPool& pool, ProjectId project, const std::string& name) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement drop,
                           conn->Prepare("DELETE FROM project_series_columns WHERE project_id = ? AND name = ?"));
  VITRINE_RETURN_IF_ERROR(drop.Bind(project.value(), name).Run());
  if (conn->changes() == 0) return Status::NotFound(ColumnMissing(project, name));
  VITRINE_ASSIGN_OR_RETURN(Statement values,
                           conn->Prepare("DELETE FROM project_series_values WHERE name = ? AND series_id IN"
                                         " (SELECT id FROM project_series WHERE project_id = ?)"));
  VITRINE_RETURN_IF_ERROR(values.Bind(name, project.value()).Run());
  return tx.Commit();
}

Result<std::vector<ProjectSeriesRow>> List(ConnectionPool& pool, ProjectId project, std::int64_t limit) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id, device, start_at, end_at FROM project_series"
                                                      " WHERE project_id = ? ORDER BY id LIMIT ?"));
  q.Bind(project.value(), limit);
  std::vector<ProjectSeriesRow> out;
  std::map<std::int64_t, std::size_t> index;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    index[q.Int(0)] = out.size();
    out.push_back({q.Int(0), project, q.Text(1), FromMicros(q.Int(2)), FromMicros(q.Int(3)), {}});
  }
  VITRINE_ASSIGN_OR_RETURN(Statement values,
                           conn->Prepare("SELECT v.series_id, v.name, v.value FROM project_series_values v"
                                         " JOIN project_series s ON s.id = v.series_id WHERE s.project_id = ?"));
  values.Bind(project.value());
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, values.Step());
    if (!row) break;
    if (auto it = index.find(values.Int(0)); it != index.end()) out[it->second].values[values.Text(1)] = values.Text(2);
  }
  return out;
}

Result<ProjectSeriesRow> Put(ConnectionPool& pool, const ProjectSeriesRow& row) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  std::int64_t id = row.id;
  Status written;
  if (id == 0) {
    VITRINE_ASSIGN_OR_RETURN(Statement count,
                             conn->Prepare("SELECT COUNT(*) FROM project_series WHERE project_id = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool counted, count.Bind(row.project.value()).Step());
    if (counted && count.Int(0) >= kMaxRowsPerProject) return RowsFull(row.project);
    VITRINE_ASSIGN_OR_RETURN(Statement insert,
                             conn->Prepare("INSERT INTO project_series(project_id, device, start_at, end_at)"
                                           " VALUES (?, ?, ?, ?)"));
    written = insert.Bind(row.project.value(), row.device, Micros(row.start), Micros(row.end)).Run();
    if (written.ok()) id = conn->last_insert_id();
  } else {
    VITRINE_ASSIGN_OR_RETURN(Statement update,
                             conn->Prepare("UPDATE project_series SET device = ?, start_at = ?, end_at = ?"
                                           " WHERE id = ? AND project_id = ?"));
    written = update.Bind(row.device, Micros(row.start), Micros(row.end), id, row.project.value()).Run();
    if (written.ok() && conn->changes() == 0) {
      return Status::NotFound(RowMissing(row.project, id));
    }
  }
  if (written.code() == ErrorCode::kConflict) {
    return Status::Conflict("project " + std::to_string(row.project.value()) + " has a series of device " + row.device +
                            " over that range already (or is gone)");
  }
  VITRINE_RETURN_IF_ERROR(written);
  VITRINE_RETURN_IF_ERROR(WriteValues(*conn, id, row.values));
  VITRINE_ASSIGN_OR_RETURN(ProjectSeriesRow stored, ReadRow(*conn, row.project, id));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

Status Delete(ConnectionPool& pool, ProjectId project, std::int64_t id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM project_series WHERE id = ? AND project_id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id, project.value()).Run());
  if (conn->changes() == 0) {
    return Status::NotFound(RowMissing(project, id));
  }
  return Status::Ok();
}

}  // namespace vitrine::catalog::sqlite::project_series
