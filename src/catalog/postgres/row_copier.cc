#include "catalog/postgres/row_copier.h"

#include <algorithm>
#include <array>

#include "catalog/logical_tables.h"

namespace vitrine::catalog::postgres {
namespace {

// Type oids (pg_type.h is a server header).
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701;

// The table's own shape: its stored columns (the generated `box` is derived, not copied) and
// its primary key.
Result<TableShape> ReadShape(Connection& conn, const char* table) {
  TableShape shape{table, {}, {}};
  VITRINE_ASSIGN_OR_RETURN(auto columns, conn.Query("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
                                                    " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
                                                    " ORDER BY attnum",
                                                    table));
  for (int r = 0; r < columns.size(); ++r) shape.columns.push_back(columns.Text(r, 0));
  VITRINE_ASSIGN_OR_RETURN(auto key,
                           conn.Query("SELECT a.attname FROM pg_index i"
                                      " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n)"
                                      " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                                      " WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n",
                                      table));
  for (int r = 0; r < key.size(); ++r) shape.key.push_back(key.Text(r, 0));
  if (shape.key.empty()) return Status::Internal(std::string("table ") + table + " has no primary key");
  return shape;
}

// The caller's shape checked against the stored one: a known table, known columns.
Result<TableShape> Checked(Connection& conn, const TableShape& given) {
  auto known =
      std::find_if(kLogicalTables.begin(), kLogicalTables.end(), [&](const char* name) { return given.name == name; });
  if (known == kLogicalTables.end()) return Status::InvalidArgument("no table '" + given.name + "' in the catalog");
  VITRINE_ASSIGN_OR_RETURN(TableShape stored, ReadShape(conn, *known));
  for (const auto* list : {&given.columns, &given.key}) {
    for (const std::string& column : *list) {
      if (std::find(stored.columns.begin(), stored.columns.end(), column) == stored.columns.end()) {
        return Status::InvalidArgument("table " + given.name + " has no column '" + column + "'");
      }
    }
  }
  return given;
}

std::string Joined(const std::vector<std::string>& names, std::string_view suffix = "") {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "\"" : ", \"") + name + "\"" + std::string(suffix);
  return out;
}

std::string AddCell(Params& params, const Cell& cell) {
  return std::visit(
      [&](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return params.Add(nullptr);
        } else if constexpr (std::is_same_v<T, BinaryCell>) {
          return params.Add(Bytes{value.bytes});
        } else {
          return params.Add(value);
        }
      },
      cell);
}

// Booleans come out as 0 and 1, as SQLite stores them.
Cell ReadCell(const Rows& q, int row, int col) {
  if (q.IsNull(row, col)) return std::monostate{};
  switch (q.Type(col)) {
    case kBool:
    case kInt2:
    case kInt4:
    case kInt8:
      return q.Int(row, col);
    case kFloat4:
    case kFloat8:
      return q.Real(row, col);
    case kBytea:
      return BinaryCell{q.ByteaBytes(row, col)};
    default:
      return q.Text(row, col);
  }
}

}  // namespace

Result<std::vector<TableShape>> PostgresRowCopier::Tables() const {
  return pool_.Run<std::vector<TableShape>>([&](Connection& conn) -> Result<std::vector<TableShape>> {
    std::vector<TableShape> tables;
    for (const char* name : kLogicalTables) {
      VITRINE_ASSIGN_OR_RETURN(TableShape shape, ReadShape(conn, name));
      tables.push_back(std::move(shape));
    }
    return tables;
  });
}

Result<std::vector<Row>> PostgresRowCopier::ReadRows(const TableShape& given, const Row& after,
                                                     std::size_t limit) const {
  return pool_.Run<std::vector<Row>>([&](Connection& conn) -> Result<std::vector<Row>> {
    VITRINE_ASSIGN_OR_RETURN(TableShape table, Checked(conn, given));
    Params params;
    std::string sql = "SELECT " + Joined(table.columns) + " FROM " + table.name;
    if (!after.empty()) {
      std::string values;
      for (const Cell& cell : after) values += (values.empty() ? "" : ", ") + AddCell(params, cell);
      sql += " WHERE (" + Joined(table.key) + ") > (" + values + ")";
    }
    sql += " ORDER BY " + Joined(table.key) + " LIMIT " + params.Add(static_cast<std::int64_t>(limit));
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    std::vector<Row> rows;
    rows.reserve(q.size());
    for (int r = 0; r < q.size(); ++r) {
      Row row;
      row.reserve(table.columns.size());
      for (int c = 0; c < static_cast<int>(table.columns.size()); ++c) row.push_back(ReadCell(q, r, c));
      rows.push_back(std::move(row));
    }
    return rows;
  });
}

