#include "catalog/sqlite/annotation_queries.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>
#include <variant>

namespace vitrine::catalog::sqlite::annotations {
namespace {

#define VITRINE_ANNOTATION_COLUMNS                                                                 \
  "a.id, a.project_id, a.image_id, a.geometry_type, a.x0, a.y0, a.x1, a.y1, a.area, a.perimeter, " \
  "a.centroid_x, a.centroid_y, a.vertex_count, a.created_by, a.algorithm, a.algorithm_version, "   \
  "a.created_at, a.updated_at, a.run_id"
constexpr int kGeometryColumn = 19;

// R*Tree boxes are 32-bit integers. Each image gets its own slot of that plane: 2^18 pixels
// square (slides are at most ~200,000 pixels wide), 16,384 slots a side. Coordinates are moved
// into the image's slot and clamped, rounding outwards. The map is monotone per image, so a
// box that meets the query in pixels still meets it in the plane; shapes far outside their
// image or images whose slots coincide only add candidates, which the exact checks remove.
constexpr double kSlotSide = 262144;
constexpr std::int64_t kSlotsPerSide = 16384;
// Annotations per R*Tree entry in a bulk insert: the size that gives the fastest queries for
// the same insert rate (annotation_bench; bench/README.md, History).
constexpr std::size_t kBucketSize = 16;

struct PlaneBox {
  std::int64_t x0, x1, y0, y1;
};

PlaneBox ToPlane(ImageId image, const std::array<double, 4>& box) {
  const std::int64_t slot = image.value() % (kSlotsPerSide * kSlotsPerSide);
  const double origin_x = static_cast<double>(slot % kSlotsPerSide) * kSlotSide - 2147483648.0;
  const double origin_y = static_cast<double>(slot / kSlotsPerSide) * kSlotSide - 2147483648.0;
  auto clamp = [](double v) { return static_cast<std::int64_t>(std::clamp(v, -2147483648.0, 2147483647.0)); };
  return {clamp(std::floor(origin_x + box[0])), clamp(std::ceil(origin_x + box[2])),
          clamp(std::floor(origin_y + box[1])), clamp(std::ceil(origin_y + box[3]))};
}

// Interleaves the bits of the box's lower corner (in 64-pixel cells) into one sort key.
std::uint64_t ZOrder(const PlaneBox& box) {
  auto spread = [](std::uint64_t v) {
    v &= 0x3ffffff;  // 26 bits
    v = (v | (v << 16)) & 0x0000ffff0000ffffULL;
    v = (v | (v << 8)) & 0x00ff00ff00ff00ffULL;
    v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0fULL;
    v = (v | (v << 2)) & 0x3333333333333333ULL;
    v = (v | (v << 1)) & 0x5555555555555555ULL;
    return v;
  };
  auto cell = [](std::int64_t v) { return static_cast<std::uint64_t>(v + 2147483648LL) >> 6; };
  return spread(cell(box.x0)) | (spread(cell(box.y0)) << 1);
}

AnnotationRow ReadRow(const Statement& q, bool with_geometry) {
  AnnotationRow row;
  Annotation& a = row.annotation;
  a.id = AnnotationId(q.Int(0));
  a.project_id = ProjectId(q.Int(1));
  a.image_id = ImageId(q.Int(2));
  a.geometry_type = q.Text(3);
  a.bbox = {q.Real(4), q.Real(5), q.Real(6), q.Real(7)};
  a.area = q.Real(8);
  a.perimeter = q.Real(9);
  a.centroid = {q.Real(10), q.Real(11)};
  a.vertex_count = q.Int(12);
  a.created_by = UserId(q.OptionalInt(13).value_or(0));
  if (!q.IsNull(14)) a.algorithm = q.Text(14);
  if (!q.IsNull(15)) a.algorithm_version = q.Text(15);
  a.created_at = FromMicros(q.Int(16));
  a.updated_at = FromMicros(q.Int(17));
  if (auto run = q.OptionalInt(18)) a.run_id = AnnotationRunId(*run);
  if (with_geometry) row.wkb = q.BlobBytes(kGeometryColumn);
  return row;
}

constexpr std::size_t kChunk = 500;

// `head` + "(?,?,...)" with kChunk placeholders + `tail`, made once and kept for the process,
// so that each connection prepares it once.
#define VITRINE_CHUNK_SQL(head, tail)                                               \
  [] {                                                                              \
    static const std::string sql = std::string(head) + Placeholders(kChunk) + tail; \
    return sql.c_str();                                                             \
  }()

// Runs `sql` (from VITRINE_CHUNK_SQL) over the ids of `rows`, kChunk at a time (a short last
// chunk binds NULL, which matches nothing); `on_row` gets the annotation named by each result's
// first column, and the statement.
template <class OnRow>
Status ForEachChunkRow(Connection& conn, std::vector<AnnotationRow>& rows, const char* sql, OnRow on_row) {
  std::unordered_map<std::int64_t, Annotation*> by_id;
  by_id.reserve(rows.size());
  for (auto& row : rows) by_id[row.annotation.id.value()] = &row.annotation;
  for (std::size_t start = 0; start < rows.size(); start += kChunk) {
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare(sql));
    for (std::size_t i = 0; i < kChunk; ++i) {
      const int index = static_cast<int>(i + 1);
      if (start + i < rows.size())
        q.BindAt(index, rows[start + i].annotation.id.value());
      else
        q.BindAt(index, std::optional<std::int64_t>());
    }
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) break;
      on_row(*by_id[q.Int(0)], q);
    }
  }
  return Status::Ok();
}

