#include "catalog/sqlite/property_queries.h"

namespace vitrine::catalog::sqlite::properties {

#define VITRINE_PROPERTY_TABLE(owner, alias)                                                                       \
  Table {                                                                                                          \
    "SELECT key, value FROM " owner "_properties WHERE " owner "_id = ? ORDER BY key",                             \
        "SELECT " owner "_id, key, value FROM " owner "_properties WHERE " owner "_id IN (",                       \
        "DELETE FROM " owner "_properties WHERE " owner "_id = ? AND key = ?",                                     \
        "INSERT INTO " owner "_properties(" owner "_id, key, value) VALUES (?, ?, ?) ON CONFLICT(" owner           \
        "_id, key) DO UPDATE SET value = excluded.value",                                                          \
        " AND EXISTS (SELECT 1 FROM " owner "_properties pr WHERE pr." owner "_id = " alias ".id AND pr.key = ?)", \
        " AND EXISTS (SELECT 1 FROM " owner "_properties pr WHERE pr." owner "_id = " alias                        \
        ".id AND pr.key = ? AND pr.value = ?)",                                                                    \
        "SELECT COUNT(*) FROM " owner "_properties WHERE " owner "_id = ?"                                         \
  }

const Table kImages = VITRINE_PROPERTY_TABLE("image", "i");
const Table kProjects = VITRINE_PROPERTY_TABLE("project", "p");
const Table kAnnotationRuns = VITRINE_PROPERTY_TABLE("annotation_run", "r");

#undef VITRINE_PROPERTY_TABLE

Result<Properties> Load(Connection& conn, const Table& table, std::int64_t owner) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare(table.select_one));
  q.Bind(owner);
  Properties out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out[q.Text(0)] = q.Text(1);
  }
}

Status Set(Connection& conn, const Table& table, std::int64_t owner, const std::string& key,
           const std::optional<std::string>& value) {
  if (!value) {
    VITRINE_ASSIGN_OR_RETURN(Statement del, conn.Prepare(table.remove));
    return del.Bind(owner, key).Run();
  }
  VITRINE_ASSIGN_OR_RETURN(Statement put, conn.Prepare(table.put));
  return put.Bind(owner, key, *value).Run();
}

Status Change(Connection& conn, const Table& table, std::int64_t owner,
              const std::map<std::string, std::optional<std::string>>& changes) {
  bool grows = false;
  for (const auto& [key, value] : changes) {
    VITRINE_RETURN_IF_ERROR(Set(conn, table, owner, key, value));
    grows |= value.has_value();
  }
  if (!grows) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(Statement count, conn.Prepare(table.count));
  VITRINE_ASSIGN_OR_RETURN(bool row, count.Bind(owner).Step());
  if (row && count.Int(0) > static_cast<std::int64_t>(kMaxPropertiesPerThing)) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxPropertiesPerThing) +
                                   " properties on one thing; this change would make " + std::to_string(count.Int(0)));
  }
  return Status::Ok();
}

}  // namespace vitrine::catalog::sqlite::properties
