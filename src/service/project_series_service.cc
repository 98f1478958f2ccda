#include "service/project_series_service.h"

#include <algorithm>
#include <array>

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxValue = 64 * 1024;
constexpr std::array<const char*, 5> kReserved = {"id", "project_id", "device", "start_datetime", "end_datetime"};

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status ValidateColumnName(const std::string& name) {
  const bool shaped = !name.empty() && name.size() <= kMaxName && IsLetter(name[0]) &&
                      std::all_of(name.begin(), name.end(), [](char c) { return IsLetter(c) || IsDigit(c); });
  if (!shaped) {
    return Status::InvalidArgument("'" + name +
                                   "' is not a column name (a letter or '_', then letters, digits or '_'"
                                   "; at most 64)");
  }
  for (const char* reserved : kReserved) {
    if (name == reserved) return Status::InvalidArgument("'" + name + "' is a column every series has already");
  }
  return Status::Ok();
}

Status ValidateColumnType(const std::string& type) {
  const bool shaped = !type.empty() && type.size() <= kMaxName && std::all_of(type.begin(), type.end(), [](char c) {
    return IsLetter(c) || IsDigit(c) || c == ' ' || c == '(' || c == ')' || c == ',';
  });
  if (shaped) return Status::Ok();
  return Status::InvalidArgument("'" + type + "' is not an SQL type (INT, BOOLEAN, VARCHAR(32), ...)");
}

}  // namespace

Result<std::vector<catalog::SeriesColumn>> ProjectSeriesService::Columns(const Caller& caller,
                                                                         ProjectId project) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  return catalog_.ListSeriesColumns(project);
}

Status ProjectSeriesService::AddColumn(const Caller& caller, ProjectId project, const catalog::SeriesColumn& column) {
  VITRINE_RETURN_IF_ERROR(ValidateColumnName(column.name));
  VITRINE_RETURN_IF_ERROR(ValidateColumnType(column.sql_type));
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kContributor));
  VITRINE_ASSIGN_OR_RETURN(std::vector<catalog::SeriesColumn> columns, catalog_.ListSeriesColumns(project));
  if (columns.size() >= kMaxColumns) {
    return Status::TooLarge("a project's series have at most " + std::to_string(kMaxColumns) + " columns");
  }
  return catalog_.AddSeriesColumn(project, column);
}

Status ProjectSeriesService::RenameColumn(const Caller& caller, ProjectId project, const std::string& from,
                                          const std::string& to) {
  VITRINE_RETURN_IF_ERROR(ValidateColumnName(to));
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kContributor));
  return catalog_.RenameSeriesColumn(project, from, to);
}

Status ProjectSeriesService::DropColumn(const Caller& caller, ProjectId project, const std::string& name) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kManager));
  return catalog_.DropSeriesColumn(project, name);
}

Result<std::vector<catalog::ProjectSeriesRow>> ProjectSeriesService::Rows(const Caller& caller,
                                                                          ProjectId project) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  VITRINE_ASSIGN_OR_RETURN(auto rows, catalog_.ListProjectSeries(project, kMaxRows + 1));
  if (static_cast<std::int64_t>(rows.size()) > kMaxRows) {
    return Status::TooLarge("project " + std::to_string(project.value()) + " has more than " +
                            std::to_string(kMaxRows) + " series");
  }
  return rows;
}

Result<catalog::ProjectSeriesRow> ProjectSeriesService::PutRow(const Caller& caller,
                                                               const catalog::ProjectSeriesRow& row) {
  if (row.device.empty() || row.device.size() > kMaxName) {
    return Status::InvalidArgument("a series names its device (1-64 bytes)");
  }
  if (row.end < row.start) return Status::InvalidArgument("a series ends at or after its start");
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, row.project, ProjectRole::kContributor));
  VITRINE_ASSIGN_OR_RETURN(std::vector<catalog::SeriesColumn> columns, catalog_.ListSeriesColumns(row.project));
  for (const auto& [name, value] : row.values) {
    const bool known = std::any_of(columns.begin(), columns.end(), [&](const auto& c) { return c.name == name; });
    if (!known) {
      return Status::InvalidArgument("project " + std::to_string(row.project.value()) + "'s series have no column '" +
                                     name + "': add it first");
    }
    if (value.size() > kMaxValue) return Status::InvalidArgument("the value of '" + name + "' is over 64 KiB");
  }
  return catalog_.PutProjectSeries(row);
}

Status ProjectSeriesService::DeleteRow(const Caller& caller, ProjectId project, std::int64_t id) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kManager));
  return catalog_.DeleteProjectSeries(project, id);
}

}  // namespace vitrine::service