Status LoadTerms(Connection& conn, std::vector<AnnotationRow>& rows) {
  return ForEachChunkRow(
      conn, rows,
      VITRINE_CHUNK_SQL("SELECT annotation_id, term_id FROM annotation_terms WHERE annotation_id IN (",
                        ") ORDER BY annotation_id, term_id"),
      [](Annotation& a, const Statement& q) { a.terms.emplace_back(q.Int(1)); });
}

Status LoadProperties(Connection& conn, std::vector<AnnotationRow>& rows) {
  return ForEachChunkRow(
      conn, rows,
      VITRINE_CHUNK_SQL("SELECT annotation_id, key, value FROM annotation_properties WHERE annotation_id IN (", ")"),
      [](Annotation& a, const Statement& q) { a.properties[q.Text(1)] = q.Text(2); });
}

#undef VITRINE_CHUNK_SQL

using BindValue = std::variant<std::int64_t, double, std::string>;

constexpr const char* kFrom = " FROM annotations a";

// The ids of one image's annotations whose boxes meet a box: buckets from the R*Tree (plane
// coordinates), then their members' exact boxes (pixels).
constexpr const char* kBucketCandidates =
    "SELECT e.id FROM annotation_buckets b CROSS JOIN annotation_extents e ON e.bucket_id = b.id"
    " WHERE b.x1 >= ? AND b.x0 <= ? AND b.y1 >= ? AND b.y0 <= ? AND b.image_id = ?"
    " AND e.x1 >= ? AND e.x0 <= ? AND e.y1 >= ? AND e.y0 <= ?";

// The WHERE clause for a filter, assembled from fixed fragments; every value is bound.
struct Selection {
  std::string where = " WHERE 1=1";
  std::vector<BindValue> binds;

  void Bind(Statement& q, int first_index = 1) const {
    int index = first_index;
    for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
  }
};

// Annotations whose boxes meet the filter's box.
void SelectInBox(const AnnotationFilter& f, Selection& s) {
  const auto& box = *f.bbox;
  if (!f.images.empty()) {
    // Candidates from each image's slot of the R*Tree, then the rows by id.
    s.where += " AND a.id IN (";
    for (std::size_t i = 0; i < f.images.size(); ++i) {
      s.where += std::string(i ? " UNION ALL " : "") + kBucketCandidates;
      PlaneBox q = ToPlane(f.images[i], box);
      s.binds.insert(s.binds.end(), {q.x0, q.x1, q.y0, q.y1, f.images[i].value(), box[0], box[2], box[1], box[3]});
    }
    s.where += ")";
  }
  // Without images (a whole project), the exact box columns are scanned through the project index.
  s.where += " AND a.x1 >= ? AND a.x0 <= ? AND a.y1 >= ? AND a.y0 <= ?";
  s.binds.insert(s.binds.end(), {box[0], box[2], box[1], box[3]});
}

