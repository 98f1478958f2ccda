#include "service/project_service.h"
#include "service/pagination.h"
#include "service/properties.h"

#include <algorithm>

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxProjectName = 256;
constexpr std::size_t kMaxDescription = 64 * 1024;

Status ValidateName(std::string_view name) {
  bool blank = std::all_of(name.begin(), name.end(), [](char c) { return c == ' ' || c == '\t'; });
  if (name.empty() || blank) return Status::InvalidArgument("project name must not be empty");
  if (name.size() > kMaxProjectName) {
    return Status::InvalidArgument("project name must be at most " + std::to_string(kMaxProjectName) + " characters");
  }
  return Status::Ok();
}

Status ValidateDescription(std::string_view description) {
  if (description.size() > kMaxDescription) {
    return Status::InvalidArgument("project description must be at most " + std::to_string(kMaxDescription) + " bytes");
  }
  return Status::Ok();
}

Status ProjectNotFound(ProjectId id) {
  return Status::NotFound("project " + std::to_string(id.value()) + " not found");
}

Status AdminOnlyProperty() {
  return Status::PermissionDenied(std::string("the project property ") + kAdminOnlyProjectProperty +
                                  " marks a protocol's project: only an administrator sets or removes it");
}

}  // namespace

Status ProjectService::Require(const Caller& caller, ProjectId id, ProjectRole needed) const {
  if (caller.project_scope() && *caller.project_scope() != id) return ProjectNotFound(id);
  // An administrator's job acts with an administrator's rights, on its project only.
  if (caller.is_admin() || (caller.project_scope() && caller.user()->admin)) return catalog_.GetProject(id).status();
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectRole> role, catalog_.GetRole(id, caller.user_id()));
  if (!role) return ProjectNotFound(id);
  if (*role < needed) {
    return Status::PermissionDenied("this needs the " + std::string(ProjectRoleName(needed)) + " role on project " +
                                    std::to_string(id.value()) + "; you are " + std::string(ProjectRoleName(*role)));
  }
  return Status::Ok();
}

Result<Project> ProjectService::Create(const Caller& caller, const CreateProjectRequest& request,
                                       std::optional<UserId> owner) {
  VITRINE_RETURN_IF_ERROR(ValidateName(request.name));
  VITRINE_RETURN_IF_ERROR(ValidateDescription(request.description));
  VITRINE_RETURN_IF_ERROR(ValidateProperties(request.properties));
  if (caller.project_scope()) {
    return Status::PermissionDenied("a job's token acts on its own project only: it makes no projects");
  }
  if (request.properties.contains(kAdminOnlyProjectProperty) && !caller.is_admin()) {
    return AdminOnlyProperty();
  }
  UserId manager = caller.user_id();
  if (owner && *owner != manager) {
    if (!caller.is_admin())
      return Status::PermissionDenied("only an administrator may create a project for someone else");
    manager = *owner;
  }
  if (!manager.valid()) return Status::InvalidArgument("a project needs an owner: name a user");
  VITRINE_RETURN_IF_ERROR(catalog_.GetUser(manager).status());
  return catalog_.CreateProject({request.name, request.description, manager, clock_.Now(), request.properties});
}

Result<Project> ProjectService::Get(const Caller& caller, ProjectId id) const {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kViewer));
  return catalog_.GetProject(id);
}

Result<Project> ProjectService::Update(const Caller& caller, ProjectId id, const UpdateProjectRequest& request) {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kManager));
  if (request.name) VITRINE_RETURN_IF_ERROR(ValidateName(*request.name));
  if (request.description) VITRINE_RETURN_IF_ERROR(ValidateDescription(*request.description));
  VITRINE_RETURN_IF_ERROR(ValidatePropertyChanges(request.properties));
  if (request.properties.contains(kAdminOnlyProjectProperty) && !caller.is_admin()) {
    return AdminOnlyProperty();
  }
  return catalog_.UpdateProject(id, {request.name, request.description, request.properties, clock_.Now()});
}

Status ProjectService::Delete(const Caller& caller, ProjectId id) {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kManager));
  return catalog_.DeleteProject(id);
}

Result<Page<Project>> ProjectService::List(const Caller& caller, const ProjectFilter& filter,
                                           const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  if (caller.project_scope()) {  // a job's token sees its project only
    VITRINE_ASSIGN_OR_RETURN(Project project, Get(caller, *caller.project_scope()));
    Page<Project> only{{}, 1};
    if (page.offset == 0 && page.limit > 0) only.items.push_back(std::move(project));
    return only;
  }
  std::optional<UserId> member;
  if (!caller.is_admin()) member = caller.user_id();
  return catalog_.ListProjects(member, filter, page);
}

Result<std::vector<ProjectMember>> ProjectService::ListMembers(const Caller& caller, ProjectId id) const {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kViewer));
  return catalog_.ListMembers(id);
}

Status ProjectService::KeepsAManager(ProjectId id, UserId changing, std::optional<ProjectRole> new_role) const {
  if (new_role == ProjectRole::kManager) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(std::vector<ProjectMember> members, catalog_.ListMembers(id));
  bool other_manager = std::any_of(members.begin(), members.end(), [&](const ProjectMember& m) {
    return m.role == ProjectRole::kManager && m.user_id != changing;
  });
  bool changing_is_manager = std::any_of(members.begin(), members.end(), [&](const ProjectMember& m) {
    return m.role == ProjectRole::kManager && m.user_id == changing;
  });
  if (changing_is_manager && !other_manager) {
    return Status::Conflict("user " + std::to_string(changing.value()) + " is the last manager of project " +
                            std::to_string(id.value()) + "; make someone else manager first");
  }
  return Status::Ok();
}

Result<ProjectMember> ProjectService::PutMember(const Caller& caller, ProjectId id, UserId user, ProjectRole role) {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kManager));
  auto record = catalog_.GetUser(user);
  if (record.status().code() == ErrorCode::kNotFound) {
    return Status::NotFound("user " + std::to_string(user.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(record.status());
  VITRINE_RETURN_IF_ERROR(KeepsAManager(id, user, role));
  VITRINE_RETURN_IF_ERROR(catalog_.PutMember(id, user, role));
  return ProjectMember{id, user, record->user.username, role};
}

Status ProjectService::RemoveMember(const Caller& caller, ProjectId id, UserId user) {
  VITRINE_RETURN_IF_ERROR(Require(caller, id, ProjectRole::kManager));
  VITRINE_RETURN_IF_ERROR(KeepsAManager(id, user, std::nullopt));
  return catalog_.RemoveMember(id, user);
}

}  // namespace vitrine::service
