// The annotation half of the SQLite catalog: rows, their R*Tree boxes and properties.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/connection.h"

namespace vitrine::catalog::sqlite::annotations {

Result<std::vector<AnnotationId>> Insert(ConnectionPool& pool, const std::vector<AnnotationRow>& rows);
// The same inside the caller's transaction.
Result<std::vector<AnnotationId>> InsertOn(Connection& conn, const std::vector<AnnotationRow>& rows);
Result<AnnotationRow> Get(ConnectionPool& pool, AnnotationId id);
Result<Page<AnnotationRow>> List(ConnectionPool& pool, const AnnotationFilter& filter, const PageRequest& page,
                                 const AnnotationColumns& columns);
Status Delete(ConnectionPool& pool, AnnotationId id);
// Catalog::ReplaceAnnotation.
Status Replace(ConnectionPool& pool, const AnnotationRow& row, Timestamp seen_updated_at);
Result<std::int64_t> DeleteMatching(ConnectionPool& pool, const AnnotationFilter& filter);
// Builds the R*Tree of boxes anew from every annotation's box, in the caller's transaction:
// after rows were copied in without it (vitrine migrate).
Status RebuildBoxIndex(Connection& conn);

}  // namespace vitrine::catalog::sqlite::annotations
