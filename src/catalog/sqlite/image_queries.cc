#include "catalog/sqlite/image_queries.h"

#include "catalog/image_sort_sql.h"
#include "catalog/sqlite/property_queries.h"

#include <variant>

namespace vitrine::catalog::sqlite::images {
namespace {

// String literal concatenation keeps every statement a literal, so each is prepared once per
// connection and cached.
#define VITRINE_IMAGE_COLUMNS                                                                            \
  "i.id, i.project_id, i.filename, i.size_bytes, i.blob_sha256, i.md5, i.format, i.mime_type, i.width, " \
  "i.height, i.channels, i.bit_depth, i.planes, i.levels, i.pixel_size_x_um, i.pixel_size_y_um, "        \
  "i.magnification, i.device, i.captured_at, i.created_by, i.created_at"

std::optional<double> OptionalReal(const Statement& q, int col) {
  return q.IsNull(col) ? std::nullopt : std::optional<double>(q.Real(col));
}

Image ReadImage(const Statement& q) {
  Image im;
  im.id = ImageId(q.Int(0));
  im.project_id = ProjectId(q.Int(1));
  im.filename = q.Text(2);
  im.size_bytes = q.Int(3);
  im.sha256 = q.Text(4);
  im.md5 = q.Text(5);
  im.format = q.Text(6);
  im.mime_type = q.Text(7);
  im.width = q.Int(8);
  im.height = q.Int(9);
  im.channels = static_cast<int>(q.Int(10));
  im.bit_depth = static_cast<int>(q.Int(11));
  im.planes = static_cast<int>(q.Int(12));
  im.levels = static_cast<int>(q.Int(13));
  im.pixel_size_x_um = OptionalReal(q, 14);
  im.pixel_size_y_um = OptionalReal(q, 15);
  im.magnification = OptionalReal(q, 16);
  if (!q.IsNull(17)) im.device = q.Text(17);
  if (auto t = q.OptionalInt(18)) im.captured_at = FromMicros(*t);
  im.created_by = UserId(q.OptionalInt(19).value_or(0));
  im.created_at = FromMicros(q.Int(20));
  return im;
}

Result<Image> GetOn(Connection& conn, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare("SELECT " VITRINE_IMAGE_COLUMNS " FROM images i WHERE i.id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("image " + std::to_string(id.value()) + " not found");
  Image image = ReadImage(q);
  q.Reset();
  VITRINE_ASSIGN_OR_RETURN(image.properties, properties::Load(conn, properties::kImages, id.value()));
  return image;
}

}  // namespace

Result<Image> Insert(ConnectionPool& pool, const Image& im) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  Image stored = im;
  {
    VITRINE_ASSIGN_OR_RETURN(
        Statement q,
        conn->Prepare("INSERT INTO images(project_id, filename, size_bytes, blob_sha256, md5, format, mime_type, width,"
                      " height, channels, bit_depth, planes, levels, pixel_size_x_um, pixel_size_y_um, magnification,"
                      " device, captured_at, created_by, created_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    std::optional<std::int64_t> captured;
    if (im.captured_at) captured = Micros(*im.captured_at);
    std::optional<std::int64_t> creator;
    if (im.created_by.valid()) creator = im.created_by.value();
    Status s = q.Bind(im.project_id.value(), im.filename, im.size_bytes, im.sha256, im.md5, im.format, im.mime_type,
                      im.width, im.height, im.channels, im.bit_depth, im.planes, im.levels, im.pixel_size_x_um,
                      im.pixel_size_y_um, im.magnification, im.device, captured, creator, Micros(im.created_at))
                   .Run();
    if (s.code() == ErrorCode::kConflict) {
      // Either the unique (project, content) pair or a vanished project.
      if (s.message().find("FOREIGN KEY") != std::string::npos) return Status::NotFound("project not found");
      return Status::Conflict("project " + std::to_string(im.project_id.value()) + " already holds this file");
    }
    VITRINE_RETURN_IF_ERROR(s);
    stored.id = ImageId(conn->last_insert_id());
  }
  for (const auto& [key, value] : im.properties)
    VITRINE_RETURN_IF_ERROR(properties::Set(*conn, properties::kImages, stored.id.value(), key, value));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

Result<Image> Get(ConnectionPool& pool, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetOn(*conn, id);
}

Result<Catalog::ImageAccess> GetAccess(ConnectionPool& pool, ImageId id, UserId user) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT " VITRINE_IMAGE_COLUMNS ", m.role FROM images i"
                                                      " LEFT JOIN project_members m"
                                                      " ON m.project_id = i.project_id AND m.user_id = ?"
                                                      " WHERE i.id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(user.value(), id.value()).Step());
  if (!row) return Status::NotFound("image " + std::to_string(id.value()) + " not found");
  Catalog::ImageAccess access{ReadImage(q), std::nullopt};
  if (auto role = q.OptionalInt(21)) access.role = static_cast<ProjectRole>(*role);
  return access;
}

Result<std::map<std::string, ImageId>> FindByHash(ConnectionPool& pool, ProjectId project,
                                                  const std::vector<std::string>& sha256s) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT id FROM images WHERE project_id = ? AND blob_sha256 = ?"));
  std::map<std::string, ImageId> found;
  for (const auto& sha : sha256s) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(project.value(), sha).Step());
    if (row) found.emplace(sha, ImageId(q.Int(0)));
    q.Reset();
  }
  return found;
}

