#include "catalog/sqlite/row_copier.h"

#include <algorithm>
#include <array>

#include "catalog/logical_tables.h"
#include "catalog/sqlite/annotation_queries.h"

namespace vitrine::catalog::sqlite {
namespace {

// Where an annotation's box lives in the embedded catalog's R*Tree: private to SQLite, rebuilt
// on writing rows.
constexpr std::string_view kBucketColumn = "bucket_id";

Status CheckKnownTable(std::string_view name) {
  if (std::find(kLogicalTables.begin(), kLogicalTables.end(), name) == kLogicalTables.end()) {
    return Status::InvalidArgument("no table '" + std::string(name) + "' in the catalog");
  }
  return Status::Ok();
}

Result<TableShape> ReadShape(Connection& conn, const char* table) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.PrepareDynamic(std::string("PRAGMA table_info(") + table + ")"));
  TableShape shape{table, {}, {}};
  std::vector<std::pair<std::int64_t, std::string>> key;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string column = q.Text(1);
    if (column == kBucketColumn) continue;
    if (q.Int(5) > 0) key.emplace_back(q.Int(5), column);
    shape.columns.push_back(std::move(column));
  }
  std::sort(key.begin(), key.end());
  for (auto& [order, column] : key) shape.key.push_back(column);
  if (shape.key.empty()) return Status::Internal(std::string("table ") + table + " has no primary key");
  return shape;
}

std::string Joined(const std::vector<std::string>& names, std::string_view suffix = "") {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name + std::string(suffix);
  return out;
}

void BindCell(Statement& q, int index, const Cell& cell) {
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          q.BindAt(index, nullptr);
        } else if constexpr (std::is_same_v<T, BinaryCell>) {
          q.BindAt(index, Blob{value.bytes});
        } else {
          q.BindAt(index, value);
        }
      },
      cell);
}

Cell ReadCell(const Statement& q, int col) {
  switch (q.ColumnType(col)) {
    case SQLITE_INTEGER:
      return q.Int(col);
    case SQLITE_FLOAT:
      return q.Real(col);
    case SQLITE_TEXT:
      return q.Text(col);
    case SQLITE_BLOB:
      return BinaryCell{q.BlobBytes(col)};
    default:
      return std::monostate{};
  }
}

// "(k1, k2) > (?, ?)": rows after a key, in key order.
std::string AfterKey(const TableShape& table) {
  return "(" + Joined(table.key) + ") > (" + Placeholders(table.key.size()) + ")";
}

std::string KeyOrder(const TableShape& table, bool descending) { return Joined(table.key, descending ? " DESC" : ""); }

}  // namespace

Result<std::vector<TableShape>> SqliteRowCopier::Tables() const {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  std::vector<TableShape> tables;
  for (const char* name : kLogicalTables) {
    VITRINE_ASSIGN_OR_RETURN(TableShape shape, ReadShape(*conn, name));
    tables.push_back(std::move(shape));
  }
  return tables;
}

Result<std::vector<Row>> SqliteRowCopier::ReadRows(const TableShape& table, const Row& after, std::size_t limit) const {
  VITRINE_RETURN_IF_ERROR(CheckKnownTable(table.name));
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  std::string sql = "SELECT " + Joined(table.columns) + " FROM " + table.name;
  if (!after.empty()) sql += " WHERE " + AfterKey(table);
  sql += " ORDER BY " + KeyOrder(table, false) + " LIMIT ?";
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
  int index = 1;
  for (const Cell& cell : after) BindCell(q, index++, cell);
  q.BindAt(index, static_cast<std::int64_t>(limit));
  std::vector<Row> rows;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    Row row;
    row.reserve(table.columns.size());
    for (int c = 0; c < static_cast<int>(table.columns.size()); ++c) row.push_back(ReadCell(q, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

Status SqliteRowCopier::WriteRows(const TableShape& table, const std::vector<Row>& rows) {
  VITRINE_RETURN_IF_ERROR(CheckKnownTable(table.name));
  const std::vector<std::string>& columns = table.columns;
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  // A term may name as parent a term with a larger id (a parent changed later): checked at commit.
  VITRINE_RETURN_IF_ERROR(conn->Exec("PRAGMA defer_foreign_keys = ON"));
  VITRINE_ASSIGN_OR_RETURN(Statement insert,
                           conn->PrepareDynamic("INSERT OR IGNORE INTO " + table.name + "(" + Joined(columns) +
                                                ") VALUES (" + Placeholders(columns.size()) + ")"));
  for (const Row& row : rows) {
    if (row.size() != table.columns.size()) {
      return Status::InvalidArgument("a row of " + table.name + " has " + std::to_string(row.size()) + " values for " +
                                     std::to_string(table.columns.size()) + " columns");
    }
    insert.Reset();
    int index = 1;
    for (const Cell& cell : row) BindCell(insert, index++, cell);
    VITRINE_RETURN_IF_ERROR(insert.Run());
  }
  return tx.Commit();
}

Result<Row> SqliteRowCopier::LastKey(const TableShape& table) const {
  VITRINE_RETURN_IF_ERROR(CheckKnownTable(table.name));
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic("SELECT " + Joined(table.key) + " FROM " + table.name +
                                                             " ORDER BY " + KeyOrder(table, true) + " LIMIT 1"));
  Row key;
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Step());
  if (found) {
    for (int c = 0; c < static_cast<int>(table.key.size()); ++c) key.push_back(ReadCell(q, c));
  }
  return key;
}

Result<std::int64_t> SqliteRowCopier::CountRows(std::string_view table) const {
  VITRINE_RETURN_IF_ERROR(CheckKnownTable(table));
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic("SELECT count(*) FROM " + std::string(table)));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Step());
  return found ? q.Int(0) : 0;
}

// Explicit ids move SQLite's AUTOINCREMENT counters on as they are inserted, and WriteRows
// fills the R*Tree as it goes: nothing is left to do.
// Copied annotations carry no bucket: the box index is built once, at the end, in the same
// Z-ordered buckets of 16 that inserts make.
Status SqliteRowCopier::FinishCopy() {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_RETURN_IF_ERROR(annotations::RebuildBoxIndex(*conn));
  return tx.Commit();
}

}  // namespace vitrine::catalog::sqlite
