#include <string>

#include "catalog/catalog.h"
#include "catalog/postgres/postgres_catalog.h"
#include "catalog/sqlite/sqlite_catalog.h"

namespace vitrine::catalog {

Result<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url, core::Executor* executor) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) return OpenSqliteCatalog(std::string(url.substr(kSqlite.size())), executor);
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return OpenPostgresCatalog(url);
  }
  if (url.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("unknown catalog URL scheme in '" + std::string(url) + "'");
  }
  return OpenSqliteCatalog(std::string(url), executor);
}

}  // namespace vitrine::catalog
