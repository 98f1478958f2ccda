// LocalClient on any store location (the public OpenLocal takes a data folder only): what the
// CLI uses when --catalog or --blobs name a shared catalog or blob store.
#pragma once

#include <memory>
#include <string>

#include "app/data_dir.h"
#include "vitrine/client.h"

namespace vitrine::client {

Result<std::unique_ptr<Client>> OpenLocalStore(const app::StoreLocation& location, const std::string& as_user);

}  // namespace vitrine::client