// Where the annotations are and who made them: the project, the images, the users.
void SelectByPlace(const AnnotationFilter& f, Selection& s) {
  if (f.project) {
    s.where += " AND a.project_id = ?";
    s.binds.emplace_back(f.project->value());
  }
  if (!f.images.empty()) {
    // With a box, the R*Tree candidates drive the query by rowid, in id order: the unary plus
    // keeps the planner from probing annotations_by_image for each and sorting afterwards.
    s.where +=
        std::string(f.bbox ? " AND +a.image_id IN (" : " AND a.image_id IN (") + Placeholders(f.images.size()) + ")";
    for (ImageId id : f.images) s.binds.emplace_back(id.value());
  }
  if (!f.users.empty()) {
    s.where += " AND a.created_by IN (" + Placeholders(f.users.size()) + ")";
    for (UserId id : f.users) s.binds.emplace_back(id.value());
  }
}

// A device's time series: the annotations of the images it took in the window.
void SelectByDeviceWindow(const AnnotationFilter& f, Selection& s) {
  s.where += " AND a.image_id IN (SELECT i.id FROM images i WHERE 1=1";
  if (f.device_like) {
    s.where += " AND i.device LIKE ? ESCAPE '\\'";
    s.binds.emplace_back(*f.device_like);
  }
  if (f.captured_from) {
    s.where += " AND i.captured_at >= ?";
    s.binds.emplace_back(Micros(*f.captured_from));
  }
  if (f.captured_to) {
    s.where += " AND i.captured_at < ?";
    s.binds.emplace_back(Micros(*f.captured_to));
  }
  if (f.project) {
    s.where += " AND i.project_id = ?";
    s.binds.emplace_back(f.project->value());
  }
  s.where += ")";
}

// What the annotations are: their terms, the algorithm and run that made them.
void SelectByLabel(const AnnotationFilter& f, Selection& s) {
  if (!f.terms.empty()) {
    s.where += " AND a.id IN (SELECT annotation_id FROM annotation_terms WHERE term_id IN (" +
               Placeholders(f.terms.size()) + "))";
    for (TermId id : f.terms) s.binds.emplace_back(id.value());
  }
  if (f.algorithm) {
    s.where += " AND a.algorithm = ?";
    s.binds.emplace_back(*f.algorithm);
  }
  if (f.algorithm_version) {
    s.where += " AND a.algorithm_version = ?";
    s.binds.emplace_back(*f.algorithm_version);
  }
  if (f.run) {
    s.where += " AND a.run_id = ?";
    s.binds.emplace_back(f.run->value());
  }
}

// When they were made, and the id a page starts after.
void SelectByCreation(const AnnotationFilter& f, Selection& s) {
  if (f.created_from) {
    s.where += " AND a.created_at >= ?";
    s.binds.emplace_back(Micros(*f.created_from));
  }
  if (f.created_to) {
    s.where += " AND a.created_at < ?";
    s.binds.emplace_back(Micros(*f.created_to));
  }
  if (f.after) {
    s.where += " AND a.id > ?";
    s.binds.emplace_back(f.after->value());
  }
}

// Annotations with the property, and the value if one is given.
void SelectByProperty(const AnnotationFilter& f, Selection& s) {
  s.where += " AND EXISTS (SELECT 1 FROM annotation_properties p WHERE p.annotation_id = a.id AND p.key = ?";
  s.binds.emplace_back(f.property->first);
  if (f.property->second) {
    s.where += " AND p.value = ?";
    s.binds.emplace_back(*f.property->second);
  }
  s.where += ")";
}

// The clauses are appended in a fixed order, each with its values, so `binds` follows `where`.
Selection Select(const AnnotationFilter& f) {
  Selection s;
  if (f.bbox) SelectInBox(f, s);
  SelectByPlace(f, s);
  if (f.device_like || f.captured_from || f.captured_to) SelectByDeviceWindow(f, s);
  SelectByLabel(f, s);
  SelectByCreation(f, s);
  if (f.property) SelectByProperty(f, s);
  return s;
}

