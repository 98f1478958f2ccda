#include "cli/target.h"

#include <cstdlib>
#include <fstream>

#include "app/data_dir.h"
#include "client/credentials.h"
#include "core/parse_integer.h"

namespace vitrine::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

void AddTargetOptions(CLI::App& command, TargetFlags& flags) {
  auto* group = command.add_option_group("Where");
  group->add_option("--server", flags.server, "Server URL (http://, https://, or file:// for a data folder)");
  group->add_option("--data", flags.data_dir, "Work directly on this data folder ($VITRINE_DATA)");
  command.add_option("--token-file", flags.token_file, "Read a bearer token from this file");
  command.add_option("--username", flags.username,
                     "Act as this user (on a server: its password comes from $VITRINE_PASSWORD)");
  group->require_option(0, 1);
}

Result<std::unique_ptr<Client>> OpenTarget(const TargetFlags& flags) {
  Credentials given;
  given.username = flags.username;
  if (!flags.token_file.empty()) {
    std::ifstream in(flags.token_file);
    if (!std::getline(in, given.token) || given.token.empty()) {
      return Status::InvalidArgument("no token in " + flags.token_file);
    }
  }
  if (!flags.server.empty()) return Connect(flags.server, given);
  if (!flags.data_dir.empty()) return OpenLocal(flags.data_dir, flags.username);
  if (std::string data = Env("VITRINE_DATA"); !data.empty()) return OpenLocal(data, flags.username);
  VITRINE_ASSIGN_OR_RETURN(Credentials resolved, client::ResolveCredentials(given));
  if (!resolved.url.empty()) return ConnectRemote(std::move(resolved));
  return OpenLocal(app::kDefaultDataDir, flags.username);
}

void AddDataOption(CLI::App& command, std::string& data_dir) {
  std::string env = Env("VITRINE_DATA");
  data_dir = env.empty() ? app::kDefaultDataDir : env;
  command.add_option("--data", data_dir, "Data folder ($VITRINE_DATA)")->capture_default_str();
}

Result<UserId> ResolveUserId(Client& client, const std::string& name_or_id) {
  if (name_or_id.starts_with("#")) {
    auto id = core::ParseInteger<std::int64_t>(std::string_view(name_or_id).substr(1));
    if (!id || *id <= 0) return Status::InvalidArgument("'" + name_or_id + "' is not a user id (write #42)");
    return UserId(*id);
  }
  VITRINE_ASSIGN_OR_RETURN(User user, client.FindUser(name_or_id));
  return user.id;
}

}  // namespace vitrine::cli
