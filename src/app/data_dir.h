// A store opened for use: its catalog, its blob store, a system clock, and the service over them.
// What `vitrine serve`, the CLI's maintenance commands and LocalClient run on.
//
// Every store has a local data folder: its caches (rendered views, downloaded blobs) and, by
// default, the embedded catalog (catalog.db) and blob store (blobs/). A catalog URL
// (postgres://...) and a blob store URL (s3://...) move those two elsewhere, where several
// servers can share them (docs/scale-out.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/executor.h"
#include "service/service.h"

namespace vitrine::app {

inline constexpr const char* kDefaultDataDir = "./vitrine-data";

struct StoreLocation {
  std::filesystem::path data_dir;
  std::string catalog_url;  // empty: $VITRINE_CATALOG, else <data_dir>/catalog.db
  std::string blobs_url;    // empty: $VITRINE_BLOBS, else <data_dir>/blobs

  // The same location with both URLs filled in.
  StoreLocation Resolved() const;
  // "postgresql://user:***@host/db": a URL fit for logs and messages (no password).
  static std::string Redacted(const std::string& url);
};

struct OpenedStore {
  // First: the last to go, after everything that hands it work.
  std::unique_ptr<core::Executor> executor;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<blob::BlobStore> blobs;
  core::SystemClock clock;
  std::unique_ptr<service::Service> service;
  StoreLocation location;  // resolved
};

// Creates the data folder if needed. Safe while servers run on the same store. Image work needs
// libvips started first (StartProcessLibraries).
Result<std::unique_ptr<OpenedStore>> OpenStore(const StoreLocation& location, service::ServiceOptions options = {},
                                               core::ExecutorOptions executor_options = {});

// OpenStore({dir}): the folder's own catalog and blobs unless $VITRINE_CATALOG / $VITRINE_BLOBS say otherwise.
Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir, service::ServiceOptions options = {},
                                                 core::ExecutorOptions executor_options = {});

}  // namespace vitrine::app
