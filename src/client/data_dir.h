// A data folder opened for use: the embedded catalog (catalog.db) and blob store (blobs/)
// inside it, a system clock, and the service over them.
#pragma once

#include <filesystem>
#include <memory>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/service.h"

namespace vitrine::client {

inline constexpr const char* kDefaultDataDir = "./vitrine-data";

struct OpenedStore {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<blob::BlobStore> blobs;
  core::SystemClock clock;
  std::unique_ptr<service::Service> service;
};

// Creates the folder if needed. Safe while a server runs on the same folder.
Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir,
                                                 service::ServiceOptions options = {});

}  // namespace vitrine::client
