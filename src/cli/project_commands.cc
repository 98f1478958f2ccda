#include <iostream>
#include <memory>

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
  std::optional<std::string> new_name;
  std::optional<std::string> new_description;
  std::vector<std::string> set;    // KEY=VALUE
  std::vector<std::string> unset;  // KEY
  std::string property;            // list filter: KEY or KEY=VALUE
  bool json = false;
};

Result<PropertyMatch> ParseProperty(const std::string& text, bool value_required) {
  auto eq = text.find('=');
  if (text.empty() || eq == 0) return Status::InvalidArgument("a property is KEY=VALUE, not '" + text + "'");
  if (eq == std::string::npos) {
    if (value_required) return Status::InvalidArgument("give the property as KEY=VALUE, not '" + text + "'");
    return PropertyMatch{text, std::nullopt};
  }
  return PropertyMatch{text.substr(0, eq), text.substr(eq + 1)};
}

CLI::App* AddProjectCommand(CLI::App& parent, const char* name, const char* help, ProjectFlags& flags, bool takes_id) {
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
  for (const auto& [key, value] : p.properties) std::cout << "  " << key << " = " << value << "\n";
}

Status CreateProject(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  std::optional<UserId> owner;
  if (!flags.owner.empty()) {
    VITRINE_ASSIGN_OR_RETURN(UserId id, ResolveUserId(*client, flags.owner));
    owner = id;
  }
  VITRINE_ASSIGN_OR_RETURN(Project p, client->CreateProject(flags.name, flags.description, owner));
  PrintProject(p, flags.json);
  return Status::Ok();
}

Status UpdateProject(const ProjectFlags& flags) {
  ProjectUpdate changes{flags.new_name, flags.new_description, {}};
  for (const auto& text : flags.set) {
    VITRINE_ASSIGN_OR_RETURN(PropertyMatch property, ParseProperty(text, true));
    changes.properties[property.first] = property.second;
  }
  for (const auto& key : flags.unset) changes.properties[key] = std::nullopt;
  if (!changes.name && !changes.description && changes.properties.empty()) {
    return Status::InvalidArgument("nothing to change: give --name, --description, --set or --unset");
  }
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  VITRINE_ASSIGN_OR_RETURN(Project p, client->UpdateProject(ProjectId(flags.project_id), changes));
  PrintProject(p, flags.json);
  return Status::Ok();
}

Status ListProjects(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  ProjectFilter filter;
  if (!flags.property.empty()) {
    VITRINE_ASSIGN_OR_RETURN(filter.property, ParseProperty(flags.property, false));
  }
  Pager<Project> projects([&](const PageRequest& page) { return client->ListProjects(page, filter); },
                          PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Project> all, projects.All());
  if (flags.json) {
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
}

Status ShowProject(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  VITRINE_ASSIGN_OR_RETURN(Project p, client->GetProject(ProjectId(flags.project_id)));
  PrintProject(p, flags.json);
  return Status::Ok();
}

Status DeleteProject(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  VITRINE_RETURN_IF_ERROR(client->DeleteProject(ProjectId(flags.project_id)));
  std::cout << "deleted project " << flags.project_id << "\n";
  return Status::Ok();
}

Status ListMembers(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  VITRINE_ASSIGN_OR_RETURN(auto list, client->ListMembers(ProjectId(flags.project_id)));
  if (flags.json) {
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
}

// Adds the member, changes their role, or (role "none") removes them.
Status SetMember(const ProjectFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags.target));
  VITRINE_ASSIGN_OR_RETURN(UserId user, ResolveUserId(*client, flags.member));
  ProjectId id(flags.project_id);
  if (flags.role == "none") {
    VITRINE_RETURN_IF_ERROR(client->RemoveMember(id, user));
    std::cout << "removed '" << flags.member << "' from project " << id.value() << "\n";
    return Status::Ok();
  }
  auto role = ProjectRoleFromName(flags.role);
  if (!role) return Status::InvalidArgument("role must be viewer, contributor, manager or none");
  VITRINE_ASSIGN_OR_RETURN(ProjectMember added, client->SetMember(id, user, *role));
  std::cout << "'" << added.username << "' is now " << flags.role << " of project " << id.value() << "\n";
  return Status::Ok();
}

// The callback that runs `command` on the flags CLI11 has filled in.
auto Calls(CommandContext& context, Status (*command)(const ProjectFlags&), std::shared_ptr<ProjectFlags> flags) {
  return Run(context, [command, flags = std::move(flags)] { return command(*flags); });
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
  create_cmd->callback(Calls(context, CreateProject, create));

  auto update = std::make_shared<ProjectFlags>();
  CLI::App* update_cmd =
      AddProjectCommand(*project, "update", "Rename a project, or change its description or properties", *update, true);
  update_cmd->add_option("--name", update->new_name, "New name");
  update_cmd->add_option("--description", update->new_description, "New description");
  update_cmd->add_option("--set", update->set, "Set a property: KEY=VALUE (repeatable)")->allow_extra_args(false);
  update_cmd->add_option("--unset", update->unset, "Remove a property: KEY (repeatable)")->allow_extra_args(false);
  update_cmd->callback(Calls(context, UpdateProject, update));

  auto list = std::make_shared<ProjectFlags>();
  CLI::App* list_cmd =
      AddProjectCommand(*project, "list", "List projects (all of them for an administrator)", *list, false);
  list_cmd->add_option("--property", list->property, "Only projects with this property: KEY or KEY=VALUE");
  list_cmd->callback(Calls(context, ListProjects, list));

  auto show = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "show", "Show a project", *show, true)->callback(Calls(context, ShowProject, show));

  auto remove = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "delete", "Delete a project", *remove, true)
      ->callback(Calls(context, DeleteProject, remove));

  auto members = std::make_shared<ProjectFlags>();
  AddProjectCommand(*project, "members", "List a project's members", *members, true)
      ->callback(Calls(context, ListMembers, members));

  auto member = std::make_shared<ProjectFlags>();
  CLI::App* member_cmd =
      AddProjectCommand(*project, "member", "Add a member, change their role, or remove them", *member, true);
  member_cmd->add_option("user", member->member, "Login name or #id")->required();
  member_cmd->add_option("role", member->role, "viewer, contributor, manager, or none to remove")->required();
  member_cmd->callback(Calls(context, SetMember, member));
}

}  // namespace vitrine::cli
