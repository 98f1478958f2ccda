// Sticky Pi's projects (experiments) and their permissions, as Vitrine projects and roles:
// permission level 1 (read) is a viewer, 2 (read/write) a contributor, 3 (admin) a manager.
// Upstream's projects hold no images, so deleting one loses only its description; here a
// project that holds images or data files is never deleted through this protocol.
#include "compat/stickypi/stickypi_routes.h"

namespace vitrine::compat::stickypi {
namespace {

constexpr const char* kNotes = "notes";  // the project property holding upstream's `notes`

int LevelOf(ProjectRole role) {
  switch (role) {
    case ProjectRole::kViewer:
      return 1;
    case ProjectRole::kContributor:
      return 2;
    case ProjectRole::kManager:
      return 3;
  }
  return 0;
}

Result<ProjectRole> RoleOf(const Json& level) {
  if (level.is_number_integer()) {
    switch (level.get<std::int64_t>()) {
      case 1:
        return ProjectRole::kViewer;
      case 2:
        return ProjectRole::kContributor;
      case 3:
        return ProjectRole::kManager;
    }
  }
  return Status::InvalidArgument("level is 1 (read), 2 (read/write) or 3 (admin), not " + level.dump());
}

Json ProjectRow(const Project& p) {
  auto notes = p.properties.find(kNotes);
  return Json{{"id", p.id.value()},
              {"name", p.name},
              {"description", p.description},
              {"notes", notes == p.properties.end() ? Json(nullptr) : Json(notes->second)},
              {"datetime_created", FormatTime(p.created_at)},
              {"api_version", "vitrine"},
              {"api_user_id", p.created_by.valid() ? Json(p.created_by.value()) : Json(nullptr)}};
}

// Upstream applies LIKE to every key of a filter dict; an empty dict matches every project.
Result<bool> Matches(const Json& row, const Json& filter) {
  for (const auto& [key, value] : filter.items()) {
    if (key != "id" && key != "name" && key != "description" && key != "notes") {
      return Status::InvalidArgument("projects are found by id, name, description or notes, not '" + key + "'");
    }
    if (key == "id" && value.is_number_integer()) {
      if (value.get<std::int64_t>() != row.at("id").get<std::int64_t>()) return false;
      continue;
    }
    if (!value.is_string() || value.get<std::string>().size() > kMaxLikePattern) {
      return Status::InvalidArgument("'" + key + "' must be a LIKE pattern of at most " +
                                     std::to_string(kMaxLikePattern) + " bytes");
    }
    const Json& field = row.at(key);
    const std::string text = field.is_string() ? field.get<std::string>() : field.is_null() ? "" : field.dump();
    if (!Like(value.get<std::string>(), text)) return false;
  }
  return true;
}

// The projects the caller belongs to (all, for an administrator) that match any of `info`.
Result<std::vector<Project>> MatchingProjects(StickyPi& sticky, const Caller& caller, const Json& info) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> filters, Objects(info));
  if (filters.size() > kMaxLikeFilters) {
    return Status::TooLarge("send at most " + std::to_string(kMaxLikeFilters) + " filters at once");
  }
  std::vector<Project> out;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(Page<Project> page,
                             sticky.service.projects().List(caller, {}, PageRequest{PageRequest::kMaxLimit, offset}));
    for (Project& p : page.items) {
      const Json row = ProjectRow(p);
      for (const Json& filter : filters) {
        VITRINE_ASSIGN_OR_RETURN(bool match, Matches(row, filter));
        if (match) {
          out.push_back(std::move(p));
          break;
        }
      }
    }
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  return out;
}

Result<Json> GetProjects(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                         const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Project> projects, MatchingProjects(sticky, caller, info));
  Json rows = Json::array();
  for (const Project& p : projects) rows.push_back(ProjectRow(p));
  return rows;
}

// [{"name", "description"?, "notes"?}]: each becomes a Vitrine project the caller manages. Every
// item is checked before the first is made.
Result<Json> PutProjects(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                         const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > 100) return Status::TooLarge("make at most 100 projects at once");
  std::vector<service::CreateProjectRequest> requests;
  for (const Json& item : items) {
    service::CreateProjectRequest request;
    VITRINE_ASSIGN_OR_RETURN(request.name, StringField(item, "name"));
    for (const auto& [key, value] : item.items()) {
      if (key == "name") continue;
      if (key != "description" && key != "notes") {
        return Status::InvalidArgument("a project has a name, a description and notes, not '" + key + "'");
      }
      if (value.is_null()) continue;
      if (!value.is_string()) return Status::InvalidArgument("'" + key + "' must be a string");
      if (key == "description") request.description = value.get<std::string>();
      if (key == "notes") request.properties[kNotes] = value.get<std::string>();
    }
    requests.push_back(std::move(request));
  }
  Json rows = Json::array();
  for (const auto& request : requests) {
    VITRINE_ASSIGN_OR_RETURN(Project made, sticky.service.projects().Create(caller, request));
    rows.push_back(ProjectRow(made));
  }
  return rows;
}

