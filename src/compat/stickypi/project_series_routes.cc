// Sticky Pi's project series: the rows (device, start_datetime, end_datetime and the project's
// own columns) of what upstream keeps as a `project_series_<id>` table per project, on
// service::ProjectSeriesService. A column's SQL type says what its values are: integers,
// booleans, numbers, datetimes or text; a value of another kind is refused (400) naming the
// column, where upstream's database would have coerced or failed.
#include <cctype>
#include <map>

#include "compat/stickypi/stickypi_routes.h"
#include "core/ascii.h"

namespace vitrine::compat::stickypi {
namespace {

using catalog::ProjectSeriesRow;
using catalog::SeriesColumn;

enum class Kind { kInteger, kBoolean, kNumber, kDatetime, kText };

Kind KindOf(const std::string& sql_type) {
  std::string base = core::Lowercase(sql_type.substr(0, sql_type.find_first_of(" (")));
  if (base == "int" || base == "integer" || base == "smallint" || base == "bigint" || base == "tinyint" ||
      base == "mediumint") {
    return Kind::kInteger;
  }
  if (base == "bool" || base == "boolean") return Kind::kBoolean;
  if (base == "float" || base == "double" || base == "real" || base == "decimal" || base == "numeric") {
    return Kind::kNumber;
  }
  if (base == "datetime" || base == "date" || base == "timestamp") return Kind::kDatetime;
  return Kind::kText;
}

// The value to store (its JSON), or kInvalidArgument naming the column.
Result<std::string> Stored(const SeriesColumn& column, const Json& value) {
  auto refused = [&](const char* expected) {
    return Status::InvalidArgument("column '" + column.name + "' (" + column.sql_type + ") takes " + expected +
                                   ", not " + value.dump());
  };
  switch (KindOf(column.sql_type)) {
    case Kind::kInteger:
      if (value.is_number_integer()) return value.dump();
      if (value.is_boolean()) return std::string(value.get<bool>() ? "1" : "0");
      return refused("an integer");
    case Kind::kBoolean:
      if (value.is_boolean()) return value.dump();
      if (value.is_number_integer() && (value == 0 || value == 1)) return std::string(value == 1 ? "true" : "false");
      return refused("true or false");
    case Kind::kNumber:
      if (value.is_number()) return value.dump();
      return refused("a number");
    case Kind::kDatetime: {
      if (!value.is_string()) return refused("a datetime");
      VITRINE_ASSIGN_OR_RETURN(Timestamp t, ParseTime(Json{{"value", value}}, "value"));
      return Json(FormatTime(t)).dump();
    }
    case Kind::kText:
      if (value.is_string()) return value.dump();
      if (value.is_number()) return Json(value.dump()).dump();
      return refused("text");
  }
  return refused("a value");
}

Json SeriesRow(const ProjectSeriesRow& row, const std::vector<SeriesColumn>& columns) {
  Json out{{"id", row.id},
           {"device", row.device},
           {"start_datetime", FormatTime(row.start)},
           {"end_datetime", FormatTime(row.end)}};
  for (const SeriesColumn& c : columns) {
    auto it = row.values.find(c.name);
    out[c.name] = it == row.values.end() ? Json(nullptr) : Json::parse(it->second, nullptr, false);
  }
  return out;
}

// Items per request: each may cost a listing of its project's series (each project's once, for
// writes), or a transaction.
constexpr std::size_t kMaxItems = 100;
constexpr std::size_t kMaxWrittenRows = 1000;

Result<std::vector<Json>> Items(const Json& info, std::size_t most = kMaxItems) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > most) return Status::TooLarge("send at most " + std::to_string(most) + " items at once");
  return items;
}

// A request's view of the series it touches: each project's columns and rows listed once, the
// rows kept up to date as the request changes them.
class LoadedRows {
 public:
  LoadedRows(service::ProjectSeriesService& series, const Caller& caller) : series_(series), caller_(caller) {}

