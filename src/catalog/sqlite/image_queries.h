// The image half of the SQLite catalog: images, their properties, derived blobs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/connection.h"

namespace vitrine::catalog::sqlite::images {

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

// Appends the conditions of a device's time series on images aliased `i` (device LIKE, capture
// time in [from, to)) to `where`, and their values to `binds`.
using BindValue = std::variant<std::int64_t, std::string>;
void AppendSeriesConditions(std::string& where, std::vector<BindValue>& binds,
                            const std::optional<std::string>& device_like, const std::optional<Timestamp>& from,
                            const std::optional<Timestamp>& to);

}  // namespace vitrine::catalog::sqlite::images
