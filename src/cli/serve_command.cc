#include <fcntl.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <vector>

#include "app/data_dir.h"
#include "cli/commands.h"
#include "cli/target.h"
#include "compat/cytomine/cytomine_api.h"
#include "compat/stickypi/stickypi_api.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/parse_integer.h"
#include "http/api_v1.h"
#include "http/server.h"
#include "http/static_files.h"
#include "worker/workers.h"

namespace vitrine::cli {
namespace {

// The built web application: the one installed beside the binary, else the source tree's build
// (web/dist, which `make build` makes).
std::optional<std::filesystem::path> DefaultWebApplication() {
  std::vector<std::filesystem::path> candidates;
  std::error_code ec;
  if (auto exe = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share" / "vitrine" / "web");
  }
#ifdef VITRINE_WEB_APP_DIR
  candidates.emplace_back(VITRINE_WEB_APP_DIR);
#endif
  for (const auto& dir : candidates) {
    if (std::filesystem::is_regular_file(dir / "index.html", ec)) return dir;
  }
  return std::nullopt;
}

struct ServeFlags {
  app::StoreLocation store;
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 0;
  unsigned worker_threads = 0;
  std::string log_level = "info";
  bool no_access_log = false;
  std::uint64_t max_body_mib = 16;
  unsigned gc_interval_minutes = 60;
  std::uint64_t view_cache_mib = 1024;
  std::string web_dir;
  std::string app_dir;
  bool no_app = false;
  std::vector<std::string> trusted_proxies;
  std::size_t max_connections = 4096;
  std::int64_t max_pixels = service::ImageOptions().max_pixels;
  std::int64_t max_flat_pixels = service::ImageOptions().max_flat_pixels;
  unsigned redirect_downloads_seconds = 0;
  unsigned job_workers = 1;
  unsigned job_lease_seconds = 30;
  std::string stickypi_project = compat::stickypi::StickyPiOptions().project_name;
  std::string link_key_file;  // default: <data>/link-signing-key
  unsigned link_lifetime_seconds = 3600;
};

// Writes `text` to a file only its owner may read (replacing one left from an older store).
Status WritePrivateFile(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("cannot create " + path.string() + ": " + std::strerror(errno));
  bool written = ::fchmod(fd, 0600) == 0 &&
                 ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return Status::Internal("cannot write " + path.string() + ": " + std::strerror(errno));
  return Status::Ok();
}

// The key that signs the links Sticky Pi clients fetch pictures by: read from `path`, or made
// there (random, readable only by its owner) when the file does not exist yet.
Result<std::string> LinkSigningKey(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    // Never make a new key over one we merely failed to look at: the links it signed would break.
    return Status::Internal("cannot look at " + path.string() + ": " + ec.message());
  }
  if (std::filesystem::exists(status)) {
    std::ifstream in(path, std::ios::binary);
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (!in.good() && !in.eof()) return Status::Internal("cannot read " + path.string());
    if (key.size() < compat::stickypi::kMinLinkKeySize) {
      return Status::InvalidArgument(path.string() + " holds fewer than " +
                                     std::to_string(compat::stickypi::kMinLinkKeySize) + " characters: not a key");
    }
    return key;
  }
  std::string key = core::RandomUrlToken(32);
  VITRINE_RETURN_IF_ERROR(WritePrivateFile(path, key + "\n"));
  return key;
}

// Each connection is a file descriptor, and the usual soft limit (1,024) is below the default
// --max-connections: raise it as far as the hard limit allows, and say so when that is short.
void RaiseFileLimit(std::size_t max_connections) {
  constexpr rlim_t kSpare = 256;  // the catalog, blobs being written, libvips' files
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + kSpare;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < wanted) {
    spdlog::warn(
        "only {} file descriptors may be open: fewer than --max-connections {} can be served; raise the "
        "hard limit (ulimit -Hn)",
        static_cast<std::uint64_t>(limit.rlim_cur), max_connections);
  }
}