// Deletes the matching projects the caller manages (others are passed over, as upstream does).
// One that holds images or data files, or is the Sticky Pi project, is refused whole (409):
// upstream's projects own no images, so its clients delete them lightly.
Result<Json> DeleteProjects(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                            const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> filters, Objects(info));
  for (const Json& filter : filters) {
    if (filter.empty()) return Status::InvalidArgument("name the projects to delete: an empty filter matches all");
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<Project> matching, MatchingProjects(sticky, caller, info));
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> sticky_project, FindProject(sticky));
  std::vector<Project> doomed;
  for (Project& p : matching) {
    Status managed = sticky.service.projects().Require(caller, p.id, ProjectRole::kManager);
    if (managed.code() == ErrorCode::kPermissionDenied) continue;
    VITRINE_RETURN_IF_ERROR(managed);
    const std::string which = "project " + std::to_string(p.id.value()) + " (" + p.name + ")";
    if (p.id == sticky_project) {
      return Status::Conflict(which + " is where Sticky Pi images are stored: it is not deleted this way");
    }
    VITRINE_ASSIGN_OR_RETURN(Page<Image> images, sticky.service.images().List(caller, p.id, {}, PageRequest{1, 0}));
    DataFilter data;
    data.project = p.id;
    VITRINE_ASSIGN_OR_RETURN(Page<DataFile> files, sticky.service.jobs().ListData(caller, data, PageRequest{1, 0}));
    if (images.total > 0 || files.total > 0) {
      return Status::Conflict(
          which + " holds " + std::to_string(images.total) + " images and " + std::to_string(files.total) +
          " data files: delete it natively (DELETE /api/v1/projects/" + std::to_string(p.id.value()) + ")");
    }
    doomed.push_back(std::move(p));
  }
  Json rows = Json::array();
  for (const Project& p : doomed) {
    VITRINE_RETURN_IF_ERROR(sticky.service.projects().Delete(caller, p.id));
    rows.push_back(ProjectRow(p));
  }
  return rows;
}

Json PermissionRow(const ProjectMember& m) {
  return Json{{"parent_project_id", m.project_id.value()},
              {"parent_user_id", m.user_id.value()},
              {"level", LevelOf(m.role)},
              {"api_version", "vitrine"}};
}

// The permissions of the matching projects the caller belongs to.
Result<Json> GetProjectPermissions(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Project> projects, MatchingProjects(sticky, caller, info));
  Json rows = Json::array();
  for (const Project& p : projects) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<ProjectMember> members, sticky.service.projects().ListMembers(caller, p.id));
    for (const ProjectMember& m : members) rows.push_back(PermissionRow(m));
  }
  return rows;
}

// [{"project_id", "user_id", "level"}]: the user's role in the project, set by its managers (or
// an administrator). All items are checked before the first is applied.
Result<Json> PutProjectPermissions(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > 1000) return Status::TooLarge("set at most 1000 permissions at once");
  struct Change {
    ProjectId project;
    UserId user;
    ProjectRole role;
  };
  std::vector<Change> changes;
  for (const Json& item : items) {
    auto id = [&](const char* field) -> Result<std::int64_t> {
      auto it = item.find(field);
      if (it == item.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
        return Status::InvalidArgument(std::string("each permission needs '") + field + "' (an id)");
      }
      return it->get<std::int64_t>();
    };
    VITRINE_ASSIGN_OR_RETURN(std::int64_t project, id("project_id"));
    VITRINE_ASSIGN_OR_RETURN(std::int64_t user, id("user_id"));
    VITRINE_ASSIGN_OR_RETURN(ProjectRole role, RoleOf(item.value("level", Json())));
    VITRINE_RETURN_IF_ERROR(sticky.service.projects().Require(caller, ProjectId(project), ProjectRole::kManager));
    changes.push_back({ProjectId(project), UserId(user), role});
  }
  Json rows = Json::array();
  for (const Change& c : changes) {
    VITRINE_ASSIGN_OR_RETURN(ProjectMember member,
                             sticky.service.projects().PutMember(caller, c.project, c.user, c.role));
    rows.push_back(PermissionRow(member));
  }
  return rows;
}

}  // namespace

void AddProjectRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/get_projects", Route(sticky, GetProjects));
  router.Add("POST", "/put_projects", Route(sticky, PutProjects));
  router.Add("POST", "/delete_projects", Route(sticky, DeleteProjects));
  router.Add("POST", "/get_project_permissions", Route(sticky, GetProjectPermissions));
  router.Add("POST", "/put_project_permissions", Route(sticky, PutProjectPermissions));
}

}  // namespace vitrine::compat::stickypi