Status PostgresRowCopier::WriteRows(const TableShape& given, const std::vector<Row>& rows) {
  return pool_.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(TableShape table, Checked(conn, given));
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    // A term may name as parent a term with a larger id (a parent changed later): checked at commit.
    VITRINE_RETURN_IF_ERROR(conn.Run("SET CONSTRAINTS ALL DEFERRED"));
    const std::string head = "INSERT INTO " + table.name + "(" + Joined(table.columns) + ") OVERRIDING SYSTEM VALUE";
    // Up to 100 rows a statement.
    constexpr std::size_t kRowsPerStatement = 100;
    for (std::size_t start = 0; start < rows.size(); start += kRowsPerStatement) {
      Params params;
      std::string values;
      for (std::size_t i = start; i < std::min(rows.size(), start + kRowsPerStatement); ++i) {
        const Row& row = rows[i];
        if (row.size() != table.columns.size()) {
          return Status::InvalidArgument("a row of " + table.name + " has " + std::to_string(row.size()) +
                                         " values for " + std::to_string(table.columns.size()) + " columns");
        }
        values += values.empty() ? " VALUES (" : ", (";
        for (std::size_t c = 0; c < row.size(); ++c) values += (c ? ", " : "") + AddCell(params, row[c]);
        values += ")";
      }
      VITRINE_RETURN_IF_ERROR(conn.Exec(head + values + " ON CONFLICT DO NOTHING", params).status());
    }
    return tx.Commit();
  });
}

Result<Row> PostgresRowCopier::LastKey(const TableShape& given) const {
  return pool_.Run<Row>([&](Connection& conn) -> Result<Row> {
    VITRINE_ASSIGN_OR_RETURN(TableShape table, Checked(conn, given));
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT " + Joined(table.key) + " FROM " + table.name + " ORDER BY " +
                                                Joined(table.key, " DESC") + " LIMIT 1"));
    Row key;
    if (!q.empty()) {
      for (int c = 0; c < static_cast<int>(table.key.size()); ++c) key.push_back(ReadCell(q, 0, c));
    }
    return key;
  });
}

Result<std::int64_t> PostgresRowCopier::CountRows(std::string_view table) const {
  return pool_.Run<std::int64_t>([&](Connection& conn) -> Result<std::int64_t> {
    VITRINE_ASSIGN_OR_RETURN(TableShape shape, Checked(conn, TableShape{std::string(table), {}, {}}));
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT count(*) FROM " + shape.name));
    return q.Int(0, 0);
  });
}

// Copied rows kept their ids, which the identities' sequences did not see: each continues past
// the largest id stored (never moving back).
Status PostgresRowCopier::FinishCopy() {
  return pool_.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    for (const char* table : kLogicalTables) {
      VITRINE_ASSIGN_OR_RETURN(auto sequence, conn.Query("SELECT pg_get_serial_sequence($1, 'id') FROM pg_attribute"
                                                         " WHERE attrelid = $1::regclass AND attname = 'id'",
                                                         table));
      if (sequence.empty() || sequence.IsNull(0, 0)) continue;  // no identity column
      VITRINE_RETURN_IF_ERROR(
          conn.Query(std::string("SELECT setval($1::regclass, m) FROM (SELECT MAX(id) AS m FROM ") + table +
                         ") t, pg_sequences s WHERE m IS NOT NULL AND s.schemaname || '.' || s.sequencename = $2"
                         " AND (s.last_value IS NULL OR s.last_value < m)",
                     sequence.Text(0, 0), sequence.Text(0, 0))
              .status());
    }
    return tx.Commit();
  });
}

}  // namespace vitrine::catalog::postgres
