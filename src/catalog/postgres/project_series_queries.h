// Sticky Pi's project series (rows, their columns and values) in the PostgreSQL catalog.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::project_series {

Result<std::vector<SeriesColumn>> Columns(ConnectionPool& pool, ProjectId project);
Status AddColumn(ConnectionPool& pool, ProjectId project, const SeriesColumn& column);
Status RenameColumn(ConnectionPool& pool, ProjectId project, const std::string& from, const std::string& to);
Status DropColumn(ConnectionPool& pool, ProjectId project, const std::string& name);
Result<std::vector<ProjectSeriesRow>> List(ConnectionPool& pool, ProjectId project, std::int64_t limit);
Result<ProjectSeriesRow> Put(ConnectionPool& pool, const ProjectSeriesRow& row);
Status Delete(ConnectionPool& pool, ProjectId project, std::int64_t id);

}  // namespace vitrine::catalog::postgres::project_series
