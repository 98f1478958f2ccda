#include "catalog/postgres/image_queries.h"

#include "catalog/image_sort_sql.h"
#include "catalog/postgres/property_queries.h"

namespace vitrine::catalog::postgres::images {
namespace {

constexpr const char* kColumns =
    "i.id, i.project_id, i.filename, i.size_bytes, i.blob_sha256, i.md5, i.format, i.mime_type, i.width, "
    "i.height, i.channels, i.bit_depth, i.planes, i.levels, i.pixel_size_x_um, i.pixel_size_y_um, "
    "i.magnification, i.device, i.captured_at, i.created_by, i.created_at";

Image ReadImage(const Rows& q, int r) {
  Image im;
  im.id = ImageId(q.Int(r, 0));
  im.project_id = ProjectId(q.Int(r, 1));
  im.filename = q.Text(r, 2);
  im.size_bytes = q.Int(r, 3);
  im.sha256 = q.Text(r, 4);
  im.md5 = q.Text(r, 5);
  im.format = q.Text(r, 6);
  im.mime_type = q.Text(r, 7);
  im.width = q.Int(r, 8);
  im.height = q.Int(r, 9);
  im.channels = static_cast<int>(q.Int(r, 10));
  im.bit_depth = static_cast<int>(q.Int(r, 11));
  im.planes = static_cast<int>(q.Int(r, 12));
  im.levels = static_cast<int>(q.Int(r, 13));
  im.pixel_size_x_um = q.OptionalReal(r, 14);
  im.pixel_size_y_um = q.OptionalReal(r, 15);
  im.magnification = q.OptionalReal(r, 16);
  im.device = q.OptionalText(r, 17);
  if (auto t = q.OptionalInt(r, 18)) im.captured_at = FromMicros(*t);
  im.created_by = UserId(q.OptionalInt(r, 19).value_or(0));
  im.created_at = FromMicros(q.Int(r, 20));
  return im;
}

Status NotFound(ImageId id) { return Status::NotFound("image " + std::to_string(id.value()) + " not found"); }

Result<Image> GetOn(Connection& conn, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(
      auto q, conn.Query(std::string("SELECT ") + kColumns + " FROM images i WHERE i.id = $1", id.value()));
  if (q.empty()) return NotFound(id);
  Image image = ReadImage(q, 0);
  VITRINE_ASSIGN_OR_RETURN(image.properties, properties::Load(conn, properties::kImages, id.value()));
  return image;
}

}  // namespace

Result<Image> Insert(ConnectionPool& pool, const Image& im) {
  return pool.Run<Image>([&](Connection& conn) -> Result<Image> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    Image stored = im;
    std::optional<std::int64_t> captured;
    if (im.captured_at) captured = Micros(*im.captured_at);
    std::optional<std::int64_t> creator;
    if (im.created_by.valid()) creator = im.created_by.value();
    auto inserted = conn.Query(
        "INSERT INTO images(project_id, filename, size_bytes, blob_sha256, md5, format, mime_type, width,"
        " height, channels, bit_depth, planes, levels, pixel_size_x_um, pixel_size_y_um, magnification,"
        " device, captured_at, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        " RETURNING id",
        im.project_id.value(), im.filename, im.size_bytes, im.sha256, im.md5, im.format, im.mime_type, im.width,
        im.height, im.channels, im.bit_depth, im.planes, im.levels, im.pixel_size_x_um, im.pixel_size_y_um,
        im.magnification, im.device, captured, creator, Micros(im.created_at));
    if (inserted.status().code() == ErrorCode::kConflict) {
      return Status::Conflict("project " + std::to_string(im.project_id.value()) + " already holds this file");
    }
    if (inserted.status().code() == ErrorCode::kNotFound) return Status::NotFound("project not found");
    VITRINE_RETURN_IF_ERROR(inserted.status());
    stored.id = ImageId(inserted->Int(0, 0));
    for (const auto& [key, value] : im.properties)
      VITRINE_RETURN_IF_ERROR(properties::Set(conn, properties::kImages, stored.id.value(), key, value));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return stored;
  });
}

Result<Image> Get(ConnectionPool& pool, ImageId id) {
  return pool.Run<Image>([&](Connection& conn) { return GetOn(conn, id); });
}

Result<Catalog::ImageAccess> GetAccess(ConnectionPool& pool, ImageId id, UserId user) {
  return pool.Run<Catalog::ImageAccess>([&](Connection& conn) -> Result<Catalog::ImageAccess> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string("SELECT ") + kColumns +
                                                    ", m.role FROM images i LEFT JOIN project_members m"
                                                    " ON m.project_id = i.project_id AND m.user_id = $1"
                                                    " WHERE i.id = $2",
                                                user.value(), id.value()));
    if (q.empty()) return NotFound(id);
    Catalog::ImageAccess access{ReadImage(q, 0), std::nullopt};
    if (auto role = q.OptionalInt(0, 21)) access.role = static_cast<ProjectRole>(*role);
    return access;
  });
}

