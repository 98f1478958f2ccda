// Where a command does its work: a server over HTTP, or a data folder in-process. Either way the
// command gets a vitrine::Client, so each command has one implementation serving both.
//
// Chosen by, first match wins: --server URL (http://, https://, or file:// for a folder);
// --data DIR; $VITRINE_DATA; a server URL from $VITRINE_URL or the credentials file; else the
// default data folder ./vitrine-data.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "app/data_dir.h"
#include "vitrine/client.h"

namespace vitrine::cli {

struct TargetFlags {
  std::string server;
  std::string data_dir;
  std::string catalog_url;  // with a folder: its catalog elsewhere ($VITRINE_CATALOG)
  std::string blobs_url;    // with a folder: its blobs elsewhere ($VITRINE_BLOBS)
  std::string token_file;
  // Remote: sign in as this user (password from $VITRINE_PASSWORD). Local: act with this
  // user's rights instead of the folder owner's.
  std::string username;
};

void AddTargetOptions(CLI::App& command, TargetFlags& flags);
Result<std::unique_ptr<Client>> OpenTarget(const TargetFlags& flags);

// Registers --data DIR, --catalog URL and --blobs URL on a command that only works on a store
// in-process (serve, gc, migrate).
void AddStoreOptions(CLI::App& command, app::StoreLocation& location);

// A user named on the command line: a username, or "#42" for the user with id 42 (looking up
// a username needs administrator rights on a server; an id does not).
Result<UserId> ResolveUserId(Client& client, const std::string& name_or_id);

}  // namespace vitrine::cli
