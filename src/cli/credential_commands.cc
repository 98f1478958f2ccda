#include <iostream>

#include "cli/commands.h"
#include "client/data_dir.h"
#include "core/time_format.h"

namespace vitrine::cli {
namespace {

using service::Caller;

struct CredentialFlags {
  std::string data_dir;
  std::string username;
  std::int64_t key_id = 0;
  std::int64_t expires_in = 0;
  bool json = false;
};

CLI::App* AddUserScopedCommand(CLI::App& parent, const char* name, const char* help, CredentialFlags& flags) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option("--user", flags.username, "Whose credentials")->required();
  cmd->add_flag("--json", flags.json, "Print JSON");
  AddDataOption(*cmd, flags.data_dir);
  return cmd;
}

}  // namespace

void AddCredentialCommands(CLI::App& app, CommandContext& context) {
  CLI::App* key = app.add_subcommand("key", "Manage API key pairs (for HMAC-signed requests)");
  key->require_subcommand(1);

  auto create = std::make_shared<CredentialFlags>();
  AddUserScopedCommand(*key, "create", "Create a key pair; the private key is shown only now", *create)
      ->callback(Run(context, [create]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(create->data_dir));
        auto& users = store->service->users();
        VITRINE_ASSIGN_OR_RETURN(User user, users.FindByUsername(Caller::LocalOperator(), create->username));
        VITRINE_ASSIGN_OR_RETURN(NewApiKey pair, users.CreateApiKey(Caller::LocalOperator(), user.id));
        if (create->json) return PrintJson(wire::ToJson(pair)), Status::Ok();
        std::cout << "key id:      " << pair.key.id.value() << "\npublic key:  " << pair.key.public_key
                  << "\nprivate key: " << pair.private_key << "\n(the private key is not shown again)\n";
        return Status::Ok();
      }));

  auto list = std::make_shared<CredentialFlags>();
  AddUserScopedCommand(*key, "list", "List a user's key pairs (public halves)", *list)
      ->callback(Run(context, [list]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(list->data_dir));
        auto& users = store->service->users();
        VITRINE_ASSIGN_OR_RETURN(User user, users.FindByUsername(Caller::LocalOperator(), list->username));
        VITRINE_ASSIGN_OR_RETURN(auto keys, users.ListApiKeys(Caller::LocalOperator(), user.id));
        if (list->json) {
          wire::Json items = wire::Json::array();
          for (const auto& k : keys) items.push_back(wire::ToJson(k));
          return PrintJson(items), Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& k : keys) {
          rows.push_back({std::to_string(k.id.value()), k.public_key, core::FormatIso8601(k.created_at),
                          k.revoked_at ? core::FormatIso8601(*k.revoked_at) : "-"});
        }
        PrintTable({"ID", "PUBLIC KEY", "CREATED", "REVOKED"}, rows);
        return Status::Ok();
      }));

  auto revoke = std::make_shared<CredentialFlags>();
  CLI::App* revoke_cmd = AddUserScopedCommand(*key, "revoke", "Revoke a key pair", *revoke);
  revoke_cmd->add_option("key_id", revoke->key_id, "Key id (from `vitrine key list`)")->required();
  revoke_cmd->callback(Run(context, [revoke]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(revoke->data_dir));
    auto& users = store->service->users();
    VITRINE_ASSIGN_OR_RETURN(User user, users.FindByUsername(Caller::LocalOperator(), revoke->username));
    VITRINE_RETURN_IF_ERROR(users.RevokeApiKey(Caller::LocalOperator(), user.id, ApiKeyId(revoke->key_id)));
    std::cout << "revoked key " << revoke->key_id << "\n";
    return Status::Ok();
  }));

  CLI::App* token = app.add_subcommand("token", "Issue bearer tokens");
  token->require_subcommand(1);
  auto issue = std::make_shared<CredentialFlags>();
  CLI::App* issue_cmd = AddUserScopedCommand(*token, "create", "Issue a bearer token for a user", *issue);
  issue_cmd->add_option("--expires-in", issue->expires_in, "Lifetime in seconds (default: 1 day)");
  issue_cmd->callback(Run(context, [issue]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto store, client::OpenDataDir(issue->data_dir));
    auto& users = store->service->users();
    VITRINE_ASSIGN_OR_RETURN(User user, users.FindByUsername(Caller::LocalOperator(), issue->username));
    std::optional<std::chrono::seconds> lifetime;
    if (issue->expires_in != 0) lifetime = std::chrono::seconds(issue->expires_in);
    VITRINE_ASSIGN_OR_RETURN(NewBearerToken minted, users.IssueToken(Caller::LocalOperator(), user.id, lifetime));
    if (issue->json) return PrintJson(wire::ToJson(minted)), Status::Ok();
    std::cout << minted.token << "\n";
    std::cerr << "expires " << core::FormatIso8601(minted.info.expires_at) << "\n";
    return Status::Ok();
  }));
}

}  // namespace vitrine::cli
