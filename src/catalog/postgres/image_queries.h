// The image half of the PostgreSQL catalog: images, their properties, derived blobs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::images {

Result<Image> Insert(ConnectionPool& pool, const Image& image);
Result<Image> Get(ConnectionPool& pool, ImageId id);
Result<Catalog::ImageAccess> GetAccess(ConnectionPool& pool, ImageId id, UserId user);
Result<std::map<std::string, ImageId>> FindByHash(ConnectionPool& pool, ProjectId project,
                                                  const std::vector<std::string>& sha256s);
Result<Image> Update(ConnectionPool& pool, ImageId id, const ImageChanges& changes);
Status Delete(ConnectionPool& pool, ImageId id);
Result<Page<Image>> List(ConnectionPool& pool, const ImageScope& scope, const ImageFilter& filter,
                         const PageRequest& page);
Status PutDerived(ConnectionPool& pool, ImageId image, std::string_view kind, const std::string& sha256,
                  Timestamp created_at);
Result<std::optional<std::string>> GetDerived(ConnectionPool& pool, ImageId image, std::string_view kind);
Result<bool> IsBlobReferenced(ConnectionPool& pool, std::string_view sha256);

// Appends the conditions of a device's time series on images aliased `i` (device LIKE, without
// regard to ASCII case as SQLite's LIKE; capture time in [from, to)) to `where`.
void AppendSeriesConditions(std::string& where, Params& params, const std::optional<std::string>& device_like,
                            const std::optional<Timestamp>& from, const std::optional<Timestamp>& to);

// "{1,2,3}": ids as one bigint[] parameter.
template <class Id>
std::string IdArray(const std::vector<Id>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i].value());
  return out + "}";
}

}  // namespace vitrine::catalog::postgres::images