// The batch in Z-order within each image (image, Z-order key, row), and the R*Tree bucket
// each row went into.
struct Buckets {
  std::vector<std::tuple<std::int64_t, std::uint64_t, std::size_t>> order;
  std::vector<std::int64_t> of_row;
};

// Buckets: the batch in Z-order within each image, cut into runs of kBucketSize; each run's
// box goes into the R*Tree once.
Result<Buckets> InsertBuckets(Connection& conn, Statement& bucket_insert, const std::vector<AnnotationRow>& rows) {
  Buckets buckets;
  std::vector<PlaneBox> planes;
  buckets.order.reserve(rows.size());
  planes.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    planes.push_back(ToPlane(rows[i].annotation.image_id, rows[i].annotation.bbox));
    buckets.order.emplace_back(rows[i].annotation.image_id.value(), ZOrder(planes.back()), i);
  }
  std::sort(buckets.order.begin(), buckets.order.end());
  const auto& order = buckets.order;
  buckets.of_row.resize(rows.size());
  for (std::size_t start = 0; start < order.size();) {
    const std::int64_t image = std::get<0>(order[start]);
    std::size_t end = start;
    PlaneBox bounds = planes[std::get<2>(order[start])];
    while (end < order.size() && end - start < kBucketSize && std::get<0>(order[end]) == image) {
      const PlaneBox& p = planes[std::get<2>(order[end])];
      bounds = {std::min(bounds.x0, p.x0), std::max(bounds.x1, p.x1), std::min(bounds.y0, p.y0),
                std::max(bounds.y1, p.y1)};
      ++end;
    }
    bucket_insert.Reset();
    VITRINE_RETURN_IF_ERROR(bucket_insert.Bind(bounds.x0, bounds.x1, bounds.y0, bounds.y1, image).Run());
    for (std::size_t k = start; k < end; ++k) buckets.of_row[std::get<2>(order[k])] = conn.last_insert_id();
    start = end;
  }
  return buckets;
}

// Each row's exact box under the bucket it went into, bucket by bucket, so the extents table
// grows at its end. `ids[i]` is the id of `rows[i]`.
Status WriteExtents(Statement& extent_insert, const Buckets& buckets, const std::vector<AnnotationRow>& rows,
                    const std::vector<AnnotationId>& ids) {
  for (const auto& [image, key, i] : buckets.order) {
    const auto& box = rows[i].annotation.bbox;
    extent_insert.Reset();
    VITRINE_RETURN_IF_ERROR(
        extent_insert.Bind(buckets.of_row[i], ids[i].value(), box[0], box[1], box[2], box[3]).Run());
  }
  return Status::Ok();
}

constexpr const char* kBucketInsertSql =
    "INSERT INTO annotation_buckets(x0, x1, y0, y1, image_id) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kExtentInsertSql =
    "INSERT INTO annotation_extents(bucket_id, id, x0, y0, x1, y1) VALUES (?, ?, ?, ?, ?, ?)";

// The statements one annotation row is written with.
struct RowInserts {
  Statement& annotation;
  Statement& term_link;
  Statement& property;
};

