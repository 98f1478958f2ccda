// Key/value properties of images and projects, each kind in its own `<owner>_properties` table.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/connection.h"
#include "vitrine/types.h"

namespace vitrine::catalog::sqlite::properties {

// The statements for one owner kind; literals, so each is prepared once per connection.
struct Table {
  const char* select_one;       // key, value of one owner
  const char* select_many;      // owner, key, value of owners "IN (" ... ")"
  const char* remove;           // one key of one owner
  const char* put;              // insert or replace one key
  const char* condition;        // " AND EXISTS (...)" on a key, its owner given by the caller's alias
  const char* value_condition;  // the same, on a key and its value
  const char* count;            // how many keys one owner has
};

extern const Table kImages;          // owner alias `i`
extern const Table kProjects;        // owner alias `p`
extern const Table kAnnotationRuns;  // owner alias `r`

Result<Properties> Load(Connection& conn, const Table& table, std::int64_t owner);

// Fills `field` (by default `properties`) of every row; Row has `id` (a typed id).
template <class Row>
Status LoadEach(Connection& conn, const Table& table, std::vector<Row>& rows,
                Properties Row::*field = &Row::properties) {
  if (rows.empty()) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn.PrepareDynamic(std::string(table.select_many) + Placeholders(rows.size()) + ")"));
  std::map<std::int64_t, Row*> by_id;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    q.BindAt(static_cast<int>(i + 1), rows[i].id.value());
    by_id[rows[i].id.value()] = &rows[i];
  }
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::Ok();
    (by_id[q.Int(0)]->*field)[q.Text(1)] = q.Text(2);
  }
}

// Sets `key` to `value`, or removes it when `value` is empty (nullopt).
Status Set(Connection& conn, const Table& table, std::int64_t owner, const std::string& key,
           const std::optional<std::string>& value);

// Applies a change (nullopt removes a key), then kInvalidArgument if the owner would hold more
// than kMaxPropertiesPerThing: checked on what is stored, inside the caller's transaction, so
// no sequence of changes can grow past it.
Status Change(Connection& conn, const Table& table, std::int64_t owner,
              const std::map<std::string, std::optional<std::string>>& changes);

// The WHERE fragment for a property filter; bind the key, then the value if the match has one.
inline const char* Condition(const Table& table, const PropertyMatch& match) {
  return match.second ? table.value_condition : table.condition;
}

}  // namespace vitrine::catalog::sqlite::properties
