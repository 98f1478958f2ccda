// The scale-out catalog: a PostgreSQL database shared by any number of servers, each with a
// bounded pool of connections. Safe for concurrent use from many threads and processes.
#pragma once

#include <memory>
#include <string_view>

#include "catalog/catalog.h"

namespace vitrine::catalog {

// `url`: a libpq connection URI (postgres://user@host:port/db?sslmode=...), plus Vitrine's own
// `pool=N` (connections kept, default 8), which is taken out before libpq sees it. Creates the
// schema or brings it up to date. kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(std::string_view url);

}  // namespace vitrine::catalog