bool IsLoopback(const std::string& host) { return host.starts_with("127.") || host == "::1" || host == "localhost"; }

// Removes unreferenced blobs (deleted images, their thumbnails), keeping anything younger than
// an hour so uploads being committed are never touched.
void CollectGarbage(service::ImageService& images) {
  auto report = images.CollectGarbage(service::Caller::LocalOperator(), std::chrono::hours(1));
  if (!report.ok()) {
    spdlog::warn("garbage collection: {}", report.status().ToString());
  } else if (report->blobs_removed || report->temp_files_removed) {
    spdlog::info("garbage collection removed {} blobs ({} bytes) and {} temp files", report->blobs_removed,
                 report->bytes_removed, report->temp_files_removed);
  }
}

// "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces is never implied: ":PORT" means 127.0.0.1).
Status ParseListen(const std::string& text, http::ServerOptions& options) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen must be HOST:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  std::string_view port_text(text.data() + colon + 1, text.size() - colon - 1);
  auto port = core::ParseInteger<unsigned>(port_text);
  if (!port || *port > 65535) {
    return Status::InvalidArgument("--listen port must be 0-65535, got '" + std::string(port_text) + "'");
  }
  options.host = host;
  options.port = static_cast<std::uint16_t>(*port);
  return Status::Ok();
}

