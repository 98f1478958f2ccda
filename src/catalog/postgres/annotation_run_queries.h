// Annotation runs (one algorithm version's results on one image) in the PostgreSQL catalog.
#pragma once

#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::annotation_runs {

Result<CreatedAnnotationRun> Insert(ConnectionPool& pool, const AnnotationRun& run, Catalog::RunReplacement replace,
                                    const std::vector<AnnotationRow>& rows);
Result<AnnotationRun> Get(ConnectionPool& pool, AnnotationRunId id);
Result<Page<AnnotationRun>> List(ConnectionPool& pool, const AnnotationRunFilter& filter, std::optional<UserId> member,
                                 const PageRequest& page);
Status Delete(ConnectionPool& pool, AnnotationRunId id);
Result<std::vector<ImageId>> LeaseImages(ConnectionPool& pool, const Catalog::AnnotationLeaseQuery& query);

}  // namespace vitrine::catalog::postgres::annotation_runs
