// Sticky Pi's tuboid series, tuboids and ITC labels in the PostgreSQL catalog.
#pragma once

#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::tuboids {

Result<Tuboid> Insert(ConnectionPool& pool, const Tuboid& tuboid);
Result<Page<Tuboid>> List(ConnectionPool& pool, const TuboidFilter& filter, std::optional<UserId> member,
                          const PageRequest& page);
Result<std::string> Shots(ConnectionPool& pool, TuboidId id);
Status DeleteSeries(ConnectionPool& pool, TuboidSeriesId id);
Result<ItcLabel> InsertLabel(ConnectionPool& pool, const ItcLabel& label);
Result<std::vector<ItcLabel>> ListLabels(ConnectionPool& pool, const std::vector<TuboidId>& tuboids);

}  // namespace vitrine::catalog::postgres::tuboids
