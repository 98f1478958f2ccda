#include <iostream>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/time_format.h"

namespace vitrine::cli {
namespace {

struct CredentialFlags {
  TargetFlags target;
  std::string subject;  // whose credentials; empty: the signed-in user's
  std::int64_t key_id = 0;
  std::int64_t expires_in = 0;
  bool json = false;
};

CLI::App* AddUserScopedCommand(CLI::App& parent, const char* name, const char* help, CredentialFlags& flags) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option("--user", flags.subject,
                  "Whose credentials: a login name or #id (default: the user this command acts as)");
  cmd->add_flag("--json", flags.json, "Print JSON");
  AddTargetOptions(*cmd, flags.target);
  return cmd;
}

Result<std::optional<UserId>> Subject(Client& client, const CredentialFlags& flags) {
  if (flags.subject.empty()) return std::optional<UserId>();
  VITRINE_ASSIGN_OR_RETURN(UserId id, ResolveUserId(client, flags.subject));
  return std::optional<UserId>(id);
}

}  // namespace

void AddCredentialCommands(CLI::App& app, CommandContext& context) {
  CLI::App* key = app.add_subcommand("key", "Manage API key pairs (for HMAC-signed requests)");
  key->require_subcommand(1);

  auto create = std::make_shared<CredentialFlags>();
  AddUserScopedCommand(*key, "create", "Create a key pair; the private key is shown only now", *create)
      ->callback(Run(context, [create]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(create->target));
        VITRINE_ASSIGN_OR_RETURN(auto subject, Subject(*client, *create));
        VITRINE_ASSIGN_OR_RETURN(NewApiKey pair, client->CreateApiKey(subject));
        if (create->json) return PrintJson(wire::ToJson(pair)), Status::Ok();
        std::cout << "key id:      " << pair.key.id.value() << "\npublic key:  " << pair.key.public_key
                  << "\nprivate key: " << pair.private_key << "\n(the private key is not shown again)\n";
        return Status::Ok();
      }));

  auto list = std::make_shared<CredentialFlags>();
  AddUserScopedCommand(*key, "list", "List a user's key pairs (public halves)", *list)
      ->callback(Run(context, [list]() -> Status {
        VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(list->target));
        VITRINE_ASSIGN_OR_RETURN(auto subject, Subject(*client, *list));
        VITRINE_ASSIGN_OR_RETURN(auto keys, client->ListApiKeys(subject));
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
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(revoke->target));
    VITRINE_ASSIGN_OR_RETURN(auto subject, Subject(*client, *revoke));
    VITRINE_RETURN_IF_ERROR(client->RevokeApiKey(ApiKeyId(revoke->key_id), subject));
    std::cout << "revoked key " << revoke->key_id << "\n";
    return Status::Ok();
  }));

  CLI::App* token = app.add_subcommand("token", "Issue bearer tokens");
  token->require_subcommand(1);
  auto issue = std::make_shared<CredentialFlags>();
  CLI::App* issue_cmd = AddUserScopedCommand(*token, "create", "Issue a bearer token", *issue);
  issue_cmd->add_option("--expires-in", issue->expires_in, "Lifetime in seconds (default: 1 day)");
  issue_cmd->callback(Run(context, [issue]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(issue->target));
    VITRINE_ASSIGN_OR_RETURN(auto subject, Subject(*client, *issue));
    std::optional<std::chrono::seconds> lifetime;
    if (issue->expires_in != 0) lifetime = std::chrono::seconds(issue->expires_in);
    VITRINE_ASSIGN_OR_RETURN(NewBearerToken minted, client->CreateToken(lifetime, subject));
    if (issue->json) return PrintJson(wire::ToJson(minted)), Status::Ok();
    std::cout << minted.token << "\n";
    std::cerr << "expires " << core::FormatIso8601(minted.info.expires_at) << "\n";
    return Status::Ok();
  }));
}

}  // namespace vitrine::cli
