// The annotation half of the PostgreSQL catalog: rows, their terms and properties. Box queries
// go through a GiST index on the annotation's box (see migrations.cc).
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::annotations {

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

}  // namespace vitrine::catalog::postgres::annotations