Result<std::map<std::string, ImageId>> FindByHash(ConnectionPool& pool, ProjectId project,
                                                  const std::vector<std::string>& sha256s) {
  using Found = std::map<std::string, ImageId>;
  return pool.Run<Found>([&](Connection& conn) -> Result<Found> {
    Found found;
    // A few hundred at a time as one text[] parameter; hashes are hex, but quote them anyway.
    constexpr std::size_t kChunk = 500;
    for (std::size_t start = 0; start < sha256s.size(); start += kChunk) {
      std::string array = "{";
      for (std::size_t i = start; i < std::min(sha256s.size(), start + kChunk); ++i) {
        array += i > start ? ",\"" : "\"";
        for (char c : sha256s[i]) {
          if (c == '"' || c == '\\') array += '\\';
          array += c;
        }
        array += '"';
      }
      array += "}";
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT blob_sha256, id FROM images WHERE project_id = $1"
                                                  " AND blob_sha256 = ANY($2::text[])",
                                                  project.value(), array));
      for (int r = 0; r < q.size(); ++r) found.emplace(q.Text(r, 0), ImageId(q.Int(r, 1)));
    }
    return found;
  });
}

Result<Image> Update(ConnectionPool& pool, ImageId id, const ImageChanges& changes) {
  return pool.Run<Image>([&](Connection& conn) -> Result<Image> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("UPDATE images SET filename = COALESCE($1, filename) WHERE id = $2",
                                                changes.filename, id.value()));
    if (q.affected() == 0) return NotFound(id);
    VITRINE_RETURN_IF_ERROR(properties::Change(conn, properties::kImages, id.value(), changes.properties));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return GetOn(conn, id);
  });
}

Status Delete(ConnectionPool& pool, ImageId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM images WHERE id = $1", id.value()));
    return q.affected() == 0 ? NotFound(id) : Status::Ok();
  });
}

void AppendSeriesConditions(std::string& where, Params& params, const std::optional<std::string>& device_like,
                            const std::optional<Timestamp>& from, const std::optional<Timestamp>& to) {
  if (device_like) where += " AND i.device ILIKE " + params.Add(*device_like) + " ESCAPE '\\'";
  if (from) where += " AND i.captured_at >= " + params.Add(Micros(*from));
  if (to) where += " AND i.captured_at < " + params.Add(Micros(*to));
}

Result<Page<Image>> List(ConnectionPool& pool, const ImageScope& scope, const ImageFilter& filter,
                         const PageRequest& page) {
  return pool.Run<Page<Image>>([&](Connection& conn) -> Result<Page<Image>> {
    // The WHERE clause is assembled from fixed fragments; every value is a parameter.
    Params params;
    std::string where = " WHERE true";
    if (scope.project) where += " AND i.project_id = " + params.Add(scope.project->value());
    if (scope.member) {
      where += " AND i.project_id IN (SELECT project_id FROM project_members WHERE user_id = " +
               params.Add(scope.member->value()) + ")";
    }
    AppendSeriesConditions(where, params, filter.device_like, filter.captured_from, filter.captured_to);
    if (filter.filename_like) where += " AND i.filename ILIKE " + params.Add(*filter.filename_like) + " ESCAPE '\\'";
    if (filter.property) where += properties::Condition(properties::kImages, *filter.property, params);
    Page<Image> out;
    {
      Params count_params = params;
      VITRINE_ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT COUNT(*) FROM images i" + where, count_params));
      out.total = count.Int(0, 0);
    }
    const char* direction = filter.descending ? " DESC" : " ASC";
    std::string sql = std::string("SELECT ") + kColumns + " FROM images i" + where + " ORDER BY " +
                      ImageSortColumn(filter.sort) + direction + " NULLS LAST, i.id" + direction;
    sql += " LIMIT " + params.Add(page.limit);
    sql += " OFFSET " + params.Add(page.offset);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadImage(q, r));
    VITRINE_RETURN_IF_ERROR(properties::LoadEach(conn, properties::kImages, out.items));
    return out;
  });
}

Status PutDerived(ConnectionPool& pool, ImageId image, std::string_view kind, const std::string& sha256,
                  Timestamp created_at) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    Status s = conn.Query(
                       "INSERT INTO image_derivatives(image_id, kind, blob_sha256, created_at)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT (image_id, kind) DO UPDATE"
                       " SET blob_sha256 = excluded.blob_sha256, created_at = excluded.created_at",
                       image.value(), kind, sha256, Micros(created_at))
                   .status();
    return s.code() == ErrorCode::kNotFound ? NotFound(image) : s;
  });
}

Result<std::optional<std::string>> GetDerived(ConnectionPool& pool, ImageId image, std::string_view kind) {
  using Found = std::optional<std::string>;
  return pool.Run<Found>([&](Connection& conn) -> Result<Found> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT blob_sha256 FROM image_derivatives"
                                                " WHERE image_id = $1 AND kind = $2",
                                                image.value(), kind));
    if (q.empty()) return Found();
    return Found(q.Text(0, 0));
  });
}

Result<bool> IsBlobReferenced(ConnectionPool& pool, std::string_view sha256) {
  return pool.Run<bool>([&](Connection& conn) -> Result<bool> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT EXISTS (SELECT 1 FROM images WHERE blob_sha256 = $1)"
                                                " OR EXISTS (SELECT 1 FROM image_derivatives WHERE blob_sha256 = $1)"
                                                " OR EXISTS (SELECT 1 FROM data_files WHERE sha256 = $1)"
                                                " OR EXISTS (SELECT 1 FROM job_outputs WHERE sha256 = $1)"
                                                " OR EXISTS (SELECT 1 FROM analytics WHERE bundle_sha256 = $1)",
                                                sha256));
    return q.Bool(0, 0);
  });
}

}  // namespace vitrine::catalog::postgres::images
