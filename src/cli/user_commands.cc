#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "client/data_dir.h"
#include "core/time_format.h"

namespace vitrine::cli {
namespace {

using service::Caller;

Result<User> FindUser(service::Service& service, const std::string& username) {
  return service.users().FindByUsername(Caller::LocalOperator(), username);
}

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
  std::string data_dir;
  std::string username;
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

void AddDataOption(CLI::App& command, std::string& data_dir) {
  const char* env = std::getenv("VITRINE_DATA");
  data_dir = env && *env ? env : client::kDefaultDataDir;
  command.add_option("--data", data_dir, "Data folder ($VITRINE_DATA)")->capture_default_str();
}

void AddUserCommands(CLI::App& app, CommandContext& context) {
  CLI::App* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);

  auto add = std::make_shared<UserFlags>();
  CLI::App* add_cmd = user->add_subcommand("add", "Create a user");
  add_cmd->add_option("username", add->username, "Login name")->required();
  AddPasswordOptions(*add_cmd, *add);
  add_cmd->add_option("--name", add->name, "Full name");
  add_cmd->add_option("--email", add->email, "Email address");
  add_cmd->add_flag("--admin", add->admin, "Make the user an administrator");
  add_cmd->add_flag("--json", add->json, "Print JSON");
  AddDataOption(*add_cmd, add->data_dir);
  add_cmd->callback(Run(context, [add]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::string password, ResolvePassword(add->password, add->password_stdin));
    VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(add->data_dir));
    VITRINE_ASSIGN_OR_RETURN(User created, store->service->users().Create(
                                               Caller::LocalOperator(),
                                               {add->username, password, add->name, add->email, add->admin}));
    if (add->json) PrintJson(wire::ToJson(created));
    else std::cout << "created user '" << created.username << "' (id " << created.id.value() << ")\n";
    return Status::Ok();
  }));

  auto list = std::make_shared<UserFlags>();
  CLI::App* list_cmd = user->add_subcommand("list", "List users");
  list_cmd->add_flag("--json", list->json, "Print JSON");
  AddDataOption(*list_cmd, list->data_dir);
  list_cmd->callback(Run(context, [list]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(list->data_dir));
    std::vector<User> all;
    PageRequest page{PageRequest::kMaxLimit, 0};
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(Page<User> batch, store->service->users().List(Caller::LocalOperator(), page));
      all.insert(all.end(), batch.items.begin(), batch.items.end());
      if (batch.items.empty() || static_cast<std::int64_t>(all.size()) >= batch.total) break;
      page.offset += static_cast<std::int64_t>(batch.items.size());
    }
    PrintUsers(all, list->json);
    return Status::Ok();
  }));

  auto passwd = std::make_shared<UserFlags>();
  CLI::App* passwd_cmd = user->add_subcommand("passwd", "Set a user's password");
  passwd_cmd->add_option("username", passwd->username, "Login name")->required();
  AddPasswordOptions(*passwd_cmd, *passwd);
  AddDataOption(*passwd_cmd, passwd->data_dir);
  passwd_cmd->callback(Run(context, [passwd]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::string password, ResolvePassword(passwd->password, passwd->password_stdin));
    VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(passwd->data_dir));
    VITRINE_ASSIGN_OR_RETURN(User user, FindUser(*store->service, passwd->username));
    service::UpdateUserRequest update;
    update.password = password;
    VITRINE_RETURN_IF_ERROR(store->service->users().Update(Caller::LocalOperator(), user.id, update).status());
    std::cout << "password changed for '" << user.username << "'\n";
    return Status::Ok();
  }));

  for (bool enable : {false, true}) {
    auto flags = std::make_shared<UserFlags>();
    CLI::App* cmd = user->add_subcommand(enable ? "enable" : "disable",
                                         enable ? "Allow a user to sign in again" : "Stop a user from signing in");
    cmd->add_option("username", flags->username, "Login name")->required();
    AddDataOption(*cmd, flags->data_dir);
    cmd->callback(Run(context, [flags, enable]() -> Status {
      VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(flags->data_dir));
      VITRINE_ASSIGN_OR_RETURN(User user, FindUser(*store->service, flags->username));
      service::UpdateUserRequest update;
      update.enabled = enable;
      VITRINE_RETURN_IF_ERROR(store->service->users().Update(Caller::LocalOperator(), user.id, update).status());
      std::cout << (enable ? "enabled '" : "disabled '") << user.username << "'\n";
      return Status::Ok();
    }));
  }
}

}  // namespace vitrine::cli
