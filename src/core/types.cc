#include "vitrine/types.h"

namespace vitrine {

std::string_view ProjectRoleName(ProjectRole role) {
  switch (role) {
    case ProjectRole::kViewer:
      return "viewer";
    case ProjectRole::kContributor:
      return "contributor";
    case ProjectRole::kManager:
      return "manager";
  }
  return "viewer";
}

std::optional<ProjectRole> ProjectRoleFromName(std::string_view name) {
  if (name == "viewer") return ProjectRole::kViewer;
  if (name == "contributor") return ProjectRole::kContributor;
  if (name == "manager") return ProjectRole::kManager;
  return std::nullopt;
}

}  // namespace vitrine