  Result<std::vector<ProjectSeriesRow>*> Of(ProjectId project) {
    auto it = rows_.find(project);
    if (it == rows_.end()) {
      VITRINE_ASSIGN_OR_RETURN(auto rows, series_.Rows(caller_, project));
      it = rows_.emplace(project, std::move(rows)).first;
    }
    return &it->second;
  }

  Result<const std::vector<SeriesColumn>*> ColumnsOf(ProjectId project) {
    auto it = columns_.find(project);
    if (it == columns_.end()) {
      VITRINE_ASSIGN_OR_RETURN(auto columns, series_.Columns(caller_, project));
      it = columns_.emplace(project, std::move(columns)).first;
    }
    return &it->second;
  }

  Result<ProjectSeriesRow> Find(ProjectId project, std::int64_t id) {
    VITRINE_ASSIGN_OR_RETURN(auto* rows, Of(project));
    for (const ProjectSeriesRow& r : *rows) {
      if (r.id == id) return r;
    }
    return Status::NotFound("project " + std::to_string(project.value()) + " has no series " + std::to_string(id));
  }

  void Stored(const ProjectSeriesRow& row) {
    auto it = rows_.find(row.project);
    if (it == rows_.end()) return;
    for (ProjectSeriesRow& r : it->second) {
      if (r.id == row.id) {
        r = row;
        return;
      }
    }
    it->second.push_back(row);
  }

  void Deleted(ProjectId project, std::int64_t id) {
    if (auto it = rows_.find(project); it != rows_.end()) {
      std::erase_if(it->second, [&](const ProjectSeriesRow& r) { return r.id == id; });
    }
  }

 private:
  service::ProjectSeriesService& series_;
  const Caller& caller_;
  std::map<ProjectId, std::vector<ProjectSeriesRow>> rows_;
  std::map<ProjectId, std::vector<SeriesColumn>> columns_;
};

Result<ProjectId> ProjectOf(const Json& item) {
  auto it = item.find("project_id");
  if (it == item.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return Status::InvalidArgument("each item names its project_id");
  }
  return ProjectId(it->get<std::int64_t>());
}

Result<Json> GetProjectSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Items(info));
  Json rows = Json::array();
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectOf(item));
    VITRINE_ASSIGN_OR_RETURN(auto columns, sticky.service.project_series().Columns(caller, project));
    VITRINE_ASSIGN_OR_RETURN(auto found, sticky.service.project_series().Rows(caller, project));
    if (static_cast<std::int64_t>(rows.size() + found.size()) > kMaxSeriesRows) {
      return Status::TooLarge("more than " + std::to_string(kMaxSeriesRows) + " series: ask for fewer projects");
    }
    for (const ProjectSeriesRow& row : found) rows.push_back(SeriesRow(row, columns));
  }
  return rows;
}

// [{"project_id", "device", "start_datetime", "end_datetime", <columns>...}] adds rows; with
// "id", the row is updated: what the item gives replaces, the rest stays.
Result<Json> PutProjectSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Items(info, kMaxWrittenRows));
  Json rows = Json::array();
  auto& series = sticky.service.project_series();
  LoadedRows loaded(series, caller);
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectOf(item));
    VITRINE_ASSIGN_OR_RETURN(const std::vector<SeriesColumn>* columns_of, loaded.ColumnsOf(project));
    const std::vector<SeriesColumn>& columns = *columns_of;
    ProjectSeriesRow row;
    row.project = project;
    const bool update = item.contains("id");
    if (update) {
      if (!item["id"].is_number_integer()) return Status::InvalidArgument("id must be a series id");
      VITRINE_ASSIGN_OR_RETURN(row, loaded.Find(project, item["id"].get<std::int64_t>()));
    }
    for (const auto& [key, value] : item.items()) {
      if (key == "project_id" || key == "id") continue;
      if (key == "device") {
        VITRINE_ASSIGN_OR_RETURN(row.device, StringField(item, "device"));
      } else if (key == "start_datetime") {
        VITRINE_ASSIGN_OR_RETURN(row.start, ParseTime(item, "start_datetime"));
      } else if (key == "end_datetime") {
        VITRINE_ASSIGN_OR_RETURN(row.end, ParseTime(item, "end_datetime"));
      } else {
        auto column =
            std::find_if(columns.begin(), columns.end(), [&](const SeriesColumn& c) { return c.name == key; });
        if (column == columns.end()) {
          return Status::InvalidArgument("project " + std::to_string(project.value()) + "'s series have no column '" +
                                         key + "': put_project_columns adds it");
        }
        if (value.is_null()) {
          row.values.erase(key);
        } else {
          VITRINE_ASSIGN_OR_RETURN(row.values[key], Stored(*column, value));
        }
      }
    }
    if (!update) {
      for (const char* field : {"device", "start_datetime", "end_datetime"}) {
        if (!item.contains(field)) return Status::InvalidArgument(std::string("a new series needs ") + field);
      }
    }
    VITRINE_ASSIGN_OR_RETURN(ProjectSeriesRow stored, series.PutRow(caller, row));
    loaded.Stored(stored);
    rows.push_back(SeriesRow(stored, columns));
  }
  return rows;
}