// One annotation, its terms and its properties. kNotFound for an image or a term that is not there.
Result<AnnotationId> InsertRow(Connection& conn, RowInserts& insert, const AnnotationRow& row, std::int64_t bucket) {
  const Annotation& a = row.annotation;
  std::optional<std::int64_t> creator, run;
  if (a.created_by.valid()) creator = a.created_by.value();
  if (a.run_id) run = a.run_id->value();
  insert.annotation.Reset();
  Status s = insert.annotation
                 .Bind(a.project_id.value(), a.image_id.value(), Blob{row.wkb}, a.geometry_type, a.bbox[0], a.bbox[1],
                       a.bbox[2], a.bbox[3], a.area, a.perimeter, a.centroid[0], a.centroid[1], a.vertex_count, creator,
                       a.algorithm, a.algorithm_version, Micros(a.created_at), Micros(a.updated_at), bucket, run)
                 .Run();
  if (s.code() == ErrorCode::kConflict) {
    return Status::NotFound("image " + std::to_string(a.image_id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(s);
  AnnotationId id(conn.last_insert_id());
  for (TermId term : a.terms) {
    insert.term_link.Reset();
    Status linked = insert.term_link.Bind(id.value(), term.value()).Run();
    if (linked.code() == ErrorCode::kConflict) {
      return Status::NotFound("term " + std::to_string(term.value()) + " not found");
    }
    VITRINE_RETURN_IF_ERROR(linked);
  }
  for (const auto& [key, value] : a.properties) {
    insert.property.Reset();
    VITRINE_RETURN_IF_ERROR(insert.property.Bind(id.value(), key, value).Run());
  }
  return id;
}

}  // namespace

Result<std::vector<AnnotationId>> Insert(ConnectionPool& pool, const std::vector<AnnotationRow>& rows) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(std::vector<AnnotationId> ids, InsertOn(*conn, rows));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return ids;
}

Result<std::vector<AnnotationId>> InsertOn(Connection& conn, const std::vector<AnnotationRow>& rows) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement insert,
      conn.Prepare("INSERT INTO annotations(project_id, image_id, geometry, geometry_type, x0, y0, x1, y1, area,"
                   " perimeter, centroid_x, centroid_y, vertex_count, created_by, algorithm, algorithm_version,"
                   " created_at, updated_at, bucket_id, run_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  VITRINE_ASSIGN_OR_RETURN(Statement bucket_insert, conn.Prepare(kBucketInsertSql));
  VITRINE_ASSIGN_OR_RETURN(Statement extent_insert, conn.Prepare(kExtentInsertSql));
  VITRINE_ASSIGN_OR_RETURN(
      Statement property,
      conn.Prepare("INSERT INTO annotation_properties(annotation_id, key, value) VALUES (?, ?, ?)"));
  VITRINE_ASSIGN_OR_RETURN(
      Statement term_link,
      conn.Prepare("INSERT OR IGNORE INTO annotation_terms(annotation_id, term_id) VALUES (?, ?)"));

  VITRINE_ASSIGN_OR_RETURN(Buckets buckets, InsertBuckets(conn, bucket_insert, rows));
  RowInserts row_inserts{insert, term_link, property};
  std::vector<AnnotationId> ids;
  ids.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    VITRINE_ASSIGN_OR_RETURN(AnnotationId id, InsertRow(conn, row_inserts, rows[i], buckets.of_row[i]));
    ids.push_back(id);
  }
  VITRINE_RETURN_IF_ERROR(WriteExtents(extent_insert, buckets, rows, ids));
  return ids;
}

Status RebuildBoxIndex(Connection& conn) {
  VITRINE_RETURN_IF_ERROR(conn.Exec("DELETE FROM annotation_extents"));
  VITRINE_RETURN_IF_ERROR(conn.Exec("DELETE FROM annotation_buckets"));
  VITRINE_ASSIGN_OR_RETURN(
      Statement read,
      conn.Prepare("SELECT id, image_id, x0, y0, x1, y1 FROM annotations WHERE id > ? ORDER BY id LIMIT ?"));
  VITRINE_ASSIGN_OR_RETURN(Statement bucket_insert, conn.Prepare(kBucketInsertSql));
  VITRINE_ASSIGN_OR_RETURN(Statement extent_insert, conn.Prepare(kExtentInsertSql));
  VITRINE_ASSIGN_OR_RETURN(Statement set_bucket, conn.Prepare("UPDATE annotations SET bucket_id = ? WHERE id = ?"));
  constexpr std::int64_t kChunk = 10'000;
  std::int64_t after = 0;
  while (true) {
    // A chunk is read whole before anything is written: no statement reads what another changes.
    std::vector<AnnotationRow> rows;
    read.Reset();
    read.Bind(after, kChunk);
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(bool found, read.Step());
      if (!found) break;
      AnnotationRow row;
      row.annotation.id = AnnotationId(read.Int(0));
      row.annotation.image_id = ImageId(read.Int(1));
      row.annotation.bbox = {read.Real(2), read.Real(3), read.Real(4), read.Real(5)};
      rows.push_back(std::move(row));
    }
    read.Reset();
    if (rows.empty()) return Status::Ok();
    after = rows.back().annotation.id.value();
    VITRINE_ASSIGN_OR_RETURN(Buckets buckets, InsertBuckets(conn, bucket_insert, rows));
    std::vector<AnnotationId> ids;
    ids.reserve(rows.size());
    for (const AnnotationRow& row : rows) ids.push_back(row.annotation.id);
    VITRINE_RETURN_IF_ERROR(WriteExtents(extent_insert, buckets, rows, ids));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      set_bucket.Reset();
      VITRINE_RETURN_IF_ERROR(set_bucket.Bind(buckets.of_row[i], ids[i].value()).Run());
    }
  }
}

