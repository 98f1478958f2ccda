// A data folder opened for use: the embedded catalog (catalog.db) and blob store (blobs/)
// inside it, a system clock, and the service over them. What `vitrine serve`, the CLI's
// maintenance commands and LocalClient run on.
#pragma once

#include <filesystem>
#include <memory>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/executor.h"
#include "service/service.h"

namespace vitrine::app {

inline constexpr const char* kDefaultDataDir = "./vitrine-data";

struct OpenedStore {
  // First: the last to go, after everything that hands it work.
  std::unique_ptr<core::Executor> executor;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<blob::BlobStore> blobs;
  core::SystemClock clock;
  std::unique_ptr<service::Service> service;
};

// Creates the folder if needed. Safe while a server runs on the same folder. Image work needs
// libvips started first (StartProcessLibraries).
Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir, service::ServiceOptions options = {},
                                                 core::ExecutorOptions executor_options = {});

}  // namespace vitrine::app
