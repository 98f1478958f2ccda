// The PostgreSQL catalog's schema, as numbered migrations recorded in schema_migrations.
#pragma once

#include <cstdint>

#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres {

// Brings the database to the current schema in one transaction that holds an advisory lock,
// so servers starting together against a fresh database apply each migration once. Fails with
// kUnsupported when the database was migrated by a newer vitrine.
Status Migrate(Connection& conn, std::int64_t now_us);

}  // namespace vitrine::catalog::postgres
