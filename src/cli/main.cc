// The `vitrine` command.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/process.h"
#include "cli/commands.h"
#include "core/log.h"

int main(int argc, char** argv) {
  vitrine::core::ConfigureLogging("warning");
  if (auto started = vitrine::app::StartProcessLibraries(argv[0]); !started.ok()) {
    std::cerr << "vitrine: " << started.ToString() << "\n";
    return 1;
  }
  CLI::App app("Vitrine: a platform for scientific image data", "vitrine");
  app.require_subcommand(1);
  app.set_version_flag("--version", "vitrine 0.1.0");
  vitrine::cli::CommandContext context;
  vitrine::cli::AddServeCommand(app, context);
  vitrine::cli::AddUserCommands(app, context);
  vitrine::cli::AddCredentialCommands(app, context);
  vitrine::cli::AddProjectCommands(app, context);
  vitrine::cli::AddTransferCommands(app, context);
  vitrine::cli::AddMaintenanceCommands(app, context);
  vitrine::cli::AddWorkerCommand(app, context);
  vitrine::cli::AddJobCommands(app, context);
  vitrine::cli::AddFeatureCommands(app, context);
  vitrine::cli::AddBundleCommands(app, context);
  vitrine::cli::AddTuboidCommands(app, context);
  CLI11_PARSE(app, argc, argv);
  return context.exit_code;
}