Result<Image> Update(ConnectionPool& pool, ImageId id, const ImageChanges& changes) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  {
    VITRINE_ASSIGN_OR_RETURN(Statement q,
                             conn->Prepare("UPDATE images SET filename = COALESCE(?, filename) WHERE id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(changes.filename, id.value()).Run());
    if (conn->changes() == 0) return Status::NotFound("image " + std::to_string(id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(properties::Change(*conn, properties::kImages, id.value(), changes.properties));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return GetOn(*conn, id);
}

Status Delete(ConnectionPool& pool, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM images WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("image " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

void AppendSeriesConditions(std::string& where, std::vector<BindValue>& binds,
                            const std::optional<std::string>& device_like, const std::optional<Timestamp>& from,
                            const std::optional<Timestamp>& to) {
  if (device_like) {
    where += " AND i.device LIKE ? ESCAPE '\\'";
    binds.emplace_back(*device_like);
  }
  if (from) {
    where += " AND i.captured_at >= ?";
    binds.emplace_back(Micros(*from));
  }
  if (to) {
    where += " AND i.captured_at < ?";
    binds.emplace_back(Micros(*to));
  }
}

Result<Page<Image>> List(ConnectionPool& pool, const ImageScope& scope, const ImageFilter& filter,
                         const PageRequest& page) {
  // The WHERE clause is assembled from fixed fragments; every value is a bound parameter.
  std::string where = " WHERE 1=1";
  std::vector<BindValue> binds;
  if (scope.project) {
    where += " AND i.project_id = ?";
    binds.emplace_back(scope.project->value());
  }
  if (scope.member) {
    where += " AND i.project_id IN (SELECT project_id FROM project_members WHERE user_id = ?)";
    binds.emplace_back(scope.member->value());
  }
  AppendSeriesConditions(where, binds, filter.device_like, filter.captured_from, filter.captured_to);
  if (filter.filename_like) {
    where += " AND i.filename LIKE ? ESCAPE '\\'";
    binds.emplace_back(*filter.filename_like);
  }
  if (filter.property) {
    where += properties::Condition(properties::kImages, *filter.property);
    binds.emplace_back(filter.property->first);
    if (filter.property->second) binds.emplace_back(*filter.property->second);
  }
  auto bind_all = [&](Statement& q) {
    int index = 1;
    for (const auto& v : binds) {
      std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
    }
    return index;
  };

  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  Page<Image> out;
  {
    VITRINE_ASSIGN_OR_RETURN(Statement count, conn->PrepareDynamic("SELECT COUNT(*) FROM images i" + where));
    bind_all(count);
    VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
    out.total = row ? count.Int(0) : 0;
  }
  const char* direction = filter.descending ? " DESC" : " ASC";
  std::string sql = std::string("SELECT " VITRINE_IMAGE_COLUMNS " FROM images i") + where + " ORDER BY " +
                    ImageSortColumn(filter.sort) + direction + " NULLS LAST, i.id" + direction + " LIMIT ? OFFSET ?";
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
  int next = bind_all(q);
  q.BindAt(next, page.limit).BindAt(next + 1, page.offset);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.items.push_back(ReadImage(q));
  }
  VITRINE_RETURN_IF_ERROR(properties::LoadEach(*conn, properties::kImages, out.items));
  return out;
}

Status PutDerived(ConnectionPool& pool, ImageId image, std::string_view kind, const std::string& sha256,
                  Timestamp created_at) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO image_derivatives(image_id, kind, blob_sha256, created_at)"
                                         " VALUES (?, ?, ?, ?) ON CONFLICT(image_id, kind) DO UPDATE"
                                         " SET blob_sha256 = excluded.blob_sha256, created_at = excluded.created_at"));
  Status s = q.Bind(image.value(), kind, sha256, Micros(created_at)).Run();
  if (s.code() == ErrorCode::kConflict)
    return Status::NotFound("image " + std::to_string(image.value()) + " not found");
  return s;
}

Result<std::optional<std::string>> GetDerived(ConnectionPool& pool, ImageId image, std::string_view kind) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT blob_sha256 FROM image_derivatives WHERE image_id = ? AND kind = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(image.value(), kind).Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Result<bool> IsBlobReferenced(ConnectionPool& pool, std::string_view sha256) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT EXISTS (SELECT 1 FROM images WHERE blob_sha256 = ?1)"
                                         " OR EXISTS (SELECT 1 FROM image_derivatives WHERE blob_sha256 = ?1)"
                                         " OR EXISTS (SELECT 1 FROM data_files WHERE sha256 = ?1)"
                                         " OR EXISTS (SELECT 1 FROM job_outputs WHERE sha256 = ?1)"
                                         " OR EXISTS (SELECT 1 FROM analytics WHERE bundle_sha256 = ?1)"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(sha256).Step());
  return row && q.Int(0) != 0;
}

}  // namespace vitrine::catalog::sqlite::images