Status Serve(const ServeFlags& flags) {
  core::ConfigureLogging(flags.log_level);
  // A long-running server must give large blocks back when they are freed. glibc otherwise
  // raises its mmap threshold to the largest block freed so far and keeps the next ones in
  // each thread's arena, where malloc_trim does not reach: argon2id's 19 MiB per worker thread
  // would stay for good.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  http::ServerOptions options;
  VITRINE_RETURN_IF_ERROR(ParseListen(flags.listen, options));
  options.threads = flags.threads;
  options.access_log = !flags.no_access_log;
  options.trusted_proxies = flags.trusted_proxies;
  options.max_connections = flags.max_connections;
  RaiseFileLimit(flags.max_connections);
  if (!IsLoopback(options.host) && options.trusted_proxies.empty()) {
    spdlog::warn(
        "listening on {} beyond loopback without TLS: passwords and tokens cross the network in clear. "
        "Put an HTTPS reverse proxy in front and name it with --trusted-proxy (docs/deployment.md)",
        options.host);
  }
  options.max_body_bytes = flags.max_body_mib * 1024 * 1024;

  service::ServiceOptions service_options;
  service_options.images.max_pixels = flags.max_pixels;
  service_options.images.max_flat_pixels = flags.max_flat_pixels;
  service_options.images.redirect_downloads = std::chrono::seconds(flags.redirect_downloads_seconds);
  service_options.jobs.lease = std::chrono::seconds(flags.job_lease_seconds);
  if (flags.view_cache_mib > 0) {
    service_options.images.view_cache_dir = flags.store.data_dir / "cache" / "views";
    service_options.images.view_cache_bytes = static_cast<std::int64_t>(flags.view_cache_mib) * 1024 * 1024;
  }
  core::ExecutorOptions lanes;
  if (flags.worker_threads > 0)
    lanes.lanes[static_cast<std::size_t>(core::Lane::kRequests)].threads = flags.worker_threads;
  VITRINE_ASSIGN_OR_RETURN(auto store, app::OpenStore(flags.store, service_options, lanes));
  options.executor = store->executor.get();
  VITRINE_ASSIGN_OR_RETURN(auto bootstrap, store->service->users().EnsureAdmin());
  if (bootstrap) {
    // Not on stdout, which often ends up in journald or a container's log: in a file only the
    // data folder's owner can read.
    auto secret = flags.store.data_dir / "admin-password";
    VITRINE_RETURN_IF_ERROR(WritePrivateFile(secret, bootstrap->password + "\n"));
    std::cout << "\nA new Vitrine store was created in " << flags.store.data_dir.string() << ".\n"
              << "Sign in as '" << bootstrap->user.username << "' with the password in " << secret.string()
              << "\n(readable only by you; change it with `vitrine user passwd admin --data "
              << flags.store.data_dir.string() << "`, then delete the file)\n\n"
              << std::flush;
  }
  http::Router router = http::MakeApiV1Router(*store->service);
  compat::cytomine::AddCytomineRoutes(router, *store->service);
  compat::stickypi::StickyPiOptions sticky;
  sticky.project_name = flags.stickypi_project;
  sticky.link_lifetime = std::chrono::seconds(flags.link_lifetime_seconds);
  VITRINE_ASSIGN_OR_RETURN(sticky.link_key,
                           LinkSigningKey(flags.link_key_file.empty() ? flags.store.data_dir / "link-signing-key"
                                                                      : std::filesystem::path(flags.link_key_file)));
  VITRINE_RETURN_IF_ERROR(compat::stickypi::AddStickyPiRoutes(router, *store->service, std::move(sticky)));
  if (!flags.no_app) {
    std::optional<std::filesystem::path> app_dir;
    if (!flags.app_dir.empty()) {
      if (!std::filesystem::is_regular_file(std::filesystem::path(flags.app_dir) / "index.html")) {
        return Status::InvalidArgument("--app " + flags.app_dir +
                                       " holds no index.html (build it: cd web && npm run build)");
      }
      app_dir = flags.app_dir;
    } else {
      app_dir = DefaultWebApplication();
    }
    if (app_dir) {
      http::AddWebApplication(router, *app_dir);
      spdlog::info("the web application ({}) is at /", app_dir->string());
    } else {
      http::AddMissingWebApplication(router,
                                     "it was not built with this server. Run <code>make build</code> (it needs "
                                     "Node.js 20.19 or later and npm), or start with <code>--app DIR</code>.");
      spdlog::warn("no web application was found: / explains how to build one (make build)");
    }
  }
  if (!flags.web_dir.empty()) {
    if (!std::filesystem::is_directory(flags.web_dir)) {
      return Status::InvalidArgument("--web " + flags.web_dir + " is not a folder");
    }
    http::AddStaticFiles(router, "/web", flags.web_dir);
    spdlog::info("serving the files of {} at /web/", flags.web_dir);
  }
  http::RouterApplication app(std::move(router));
  VITRINE_ASSIGN_OR_RETURN(auto server, http::Server::Start(options, app));
  spdlog::info("vitrine serving {} on http://{}:{} (data: {}, catalog: {}, blobs: {})", "/api/v1", options.host,
               server->port(), flags.store.data_dir.string(), app::StoreLocation::Redacted(store->location.catalog_url),
               app::StoreLocation::Redacted(store->location.blobs_url));
  std::optional<core::PeriodicTask> collector;
  if (flags.gc_interval_minutes > 0) {
    collector.emplace(*store->executor, core::Lane::kMaintenance, std::chrono::minutes(flags.gc_interval_minutes),
                      [&images = store->service->images()] { CollectGarbage(images); });
  }
  worker::JobSweeper sweeper(*store->service, *store->executor);
  std::optional<worker::InProcessWorkers> workers;
  if (flags.job_workers > 0) {
    worker::WorkerOptions worker_options;
    worker_options.concurrency = flags.job_workers;
    worker_options.scratch_dir = flags.store.data_dir / "cache" / "jobs";
    const std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    workers.emplace(*store->service, std::move(worker_options),
                    "http://" + host + ":" + std::to_string(server->port()));
    spdlog::info("{} job worker(s) running", flags.job_workers);
  }
  http::WaitForTerminationSignal();
  spdlog::info("shutting down: finishing requests in flight");
  store->service->jobs().Shutdown();  // long-polls and waiting claims answer now
  server->Stop();
  if (workers) spdlog::info("waiting for running jobs to end");
  workers.reset();
  spdlog::info("stopped");
  return Status::Ok();
}

}  // namespace

