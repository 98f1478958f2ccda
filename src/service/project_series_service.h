// Sticky Pi's project series: rows (a device and a time range) that describe a project's
// experiment, with columns the project defines ("bait" yes/no per device and week). Upstream
// keeps them as one SQL table per project altered at run time; here they are rows of the
// catalog (catalog.h) and nothing a caller sends becomes SQL.
//
// Rights: viewers read; contributors add and rename columns and write rows; managers delete
// rows and columns.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "service/caller.h"
#include "service/project_service.h"

namespace vitrine::service {

class ProjectSeriesService {
 public:
  static constexpr std::size_t kMaxColumns = 100;
  static constexpr std::int64_t kMaxRows = 100'000;

  ProjectSeriesService(catalog::Catalog& catalog, const ProjectService& projects)
      : catalog_(catalog), projects_(projects) {}

  Result<std::vector<catalog::SeriesColumn>> Columns(const Caller& caller, ProjectId project) const;
  // A name is a letter or '_', then letters, digits or '_' (at most 64), and none of id,
  // project_id, device, start_datetime, end_datetime; a type 1-64 of letters, digits, spaces,
  // '_', '(', ')' and ','. kConflict for a name taken.
  Status AddColumn(const Caller& caller, ProjectId project, const catalog::SeriesColumn& column);
  Status RenameColumn(const Caller& caller, ProjectId project, const std::string& from, const std::string& to);
  Status DropColumn(const Caller& caller, ProjectId project, const std::string& name);

  // By id; kTooLarge beyond kMaxRows.
  Result<std::vector<catalog::ProjectSeriesRow>> Rows(const Caller& caller, ProjectId project) const;
  // Inserts (id 0) or replaces a row: a device, start <= end, values of the project's columns
  // only (each at most 64 KiB of JSON).
  Result<catalog::ProjectSeriesRow> PutRow(const Caller& caller, const catalog::ProjectSeriesRow& row);
  Status DeleteRow(const Caller& caller, ProjectId project, std::int64_t id);

 private:
  catalog::Catalog& catalog_;
  const ProjectService& projects_;
};

}  // namespace vitrine::service