Result<AnnotationRow> Get(ConnectionPool& pool, AnnotationId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT " VITRINE_ANNOTATION_COLUMNS
                                                      ", a.geometry FROM annotations a WHERE a.id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(id.value()).Step());
  if (!found) return Status::NotFound("annotation " + std::to_string(id.value()) + " not found");
  std::vector<AnnotationRow> rows{ReadRow(q, true)};
  q.Reset();
  VITRINE_RETURN_IF_ERROR(LoadProperties(*conn, rows));
  VITRINE_RETURN_IF_ERROR(LoadTerms(*conn, rows));
  return std::move(rows.front());
}

Result<Page<AnnotationRow>> List(ConnectionPool& pool, const AnnotationFilter& filter, const PageRequest& page,
                                 const AnnotationColumns& columns) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  Selection s = Select(filter);
  Page<AnnotationRow> out;
  if (page.limit > 0) {
    std::string sql = std::string("SELECT " VITRINE_ANNOTATION_COLUMNS) + (columns.geometry ? ", a.geometry" : "") +
                      kFrom + s.where + " ORDER BY a.id LIMIT ? OFFSET ?";
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
    s.Bind(q);
    q.BindAt(static_cast<int>(s.binds.size() + 1), page.limit);
    q.BindAt(static_cast<int>(s.binds.size() + 2), page.offset);
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) break;
      out.items.push_back(ReadRow(q, columns.geometry));
    }
    if (columns.properties) VITRINE_RETURN_IF_ERROR(LoadProperties(*conn, out.items));
    if (columns.terms) VITRINE_RETURN_IF_ERROR(LoadTerms(*conn, out.items));
  }
  if (!columns.total) {
    out.total = -1;
    return out;
  }
  // A first page that is not full holds every match: no need to count them again.
  if (page.limit > 0 && page.offset == 0 && static_cast<std::int64_t>(out.items.size()) < page.limit) {
    out.total = static_cast<std::int64_t>(out.items.size());
    return out;
  }
  const bool capped = columns.total_up_to > 0;
  VITRINE_ASSIGN_OR_RETURN(
      Statement count,
      conn->PrepareDynamic(capped ? std::string("SELECT COUNT(*) FROM (SELECT 1") + kFrom + s.where + " LIMIT ?)"
                                  : std::string("SELECT COUNT(*)") + kFrom + s.where));
  s.Bind(count);
  if (capped) count.BindAt(static_cast<int>(s.binds.size() + 1), columns.total_up_to);
  VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
  out.total = row ? count.Int(0) : 0;
  return out;
}