void AddServeCommand(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server on a data folder");
  AddStoreOptions(*serve, flags->store);
  serve->add_option("--listen", flags->listen, "Address to listen on, HOST:PORT")->capture_default_str();
  serve->add_option("--threads", flags->threads, "Server threads (0: one per core)")->capture_default_str();
  serve
      ->add_option("--worker-threads", flags->worker_threads,
                   "Threads for slow work off the network threads: rendering views (0: one per core, at least 2)")
      ->capture_default_str();
  serve->add_option("--log-level", flags->log_level, "error, warning, info or debug")->capture_default_str();
  serve->add_flag("--no-access-log", flags->no_access_log, "Do not log a line per request");
  serve->add_option("--max-body-mib", flags->max_body_mib, "Largest JSON request body, in MiB")->capture_default_str();
  serve
      ->add_option("--gc-interval-minutes", flags->gc_interval_minutes,
                   "How often to remove stored files nothing refers to (0: never; see `vitrine gc`)")
      ->check(CLI::Range(0u, 60u * 24 * 366))
      ->capture_default_str();
  serve
      ->add_option("--view-cache-mib", flags->view_cache_mib,
                   "Disk kept for rendered tiles and regions, in <data>/cache/views (0: none)")
      ->capture_default_str();
  serve
      ->add_option("--redirect-downloads", flags->redirect_downloads_seconds,
                   "Send image downloads to a presigned URL of the S3 store valid this many seconds, rather "
                   "than through the server (0: never; a file store always streams)")
      ->check(CLI::Range(0u, 3600u))
      ->capture_default_str();
  serve->add_option("--app", flags->app_dir,
                    "The web application's built folder, served at / (default: <prefix>/share/vitrine/web, or "
                    "web/dist of the source tree this binary was built from)");
  serve->add_flag("--no-app", flags->no_app, "Serve no web application at /");
  serve->add_option("--web", flags->web_dir,
                    "A folder of web pages served at /web/ (e.g. examples/viewer, the OpenSeadragon viewer)");
  serve->add_option("--trusted-proxy", flags->trusted_proxies,
                    "Address of a reverse proxy whose X-Forwarded-For/-Proto/-Host headers are believed "
                    "(repeatable; see docs/deployment.md)");
  serve
      ->add_option("--max-connections", flags->max_connections,
                   "Open connections beyond this are answered 503 and closed")
      ->capture_default_str();
  serve
      ->add_option("--max-pixels", flags->max_pixels,
                   "Largest image taken in, in pixels (width x height x planes), for images with pyramid levels")
      ->capture_default_str();
  serve
      ->add_option("--max-flat-pixels", flags->max_flat_pixels,
                   "Largest image taken in without pyramid levels (decoded whole to build its pyramid)")
      ->capture_default_str();
  serve
      ->add_option("--job-workers", flags->job_workers,
                   "Job workers in this process, running the built-in analytics (0: none; see docs/jobs.md)")
      ->check(CLI::Range(0u, 64u))
      ->capture_default_str();
  serve
      ->add_option("--job-lease-seconds", flags->job_lease_seconds,
                   "How long a worker holds a job without renewing: after this, a silent worker's job is queued "
                   "again (workers renew every third of it)")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  serve
      ->add_option(
          "--stickypi-project", flags->stickypi_project,
          "The name the Sticky Pi project gets when the first Sticky Pi client writes (docs/compat/stickypi.md)")
      ->capture_default_str();
  serve->add_option("--link-signing-key", flags->link_key_file,
                    "File holding the key that signs picture links (default: link-signing-key in the data folder, "
                    "made at first start); servers sharing a catalog must share it");
  serve
      ->add_option("--link-lifetime-seconds", flags->link_lifetime_seconds,
                   "How long a signed picture link handed to a Sticky Pi client stays valid")
      ->check(CLI::Range(10u, 7u * 24u * 3600u))
      ->capture_default_str();
  serve->callback(Run(context, [flags] { return Serve(*flags); }));
}

}  // namespace vitrine::cli
