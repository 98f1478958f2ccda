// The embedded catalog: one SQLite file in WAL mode, shared safely by threads (through a
// connection pool) and by processes (SQLite's own file locking), e.g. `vitrine serve` and a
// `vitrine user add` run beside it.
#pragma once

#include <filesystem>
#include <memory>

#include "catalog/catalog.h"
#include "core/executor.h"

namespace vitrine::catalog {

// `executor`: see OpenCatalog.
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::filesystem::path& file,
                                                   core::Executor* executor = nullptr);

}  // namespace vitrine::catalog
