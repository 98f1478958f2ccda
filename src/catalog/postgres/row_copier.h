// RowCopier for the PostgreSQL catalog: its logical tables row by row, ids kept.
#pragma once

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres {

class PostgresRowCopier final : public RowCopier {
 public:
  explicit PostgresRowCopier(ConnectionPool& pool) : pool_(pool) {}

  Result<std::vector<TableShape>> Tables() const override;
  Result<std::vector<Row>> ReadRows(const TableShape& table, const Row& after, std::size_t limit) const override;
  Status WriteRows(const TableShape& table, const std::vector<Row>& rows) override;
  Result<Row> LastKey(const TableShape& table) const override;
  Result<std::int64_t> CountRows(std::string_view table) const override;
  Status FinishCopy() override;

 private:
  ConnectionPool& pool_;
};

}  // namespace vitrine::catalog::postgres
