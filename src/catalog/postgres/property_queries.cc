#include "catalog/postgres/property_queries.h"

namespace vitrine::catalog::postgres::properties {

const Table kImages{"images", "image_properties", "image_id", "i"};
const Table kProjects{"projects", "project_properties", "project_id", "p"};
const Table kAnnotationRuns{"annotation_runs", "annotation_run_properties", "annotation_run_id", "r"};

Result<Properties> Load(Connection& conn, const Table& table, std::int64_t owner) {
  VITRINE_ASSIGN_OR_RETURN(auto rows, conn.Query(std::string("SELECT key, value FROM ") + table.table + " WHERE " +
                                                     table.column + " = $1 ORDER BY key",
                                                 owner));
  Properties out;
  for (int r = 0; r < rows.size(); ++r) out[rows.Text(r, 0)] = rows.Text(r, 1);
  return out;
}

Result<std::map<std::int64_t, Properties>> LoadMany(Connection& conn, const Table& table,
                                                    const std::vector<std::int64_t>& owners) {
  std::string ids = "{";
  for (std::size_t i = 0; i < owners.size(); ++i) ids += (i ? "," : "") + std::to_string(owners[i]);
  ids += "}";
  VITRINE_ASSIGN_OR_RETURN(auto rows, conn.Query(std::string("SELECT ") + table.column + ", key, value FROM " +
                                                     table.table + " WHERE " + table.column + " = ANY($1::bigint[])",
                                                 ids));
  std::map<std::int64_t, Properties> out;
  for (int r = 0; r < rows.size(); ++r) out[rows.Int(r, 0)][rows.Text(r, 1)] = rows.Text(r, 2);
  return out;
}

Status Set(Connection& conn, const Table& table, std::int64_t owner, const std::string& key,
           const std::optional<std::string>& value) {
  if (!value) {
    return conn
        .Query(std::string("DELETE FROM ") + table.table + " WHERE " + table.column + " = $1 AND key = $2", owner, key)
        .status();
  }
  return conn
      .Query(std::string("INSERT INTO ") + table.table + "(" + table.column + ", key, value) VALUES ($1, $2, $3)" +
                 " ON CONFLICT (" + table.column + ", key) DO UPDATE SET value = excluded.value",
             owner, key, *value)
      .status();
}

Status Change(Connection& conn, const Table& table, std::int64_t owner,
              const std::map<std::string, std::optional<std::string>>& changes) {
  bool grows = false;
  for (const auto& [key, value] : changes) grows |= value.has_value();
  if (grows) {
    VITRINE_RETURN_IF_ERROR(
        conn.Query(std::string("SELECT 1 FROM ") + table.owners + " WHERE id = $1 FOR UPDATE", owner).status());
  }
  for (const auto& [key, value] : changes) VITRINE_RETURN_IF_ERROR(Set(conn, table, owner, key, value));
  if (!grows) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(
      auto count,
      conn.Query(std::string("SELECT COUNT(*) FROM ") + table.table + " WHERE " + table.column + " = $1", owner));
  const std::int64_t n = count.Int(0, 0);
  if (n > static_cast<std::int64_t>(kMaxPropertiesPerThing)) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxPropertiesPerThing) +
                                   " properties on one thing; this change would make " + std::to_string(n));
  }
  return Status::Ok();
}

std::string Condition(const Table& table, const PropertyMatch& match, Params& params) {
  std::string out = std::string(" AND EXISTS (SELECT 1 FROM ") + table.table + " pr WHERE pr." + table.column + " = " +
                    table.alias + ".id AND pr.key = " + params.Add(match.first);
  if (match.second) out += " AND pr.value = " + params.Add(*match.second);
  return out + ")";
}

}  // namespace vitrine::catalog::postgres::properties
