// Key/value properties of images, projects and annotation runs, each kind in its own
// `<owner>_properties` table, in the PostgreSQL catalog.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"
#include "vitrine/types.h"

namespace vitrine::catalog::postgres::properties {

// The names one owner kind's statements are made from (fixed identifiers, never input).
struct Table {
  const char* owners;  // the owners' table: "images"
  const char* table;   // "image_properties"
  const char* column;  // the owner column: "image_id"
  const char* alias;   // the owner's alias in listings: "i"
};

extern const Table kImages;
extern const Table kProjects;
extern const Table kAnnotationRuns;

Result<Properties> Load(Connection& conn, const Table& table, std::int64_t owner);

// Owner id → its properties, for many owners in one read.
Result<std::map<std::int64_t, Properties>> LoadMany(Connection& conn, const Table& table,
                                                    const std::vector<std::int64_t>& owners);

// Fills `field` (by default `properties`) of every row; Row has `id` (a typed id).
template <class Row>
Status LoadEach(Connection& conn, const Table& table, std::vector<Row>& rows,
                Properties Row::*field = &Row::properties) {
  if (rows.empty()) return Status::Ok();
  std::vector<std::int64_t> ids;
  for (const Row& row : rows) ids.push_back(row.id.value());
  VITRINE_ASSIGN_OR_RETURN(auto loaded, LoadMany(conn, table, ids));
  for (Row& row : rows) row.*field = std::move(loaded[row.id.value()]);
  return Status::Ok();
}

// Sets `key` to `value`, or removes it when `value` is nullopt.
Status Set(Connection& conn, const Table& table, std::int64_t owner, const std::string& key,
           const std::optional<std::string>& value);

// Applies a change (nullopt removes a key), then kInvalidArgument if the owner would hold more
// than kMaxPropertiesPerThing. Inside the caller's transaction: the owner's row is locked first,
// so two changes to one owner are checked one after the other.
Status Change(Connection& conn, const Table& table, std::int64_t owner,
              const std::map<std::string, std::optional<std::string>>& changes);

// " AND EXISTS (...)" for a property filter on the owner alias, its values added to `params`.
std::string Condition(const Table& table, const PropertyMatch& match, Params& params);

}  // namespace vitrine::catalog::postgres::properties