Status Delete(ConnectionPool& pool, AnnotationId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM annotations WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("annotation " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

Status Replace(ConnectionPool& pool, const AnnotationRow& row, Timestamp seen_updated_at) {
  const Annotation& a = row.annotation;
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Statement old, conn->Prepare("SELECT bucket_id, image_id, x0, y0, x1, y1, updated_at"
                                                        " FROM annotations WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, old.Bind(a.id.value()).Step());
  if (!found) return Status::NotFound("annotation " + std::to_string(a.id.value()) + " not found");
  std::int64_t bucket = old.Int(0);
  AnnotationRow placed = row;
  placed.annotation.image_id = ImageId(old.Int(1));
  const bool moved = std::array<double, 4>{old.Real(2), old.Real(3), old.Real(4), old.Real(5)} != a.bbox;
  const bool changed_meanwhile = old.Int(6) != Micros(seen_updated_at);
  old.Reset();
  if (changed_meanwhile) return Status::Conflict("annotation " + std::to_string(a.id.value()) + " changed meanwhile");
  if (moved) {
    // The shape leaves its bucket (whose box stays a superset, as on delete) for one of its own.
    VITRINE_ASSIGN_OR_RETURN(Statement leave,
                             conn->Prepare("DELETE FROM annotation_extents WHERE bucket_id = ? AND id = ?"));
    VITRINE_RETURN_IF_ERROR(leave.Bind(bucket, a.id.value()).Run());
    VITRINE_ASSIGN_OR_RETURN(Statement drop_empty,
                             conn->Prepare("DELETE FROM annotation_buckets WHERE id = ?1"
                                           " AND NOT EXISTS (SELECT 1 FROM annotation_extents WHERE bucket_id = ?1)"));
    VITRINE_RETURN_IF_ERROR(drop_empty.Bind(bucket).Run());
    VITRINE_ASSIGN_OR_RETURN(Statement bucket_insert, conn->Prepare(kBucketInsertSql));
    VITRINE_ASSIGN_OR_RETURN(Statement extent_insert, conn->Prepare(kExtentInsertSql));
    const std::vector<AnnotationRow> rows{placed};
    VITRINE_ASSIGN_OR_RETURN(Buckets buckets, InsertBuckets(*conn, bucket_insert, rows));
    VITRINE_RETURN_IF_ERROR(WriteExtents(extent_insert, buckets, rows, {a.id}));
    bucket = buckets.of_row[0];
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement update,
      conn->Prepare("UPDATE annotations SET geometry = ?, geometry_type = ?, x0 = ?, y0 = ?, x1 = ?, y1 = ?,"
                    " area = ?, perimeter = ?, centroid_x = ?, centroid_y = ?, vertex_count = ?, updated_at = ?,"
                    " bucket_id = ? WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(update
                              .Bind(Blob{row.wkb}, a.geometry_type, a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3], a.area,
                                    a.perimeter, a.centroid[0], a.centroid[1], a.vertex_count, Micros(a.updated_at),
                                    bucket, a.id.value())
                              .Run());
  for (const char* sql : {"DELETE FROM annotation_terms WHERE annotation_id = ?",
                          "DELETE FROM annotation_properties WHERE annotation_id = ?"}) {
    VITRINE_ASSIGN_OR_RETURN(Statement clear, conn->Prepare(sql));
    VITRINE_RETURN_IF_ERROR(clear.Bind(a.id.value()).Run());
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement term_link,
      conn->Prepare("INSERT OR IGNORE INTO annotation_terms(annotation_id, term_id) VALUES (?, ?)"));
  for (TermId term : a.terms) {
    term_link.Reset();
    Status linked = term_link.Bind(a.id.value(), term.value()).Run();
    if (linked.code() == ErrorCode::kConflict) {
      return Status::NotFound("term " + std::to_string(term.value()) + " not found");
    }
    VITRINE_RETURN_IF_ERROR(linked);
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement property,
      conn->Prepare("INSERT INTO annotation_properties(annotation_id, key, value) VALUES (?, ?, ?)"));
  for (const auto& [key, value] : a.properties) {
    property.Reset();
    VITRINE_RETURN_IF_ERROR(property.Bind(a.id.value(), key, value).Run());
  }
  return tx.Commit();
}

Result<std::int64_t> DeleteMatching(ConnectionPool& pool, const AnnotationFilter& filter) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  Selection s = Select(filter);
  VITRINE_ASSIGN_OR_RETURN(
      Statement q,
      conn->PrepareDynamic(std::string("DELETE FROM annotations WHERE id IN (SELECT a.id") + kFrom + s.where + ")"));
  s.Bind(q);
  VITRINE_RETURN_IF_ERROR(q.Run());
  std::int64_t removed = conn->changes();
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return removed;
}

}  // namespace vitrine::catalog::sqlite::annotations
