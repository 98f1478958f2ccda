// Projects and their members. Safe for concurrent use.
//
// Visibility: a project exists, for a caller, only if they are a member or an admin; anyone
// else gets kNotFound, exactly as for a project that does not exist (no existence leak).
// Rights: viewer reads, contributor adds content (later: images, annotations), manager edits
// the project, its members, and deletes it.
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/caller.h"
#include "vitrine/requests.h"

namespace vitrine::service {

struct CreateProjectRequest {
  std::string name;
  std::string description;
  Properties properties{};
};

using UpdateProjectRequest = vitrine::ProjectUpdate;

class ProjectService {
 public:
  ProjectService(catalog::Catalog& catalog, const core::Clock& clock) : catalog_(catalog), clock_(clock) {}

  // Any signed-in user may create a project and becomes its manager. The local operator must
  // name an owner, since a project needs at least one manager.
  Result<Project> Create(const Caller& caller, const CreateProjectRequest& request,
                         std::optional<UserId> owner = std::nullopt);
  Result<Project> Get(const Caller& caller, ProjectId id) const;
  Result<Project> Update(const Caller& caller, ProjectId id, const UpdateProjectRequest& request);
  Status Delete(const Caller& caller, ProjectId id);
  // The caller's projects (all of them for an admin).
  Result<Page<Project>> List(const Caller& caller, const ProjectFilter& filter, const PageRequest& page) const;

  Result<std::vector<ProjectMember>> ListMembers(const Caller& caller, ProjectId id) const;
  Result<ProjectMember> PutMember(const Caller& caller, ProjectId id, UserId user, ProjectRole role);
  // The last manager cannot be removed or demoted (kConflict): the project would be orphaned.
  Status RemoveMember(const Caller& caller, ProjectId id, UserId user);

  // kNotFound if the caller may not see the project, kPermissionDenied if they see it but
  // their role is below `needed`. Other services call this before touching project content.
  Status Require(const Caller& caller, ProjectId id, ProjectRole needed) const;

 private:
  Status KeepsAManager(ProjectId id, UserId changing, std::optional<ProjectRole> new_role) const;

  catalog::Catalog& catalog_;
  const core::Clock& clock_;
};

}  // namespace vitrine::service
