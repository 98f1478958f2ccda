#include "app/data_dir.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <system_error>

namespace vitrine::app {

Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir, service::ServiceOptions options,
                                                 core::ExecutorOptions executor_options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The folder holds password hashes, API private keys and every image: its owner's alone.
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::InvalidArgument("cannot create data folder " + dir.string() + ": " + ec.message());
  if (auto perms = fs::status(dir, ec).permissions();
      !ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    spdlog::warn("data folder {} is readable by other users: chmod 700 it (it holds password hashes and keys)",
                 dir.string());
  }
  auto store = std::make_unique<OpenedStore>();
  store->executor = std::make_unique<core::Executor>(std::move(executor_options));
  VITRINE_ASSIGN_OR_RETURN(store->catalog, catalog::OpenCatalog((dir / "catalog.db").string(), store->executor.get()));
  // SQLite creates its files with the process umask; its -wal and -shm files copy this mode.
  fs::permissions(dir / "catalog.db", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  VITRINE_ASSIGN_OR_RETURN(store->blobs, blob::OpenBlobStore((dir / "blobs").string()));
  store->service = std::make_unique<service::Service>(*store->catalog, *store->blobs, store->clock, *store->executor,
                                                      std::move(options));
  return store;
}

}  // namespace vitrine::app
