#include "catalog/sqlite/property_queries.h"

namespace vitrine::catalog::sqlite::properties {

#define VITRINE_PROPERTY_TABLE(owner, alias)                                                                   \
  Table {                                                                                                        \
    "SELECT key, value FROM " owner "_properties WHERE " owner "_id = ? ORDER BY key",                          \
        "SELECT " owner "_id, key, value FROM " owner "_properties WHERE " owner "_id IN (",                     \
        "DELETE FROM " owner "_properties WHERE " owner "_id = ? AND key = ?",                                   \
        "INSERT INTO " owner "_properties(" owner "_id, key, value) VALUES (?, ?, ?) ON CONFLICT(" owner          \
        "_id, key) DO UPDATE SET value = excluded.value",                                                        \
        " AND EXISTS (SELECT 1 FROM " owner "_properties pr WHERE pr." owner "_id = " alias ".id AND pr.key = ?)", \
        " AND EXISTS (SELECT 1 FROM " owner "_properties pr WHERE pr." owner "_id = " alias                        \
        ".id AND pr.key = ? AND pr.value = ?)"                                                                   \
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

}  // namespace vitrine::catalog::sqlite::properties
