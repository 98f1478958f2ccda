#include <iostream>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/time_format.h"
#include "vitrine/collections.h"

namespace vitrine::cli {
namespace {

struct ProjectFlags {
  TargetFlags target;
  std::int64_t project_id = 0;
  std::string name;
  std::string description;
  std::string owner;
  std::string member;
  std::string role;
  bool json = false;
};

CLI::App* AddProjectCommand(CLI::App& parent, const char* name, const char* help, ProjectFlags& flags,
                            bool takes_id) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  if (takes_id) cmd->add_option("project_id", flags.project_id, "Project id")->required();
  cmd->add_flag("--json", flags.json, "Print JSON");
  AddTargetOptions(*cmd, flags.target);
  return cmd;
}

void PrintProject(const Project& p, bool json) {
  if (json) return PrintJson(wire::ToJson(p));
  PrintTable({"ID", "NAME", "CREATED", "DESCRIPTION"},
             {{std::to_string(p.id.value()), p.name, core::FormatIso8601(p.created_at), p.description}});
}

}  // namespace

void AddProjectCommands(CLI::App& app, CommandContext& context) {
  CLI::App* project = app.add_subcommand("project", "Manage projects and their members");
  project->require_subcommand(1);

  auto create = std::make_shared<ProjectFlags>();
  CLI::App* create_cmd = AddProjectCommand(*project, "create", "Create a project", *create, false);
  create_cmd->add_option("name", create->name, "Project name")->required();
  create_cmd->add_option("--owner", create->owner,
                         "User who manages the project: login name or #id (default: the user acting; "
                         "required on a data folder without --username)");
  create_cmd->add_option("--description", create->description, "Description");
  create_cmd->callback(Run(context, [create]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(create->target));
    std::optional<UserId> owner;
    if (!create->owner.empty()) {
      VITRINE_ASSIGN_OR_RETURN(UserId id, ResolveUserId(*client, create->owner));
      owner = id;
    }
    VITRINE_ASSIGN_OR_RETURN(Project p, client->CreateProject(create->name, create->description, owner));
    PrintProject(p, create->json);
    return Status::Ok();
  }));

  auto list = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "list", "List projects (all of them for an administrator)", *list, false)
      ->callback(Run(context, [list]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(list->target));
        Pager<Project> projects([&](const PageRequest& page) { return client->ListProjects(page); },
                                PageRequest::kMaxLimit);
        VITRINE_ASSIGN_OR_RETURN(std::vector<Project> all, projects.All());
        if (list->json) {
          wire::Json items = wire::Json::array();
          for (const auto& p : all) items.push_back(wire::ToJson(p));
          return PrintJson(items), Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& p : all) {
          rows.push_back({std::to_string(p.id.value()), p.name, core::FormatIso8601(p.created_at)});
        }
        PrintTable({"ID", "NAME", "CREATED"}, rows);
        return Status::Ok();
      }));

  auto show = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "show", "Show a project", *show, true)->callback(Run(context, [show]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(show->target));
    VITRINE_ASSIGN_OR_RETURN(Project p, client->GetProject(ProjectId(show->project_id)));
    PrintProject(p, show->json);
    return Status::Ok();
  }));

  auto remove = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "delete", "Delete a project", *remove, true)->callback(Run(context, [remove]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(remove->target));
    VITRINE_RETURN_IF_ERROR(client->DeleteProject(ProjectId(remove->project_id)));
    std::cout << "deleted project " << remove->project_id << "\n";
    return Status::Ok();
  }));

  auto members = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "members", "List a project's members", *members, true)
      ->callback(Run(context, [members]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(members->target));
        VITRINE_ASSIGN_OR_RETURN(auto list, client->ListMembers(ProjectId(members->project_id)));
        if (members->json) {
          wire::Json items = wire::Json::array();
          for (const auto& m : list) items.push_back(wire::ToJson(m));
          return PrintJson(items), Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& m : list) {
          rows.push_back({std::to_string(m.user_id.value()), m.username, std::string(ProjectRoleName(m.role))});
        }
        PrintTable({"USER ID", "USERNAME", "ROLE"}, rows);
        return Status::Ok();
      }));

  auto member = std::make_shared<ProjectFlags>();
  CLI::App* member_cmd = AddProjectCommand(*project, "member", "Add a member, change their role, or remove them",
                                           *member, true);
  member_cmd->add_option("user", member->member, "Login name or #id")->required();
  member_cmd->add_option("role", member->role, "viewer, contributor, manager, or none to remove")->required();
  member_cmd->callback(Run(context, [member]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(member->target));
    VITRINE_ASSIGN_OR_RETURN(UserId user, ResolveUserId(*client, member->member));
    ProjectId id(member->project_id);
    if (member->role == "none") {
      VITRINE_RETURN_IF_ERROR(client->RemoveMember(id, user));
      std::cout << "removed '" << member->member << "' from project " << id.value() << "\n";
      return Status::Ok();
    }
    auto role = ProjectRoleFromName(member->role);
    if (!role) return Status::InvalidArgument("role must be viewer, contributor, manager or none");
    VITRINE_ASSIGN_OR_RETURN(ProjectMember added, client->SetMember(id, user, *role));
    std::cout << "'" << added.username << "' is now " << member->role << " of project " << id.value() << "\n";
    return Status::Ok();
  }));
}

}  // namespace vitrine::cli
