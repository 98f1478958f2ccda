#include "app/data_dir.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <system_error>

#include "core/digest.h"

namespace vitrine::app {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool IsEmbedded(const std::string& catalog_url) {
  return catalog_url.starts_with("sqlite://") || catalog_url.find("://") == std::string::npos;
}

// The folder holds caches and, by default, password hashes, API private keys and every image:
// its owner's alone.
Status PrepareDataDir(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::InvalidArgument("cannot create data folder " + dir.string() + ": " + ec.message());
  if (auto perms = fs::status(dir, ec).permissions();
      !ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    spdlog::warn("data folder {} is readable by other users: chmod 700 it (it holds password hashes and keys)",
                 dir.string());
  }
  return Status::Ok();
}

}  // namespace

StoreLocation StoreLocation::Resolved() const {
  StoreLocation resolved = *this;
  if (resolved.catalog_url.empty()) resolved.catalog_url = Env("VITRINE_CATALOG");
  if (resolved.catalog_url.empty()) resolved.catalog_url = "sqlite://" + (data_dir / "catalog.db").string();
  if (resolved.blobs_url.empty()) resolved.blobs_url = Env("VITRINE_BLOBS");
  if (resolved.blobs_url.empty()) resolved.blobs_url = "file://" + (data_dir / "blobs").string();
  return resolved;
}

std::string StoreLocation::Redacted(const std::string& url) {
  std::string out = url;
  // A password as a query parameter (libpq's password=...).
  for (std::size_t at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    std::size_t end = out.find('&', at);
    out.replace(at + 9, (end == std::string::npos ? out.size() : end) - (at + 9), "***");
  }
  // And as user:password@.
  auto scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  auto at = out.find('@', scheme + 3);
  auto slash = out.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return out;
  auto colon = out.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return out;
  return out.substr(0, colon + 1) + "***" + out.substr(at);
}

Result<std::unique_ptr<OpenedStore>> OpenStore(const StoreLocation& location, service::ServiceOptions options,
                                               core::ExecutorOptions executor_options) {
  namespace fs = std::filesystem;
  VITRINE_RETURN_IF_ERROR(PrepareDataDir(location.data_dir));
  auto store = std::make_unique<OpenedStore>();
  store->location = location.Resolved();
  store->executor = std::make_unique<core::Executor>(std::move(executor_options));
  VITRINE_ASSIGN_OR_RETURN(store->catalog, catalog::OpenCatalog(store->location.catalog_url, store->executor.get()));
  if (IsEmbedded(store->location.catalog_url)) {
    // SQLite creates its files with the process umask; its -wal and -shm files copy this mode.
    std::error_code ec;
    fs::permissions(location.data_dir / "catalog.db", fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
  }
  // An S3 store keeps its local copies in the data folder unless its URL names a folder; one
  // folder per store (`vitrine migrate` from one bucket to another opens both from one folder).
  const fs::path s3_cache = location.data_dir.empty() ? fs::path()
                                                      : location.data_dir / "cache" / "s3" /
                                                            core::Sha256Hex(store->location.blobs_url).substr(0, 16);
  VITRINE_ASSIGN_OR_RETURN(store->blobs, blob::OpenBlobStore(store->location.blobs_url, s3_cache));
  store->service = std::make_unique<service::Service>(*store->catalog, *store->blobs, store->clock, *store->executor,
                                                      std::move(options));
  VITRINE_RETURN_IF_ERROR(store->service->jobs().RegisterBuiltins());
  return store;
}

Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir, service::ServiceOptions options,
                                                 core::ExecutorOptions executor_options) {
  return OpenStore(StoreLocation{dir, "", ""}, std::move(options), std::move(executor_options));
}

}  // namespace vitrine::app
