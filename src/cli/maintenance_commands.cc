#include <unistd.h>

#include <chrono>
#include <iostream>

#include "app/data_dir.h"
#include "app/migrate.h"
#include "cli/commands.h"
#include "cli/target.h"

namespace vitrine::cli {
namespace {

void AddGcCommand(CLI::App& app, CommandContext& context) {
  struct Flags {
    app::StoreLocation store;
    std::int64_t grace_seconds = 3600;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* gc = app.add_subcommand("gc", "Remove stored files nothing refers to any more (deleted images)");
  AddStoreOptions(*gc, flags->store);
  gc->add_option("--grace-seconds", flags->grace_seconds,
                 "Keep anything younger than this, so uploads in progress are never touched")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  gc->callback(Run(context, [flags]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto store, app::OpenStore(flags->store));
    VITRINE_ASSIGN_OR_RETURN(blob::GarbageReport report,
                             store->service->images().CollectGarbage(service::Caller::LocalOperator(),
                                                                     std::chrono::seconds(flags->grace_seconds)));
    std::cout << "examined " << report.blobs_examined << " blobs, removed " << report.blobs_removed << " ("
              << report.bytes_removed << " bytes) and " << report.temp_files_removed << " abandoned temp files\n";
    return Status::Ok();
  }));
}

struct MigrateFlags {
  app::StoreLocation from;
  std::string to_data;
  std::string to_catalog;
  std::string to_blobs;
  bool resume = false;
};

// The target names its catalog and blobs itself: the environment's VITRINE_CATALOG and
// VITRINE_BLOBS describe the source.
Result<app::StoreLocation> TargetLocation(const MigrateFlags& flags) {
  if (flags.to_data.empty() && (flags.to_catalog.empty() || flags.to_blobs.empty())) {
    return Status::InvalidArgument("name the target: --to-data DIR, or both --to-catalog URL and --to-blobs URL");
  }
  app::StoreLocation to{flags.to_data.empty() ? flags.from.data_dir : std::filesystem::path(flags.to_data),
                        flags.to_catalog, flags.to_blobs};
  if (to.catalog_url.empty()) to.catalog_url = "sqlite://" + (to.data_dir / "catalog.db").string();
  if (to.blobs_url.empty()) to.blobs_url = "file://" + (to.data_dir / "blobs").string();
  return to;
}

// One line per step on a terminal, rewritten in place; a line a second otherwise.
class MigrationPrinter {
 public:
  void operator()(const app::MigrationProgress& p) {
    auto now = std::chrono::steady_clock::now();
    bool finished = p.done == p.total;
    if (!finished && p.step == step_ && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    if (p.step != step_ && terminal_ && !step_.empty()) std::cerr << "\n";
    step_ = p.step;
    std::cerr << (terminal_ ? "\r" : "") << p.step << ": " << p.done << " / " << p.total;
    if (p.step == "blobs") std::cerr << " (" << p.bytes / (1024 * 1024) << " MiB copied)";
    if (!terminal_) std::cerr << "\n";
    std::cerr << std::flush;
  }
  ~MigrationPrinter() {
    if (terminal_ && !step_.empty()) std::cerr << "\n";
  }

 private:
  const bool terminal_ = ::isatty(STDERR_FILENO) == 1;
  std::string step_;
  std::chrono::steady_clock::time_point last_;
};

Status Migrate(const MigrateFlags& flags) {
  VITRINE_ASSIGN_OR_RETURN(app::StoreLocation to, TargetLocation(flags));
  app::StoreLocation from = flags.from.Resolved();
  if (from.catalog_url == to.catalog_url || from.blobs_url == to.blobs_url) {
    return Status::InvalidArgument("the source and the target are the same store");
  }
  VITRINE_ASSIGN_OR_RETURN(auto source, app::OpenStore(from));
  VITRINE_ASSIGN_OR_RETURN(auto target, app::OpenStore(to));
  std::cerr << "copying " << app::StoreLocation::Redacted(from.catalog_url) << " + "
            << app::StoreLocation::Redacted(from.blobs_url) << "\n     to "
            << app::StoreLocation::Redacted(to.catalog_url) << " + " << app::StoreLocation::Redacted(to.blobs_url)
            << "\n";
  auto printer = std::make_shared<MigrationPrinter>();
  app::MigrationOptions options;
  options.resume = flags.resume;
  options.progress = [printer](const app::MigrationProgress& p) { (*printer)(p); };
  auto report = app::CopyStore(*source->catalog, *source->blobs, *target->catalog, *target->blobs, options);
  printer.reset();
  if (!report.ok()) {
    // Refusals come before anything is written; a failure later leaves a copy to resume.
    bool refused =
        report.status().code() == ErrorCode::kConflict || report.status().code() == ErrorCode::kInvalidArgument;
    return Status(
        report.status().code(),
        report.status().message() + (flags.resume || refused ? "" : " (run again with --resume to continue)"));
  }
  std::int64_t rows = 0;
  for (const auto& [table, n] : report->rows) rows += n;
  std::cout << "copied " << report->blobs_copied << " blobs (" << report->bytes_copied << " bytes, "
            << report->blobs_already_there << " already there) and " << rows << " rows in " << report->rows.size()
            << " tables; every blob's SHA-256 and every table's row count checked\n";
  return Status::Ok();
}

void AddMigrateCommand(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<MigrateFlags>();
  CLI::App* migrate = app.add_subcommand(
      "migrate",
      "Copy a whole store (catalog and blobs, ids kept) into another: a data folder into PostgreSQL + S3, or back");
  AddStoreOptions(*migrate, flags->from);
  migrate->add_option("--to-data", flags->to_data, "Target data folder (its catalog and blobs unless named below)");
  migrate->add_option("--to-catalog", flags->to_catalog, "Target catalog URL, e.g. postgres://user@host/db");
  migrate->add_option("--to-blobs", flags->to_blobs, "Target blob store URL, e.g. s3://bucket/prefix?region=...");
  migrate->add_flag("--resume", flags->resume,
                    "Continue an interrupted migration into this target (a target holding rows is refused otherwise)");
  migrate->callback(Run(context, [flags] { return Migrate(*flags); }));
}

}  // namespace

void AddMaintenanceCommands(CLI::App& app, CommandContext& context) {
  AddGcCommand(app, context);
  AddMigrateCommand(app, context);
}

}  // namespace vitrine::cli
