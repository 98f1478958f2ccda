// vitrine worker: a job worker process. With --server it claims jobs through the HTTP API with
// its own credentials (a user with the worker capability, or an administrator), so it runs
// anywhere that reaches the server; without, it works on a store directly (--data, or
// --catalog and --blobs). SIGTERM or SIGINT: no new claims; the running jobs end first.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>

#include "app/data_dir.h"
#include "cli/commands.h"
#include "cli/target.h"
#include "client/credentials.h"
#include "http/server.h"
#include "worker/workers.h"

namespace vitrine::cli {
namespace {

struct WorkerFlags {
  app::StoreLocation store;
  std::string server;
  std::string token_file;
  unsigned concurrency = 1;
  std::vector<std::string> analytics;
  std::string name;
  std::string scratch;
  unsigned max_wall_time_seconds = 3600;
  unsigned max_memory_mib = 4096;
};

Result<std::string> DefaultName() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

Status Work(const WorkerFlags& flags) {
  worker::WorkerOptions options;
  options.concurrency = flags.concurrency;
  options.analytics = flags.analytics;
  VITRINE_ASSIGN_OR_RETURN(options.name, flags.name.empty() ? DefaultName() : Result<std::string>(flags.name));
  options.limits.wall_time = std::chrono::seconds(flags.max_wall_time_seconds);
  options.limits.memory_bytes = std::uint64_t{flags.max_memory_mib} << 20;
  if (!flags.server.empty()) {
    Credentials given;
    given.url = flags.server;
    if (!flags.token_file.empty()) {
      std::ifstream in(flags.token_file);
      if (!std::getline(in, given.token) || given.token.empty()) {
        return Status::InvalidArgument("no token in " + flags.token_file);
      }
    }
    VITRINE_ASSIGN_OR_RETURN(Credentials credentials, client::ResolveCredentials(given));
    options.scratch_dir = flags.scratch.empty() ? std::filesystem::temp_directory_path() /
                                                      ("vitrine-worker-" + std::to_string(::getuid()))
                                                : std::filesystem::path(flags.scratch);
    VITRINE_ASSIGN_OR_RETURN(auto source, worker::HttpJobSource(credentials));
    spdlog::info("worker {}: {} thread(s) taking jobs from {}", options.name, options.concurrency, flags.server);
    worker::Workers workers(*source, std::move(options));
    http::WaitForTerminationSignal();
    spdlog::info("stopping: no new jobs; waiting for the running ones to end");
    workers.Stop();
    return Status::Ok();
  }
  VITRINE_ASSIGN_OR_RETURN(auto store, app::OpenStore(flags.store));
  options.scratch_dir =
      flags.scratch.empty() ? flags.store.data_dir / "cache" / "jobs" : std::filesystem::path(flags.scratch);
  worker::JobSweeper sweeper(*store->service, *store->executor);
  spdlog::info("worker {}: {} thread(s) taking jobs from {}", options.name, options.concurrency,
               app::StoreLocation::Redacted(store->location.catalog_url));
  {
    worker::InProcessWorkers workers(*store->service, std::move(options));
    http::WaitForTerminationSignal();
    spdlog::info("stopping: no new jobs; waiting for the running ones to end");
    store->service->jobs().Shutdown();
  }
  return Status::Ok();
}

}  // namespace

void AddWorkerCommand(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<WorkerFlags>();
  CLI::App* command = app.add_subcommand(
      "worker", "Run jobs: from a server (--server URL) or straight from a store (--data, --catalog/--blobs)");
  AddStoreOptions(*command, flags->store);
  command->add_option("--server", flags->server,
                      "Take jobs from this server, with the credentials of $VITRINE_TOKEN, --token-file or the "
                      "credentials file (a user with the worker capability)");
  command->add_option("--token-file", flags->token_file, "Read the worker's bearer token from this file");
  command->add_option("--concurrency", flags->concurrency, "Jobs run at once")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  command->add_option("--analytics", flags->analytics, "Run only these analytics (names, comma-separated)")
      ->delimiter(',');
  command->add_option("--name", flags->name, "This worker's name in the jobs' messages (default: host:pid)");
  command->add_option("--scratch", flags->scratch,
                      "Folder for bundles and the jobs' files (default: <data>/cache/jobs, or a temporary folder)");
  command
      ->add_option("--max-wall-time", flags->max_wall_time_seconds, "Longest an external analytic may run, in seconds")
      ->check(CLI::Range(1u, 7u * 24 * 3600))
      ->capture_default_str();
  command->add_option("--max-memory-mib", flags->max_memory_mib, "Address space of an external analytic, in MiB")
      ->check(CLI::Range(16u, 1u << 20))
      ->capture_default_str();
  command->callback(Run(context, [flags] { return Work(*flags); }));
}

}  // namespace vitrine::cli
