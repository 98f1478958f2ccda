#include "cli/target.h"

#include <cstdlib>
#include <fstream>

#include "app/data_dir.h"
#include "client/credentials.h"
#include "client/local_client.h"
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
  command.add_option(
      "--catalog", flags.catalog_url,
      "With a data folder: the catalog it uses, postgres://... ($VITRINE_CATALOG; default: in the folder)");
  command.add_option("--blobs", flags.blobs_url,
                     "With a data folder: the blob store it uses, s3://... ($VITRINE_BLOBS; default: in the folder)");
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
  if (!flags.server.empty() && (!flags.catalog_url.empty() || !flags.blobs_url.empty())) {
    return Status::InvalidArgument("--catalog and --blobs name a store to open here; a --server has its own");
  }
  if (!flags.server.empty()) return Connect(flags.server, given);
  if (!flags.data_dir.empty()) {
    return client::OpenLocalStore({flags.data_dir, flags.catalog_url, flags.blobs_url}, flags.username);
  }
  if (std::string data = Env("VITRINE_DATA"); !data.empty()) {
    return client::OpenLocalStore({data, flags.catalog_url, flags.blobs_url}, flags.username);
  }
  if (!flags.catalog_url.empty() || !flags.blobs_url.empty()) {
    return client::OpenLocalStore({app::kDefaultDataDir, flags.catalog_url, flags.blobs_url}, flags.username);
  }
  VITRINE_ASSIGN_OR_RETURN(Credentials resolved, client::ResolveCredentials(given));
  if (!resolved.url.empty()) return ConnectRemote(std::move(resolved));
  return OpenLocal(app::kDefaultDataDir, flags.username);
}

void AddStoreOptions(CLI::App& command, app::StoreLocation& location) {
  std::string env = Env("VITRINE_DATA");
  location.data_dir = env.empty() ? app::kDefaultDataDir : env;
  command
      .add_option("--data", location.data_dir,
                  "Data folder: caches, and the catalog and blobs by default ($VITRINE_DATA)")
      ->capture_default_str();
  command.add_option("--catalog", location.catalog_url,
                     "Catalog URL, e.g. postgres://user@host/db ($VITRINE_CATALOG; default: <data>/catalog.db)");
  command.add_option("--blobs", location.blobs_url,
                     "Blob store URL, e.g. s3://bucket/prefix?region=... ($VITRINE_BLOBS; default: <data>/blobs)");
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