// [{"project_id", "id"}]: the rows deleted.
Result<Json> DeleteProjectSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                 const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Items(info));
  Json rows = Json::array();
  auto& series = sticky.service.project_series();
  LoadedRows loaded(series, caller);
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectOf(item));
    auto id = item.find("id");
    if (id == item.end() || !id->is_number_integer()) return Status::InvalidArgument("each item names the series' id");
    VITRINE_ASSIGN_OR_RETURN(const std::vector<SeriesColumn>* columns, loaded.ColumnsOf(project));
    VITRINE_ASSIGN_OR_RETURN(ProjectSeriesRow doomed, loaded.Find(project, id->get<std::int64_t>()));
    VITRINE_RETURN_IF_ERROR(series.DeleteRow(caller, project, doomed.id));
    loaded.Deleted(project, doomed.id);
    rows.push_back(SeriesRow(doomed, *columns));
  }
  return rows;
}

// [{"project_id", "column_name", "column_SQL_type"}] adds a column; with "old_column_name"
// instead of a type, renames one.
Result<Json> PutProjectColumns(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Items(info));
  Json rows = Json::array();
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectOf(item));
    VITRINE_ASSIGN_OR_RETURN(std::string name, StringField(item, "column_name"));
    if (item.contains("old_column_name")) {
      VITRINE_ASSIGN_OR_RETURN(std::string old_name, StringField(item, "old_column_name"));
      VITRINE_RETURN_IF_ERROR(sticky.service.project_series().RenameColumn(caller, project, old_name, name));
      rows.push_back(Json{{"column_name", name}, {"column_SQL_type", nullptr}});
      continue;
    }
    VITRINE_ASSIGN_OR_RETURN(std::string type, StringField(item, "column_SQL_type"));
    VITRINE_RETURN_IF_ERROR(sticky.service.project_series().AddColumn(caller, project, {name, type}));
    rows.push_back(Json{{"column_name", name}, {"column_SQL_type", type}});
  }
  return rows;
}

Result<Json> DeleteProjectColumns(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                  const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Items(info));
  Json rows = Json::array();
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectOf(item));
    VITRINE_ASSIGN_OR_RETURN(std::string name, StringField(item, "column_name"));
    VITRINE_RETURN_IF_ERROR(sticky.service.project_series().DropColumn(caller, project, name));
    rows.push_back(Json{{"column_name", name}});
  }
  return rows;
}

}  // namespace

void AddProjectSeriesRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/get_project_series", Route(sticky, GetProjectSeries));
  router.Add("POST", "/put_project_series", Route(sticky, PutProjectSeries));
  router.Add("POST", "/delete_project_series", Route(sticky, DeleteProjectSeries));
  router.Add("POST", "/put_project_columns", Route(sticky, PutProjectColumns));
  router.Add("POST", "/delete_project_columns", Route(sticky, DeleteProjectColumns));
}

}  // namespace vitrine::compat::stickypi
