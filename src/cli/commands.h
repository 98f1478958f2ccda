// The `vitrine` subcommands. Each Add* registers its commands on the app; a command's callback
// stores its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "cli/output.h"
#include "vitrine/status.h"

namespace vitrine::cli {

struct CommandContext {
  int exit_code = 0;
};

void AddServeCommand(CLI::App& app, CommandContext& context);
void AddUserCommands(CLI::App& app, CommandContext& context);
void AddCredentialCommands(CLI::App& app, CommandContext& context);
void AddProjectCommands(CLI::App& app, CommandContext& context);
void AddTransferCommands(CLI::App& app, CommandContext& context);
void AddMaintenanceCommands(CLI::App& app, CommandContext& context);
void AddWorkerCommand(CLI::App& app, CommandContext& context);
// `vitrine analytic`, `vitrine data` and `vitrine job`.
void AddJobCommands(CLI::App& app, CommandContext& context);
// `vitrine bundle` (ML bundles) and `vitrine tuboid`.
void AddBundleCommands(CLI::App& app, CommandContext& context);
void AddTuboidCommands(CLI::App& app, CommandContext& context);
// `vitrine features`.
void AddFeatureCommands(CLI::App& app, CommandContext& context);

// Runs `body` and turns a non-OK Status into an error message and exit code 1.
template <class Fn>
auto Run(CommandContext& context, Fn body) {
  return [&context, body = std::move(body)] {
    Status status = body();
    context.exit_code = status.ok() ? 0 : 1;
    if (!status.ok()) ReportError(status);
  };
}

// The password for a command: --password, else $VITRINE_PASSWORD, else one line of stdin
// (--password-stdin). kInvalidArgument if none was given.
Result<std::string> ResolvePassword(const std::optional<std::string>& flag, bool from_stdin);

}  // namespace vitrine::cli
