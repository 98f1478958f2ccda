// Versioned schema migrations for the SQLite catalog. Each migration runs once, in its own
// transaction, and is recorded in `schema_migrations`; a catalog newer than this binary is refused.
#pragma once

#include "catalog/sqlite/connection.h"

namespace vitrine::catalog::sqlite {

struct Migration {
  int version;
  const char* description;
  const char* sql;
  // Rebuilds tables others refer to: runs with foreign keys off (they would cascade the drop of
  // the old table), and the references are checked before it commits.
  bool rebuilds_tables = false;
};

// The migrations this binary knows, in ascending version order.
const std::vector<Migration>& AllMigrations();

// The highest applied version, 0 for a fresh database.
Result<int> CurrentVersion(Connection& conn);

// Brings the database to the latest version. `now_us` stamps the applied rows.
Status Migrate(Connection& conn, std::int64_t now_us);

}  // namespace vitrine::catalog::sqlite
