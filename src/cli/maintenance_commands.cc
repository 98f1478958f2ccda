#include <iostream>

#include "app/data_dir.h"
#include "cli/commands.h"
#include "cli/target.h"

namespace vitrine::cli {

void AddMaintenanceCommands(CLI::App& app, CommandContext& context) {
  struct Flags {
    std::string data_dir;
    std::int64_t grace_seconds = 3600;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* gc = app.add_subcommand("gc", "Remove stored files nothing refers to any more (deleted images)");
  AddDataOption(*gc, flags->data_dir);
  gc->add_option("--grace-seconds", flags->grace_seconds,
                 "Keep anything younger than this, so uploads in progress are never touched")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  gc->callback(Run(context, [flags]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto store, app::OpenDataDir(flags->data_dir));
    VITRINE_ASSIGN_OR_RETURN(blob::GarbageReport report,
                             store->service->images().CollectGarbage(service::Caller::LocalOperator(),
                                                                     std::chrono::seconds(flags->grace_seconds)));
    std::cout << "examined " << report.blobs_examined << " blobs, removed " << report.blobs_removed << " ("
              << report.bytes_removed << " bytes) and " << report.temp_files_removed << " abandoned temp files\n";
    return Status::Ok();
  }));
}

}  // namespace vitrine::cli
