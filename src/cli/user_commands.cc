#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/time_format.h"
#include "vitrine/collections.h"

namespace vitrine::cli {
namespace {

void PrintUsers(const std::vector<User>& users, bool json) {
  if (json) {
    wire::Json items = wire::Json::array();
    for (const auto& u : users) items.push_back(wire::ToJson(u));
    return PrintJson(items);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : users) {
    rows.push_back({std::to_string(u.id.value()), u.username, u.name, u.email, u.admin ? "yes" : "no",
                    u.enabled ? "yes" : "no", core::FormatIso8601(u.created_at)});
  }
  PrintTable({"ID", "USERNAME", "NAME", "EMAIL", "ADMIN", "ENABLED", "CREATED"}, rows);
}

struct UserFlags {
  TargetFlags target;
  std::string subject;  // the user the command is about
  std::optional<std::string> password;
  bool password_stdin = false;
  std::string name;
  std::string email;
  bool admin = false;
  bool json = false;
};

void AddPasswordOptions(CLI::App& command, UserFlags& flags) {
  command.add_option("--password", flags.password,
                     "The password (prefer $VITRINE_PASSWORD or --password-stdin: command lines are visible to "
                     "other users of the machine)");
  command.add_flag("--password-stdin", flags.password_stdin, "Read the password from the first line of stdin");
}

}  // namespace

Result<std::string> ResolvePassword(const std::optional<std::string>& flag, bool from_stdin) {
  if (flag) return *flag;
  if (from_stdin) {
    std::string line;
    if (!std::getline(std::cin, line)) return Status::InvalidArgument("no password on stdin");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (const char* env = std::getenv("VITRINE_PASSWORD"); env && *env) return std::string(env);
  return Status::InvalidArgument("no password given: use --password, --password-stdin or $VITRINE_PASSWORD");
}

void AddUserCommands(CLI::App& app, CommandContext& context) {
  CLI::App* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);

  auto add = std::make_shared<UserFlags>();
  CLI::App* add_cmd = user->add_subcommand("add", "Create a user");
  add_cmd->add_option("new_username", add->subject, "Login name")->required();
  AddPasswordOptions(*add_cmd, *add);
  add_cmd->add_option("--name", add->name, "Full name");
  add_cmd->add_option("--email", add->email, "Email address");
  add_cmd->add_flag("--admin", add->admin, "Make the user an administrator");
  add_cmd->add_flag("--json", add->json, "Print JSON");
  AddTargetOptions(*add_cmd, add->target);
  add_cmd->callback(Run(context, [add]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::string password, ResolvePassword(add->password, add->password_stdin));
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(add->target));
    VITRINE_ASSIGN_OR_RETURN(User created,
                             client->CreateUser({add->subject, password, add->name, add->email, add->admin}));
    if (add->json)
      PrintJson(wire::ToJson(created));
    else
      std::cout << "created user '" << created.username << "' (id " << created.id.value() << ")\n";
    return Status::Ok();
  }));

  auto list = std::make_shared<UserFlags>();
  CLI::App* list_cmd = user->add_subcommand("list", "List users");
  list_cmd->add_flag("--json", list->json, "Print JSON");
  AddTargetOptions(*list_cmd, list->target);
  list_cmd->callback(Run(context, [list]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(list->target));
    Pager<User> users([&](const PageRequest& page) { return client->ListUsers(page); }, PageRequest::kMaxLimit);
    VITRINE_ASSIGN_OR_RETURN(std::vector<User> all, users.All());
    PrintUsers(all, list->json);
    return Status::Ok();
  }));

  auto passwd = std::make_shared<UserFlags>();
  CLI::App* passwd_cmd = user->add_subcommand("passwd", "Set a user's password");
  passwd_cmd->add_option("user", passwd->subject, "Login name, or #id")->required();
  AddPasswordOptions(*passwd_cmd, *passwd);
  AddTargetOptions(*passwd_cmd, passwd->target);
  passwd_cmd->callback(Run(context, [passwd]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::string password, ResolvePassword(passwd->password, passwd->password_stdin));
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(passwd->target));
    VITRINE_ASSIGN_OR_RETURN(UserId id, ResolveUserId(*client, passwd->subject));
    UserUpdate update;
    update.password = password;
    VITRINE_ASSIGN_OR_RETURN(User changed, client->UpdateUser(id, update));
    std::cout << "password changed for '" << changed.username << "'\n";
    return Status::Ok();
  }));

  for (bool enable : {false, true}) {
    auto flags = std::make_shared<UserFlags>();
    CLI::App* cmd = user->add_subcommand(enable ? "enable" : "disable",
                                         enable ? "Allow a user to sign in again" : "Stop a user from signing in");
    cmd->add_option("user", flags->subject, "Login name, or #id")->required();
    AddTargetOptions(*cmd, flags->target);
    cmd->callback(Run(context, [flags, enable]() -> Status {
      VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(flags->target));
      VITRINE_ASSIGN_OR_RETURN(UserId id, ResolveUserId(*client, flags->subject));
      UserUpdate update;
      update.enabled = enable;
      VITRINE_ASSIGN_OR_RETURN(User changed, client->UpdateUser(id, update));
      std::cout << (enable ? "enabled '" : "disabled '") << changed.username << "'\n";
      return Status::Ok();
    }));
  }
}

}  // namespace vitrine::cli
