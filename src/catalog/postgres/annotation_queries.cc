#include "catalog/postgres/annotation_queries.h"

#include <algorithm>
#include <unordered_map>

#include "catalog/postgres/copy_text.h"
#include "catalog/postgres/image_queries.h"

namespace vitrine::catalog::postgres::annotations {
namespace {

constexpr const char* kColumns =
    "a.id, a.project_id, a.image_id, a.geometry_type, a.x0, a.y0, a.x1, a.y1, a.area, a.perimeter, "
    "a.centroid_x, a.centroid_y, a.vertex_count, a.created_by, a.algorithm, a.algorithm_version, "
    "a.created_at, a.updated_at, a.run_id";
constexpr int kGeometryColumn = 19;

AnnotationRow ReadRow(const Rows& q, int r, bool with_geometry) {
  AnnotationRow row;
  Annotation& a = row.annotation;
  a.id = AnnotationId(q.Int(r, 0));
  a.project_id = ProjectId(q.Int(r, 1));
  a.image_id = ImageId(q.Int(r, 2));
  a.geometry_type = q.Text(r, 3);
  a.bbox = {q.Real(r, 4), q.Real(r, 5), q.Real(r, 6), q.Real(r, 7)};
  a.area = q.Real(r, 8);
  a.perimeter = q.Real(r, 9);
  a.centroid = {q.Real(r, 10), q.Real(r, 11)};
  a.vertex_count = q.Int(r, 12);
  a.created_by = UserId(q.OptionalInt(r, 13).value_or(0));
  a.algorithm = q.OptionalText(r, 14);
  a.algorithm_version = q.OptionalText(r, 15);
  a.created_at = FromMicros(q.Int(r, 16));
  a.updated_at = FromMicros(q.Int(r, 17));
  if (auto run = q.OptionalInt(r, 18)) a.run_id = AnnotationRunId(*run);
  if (with_geometry) row.wkb = q.ByteaBytes(r, kGeometryColumn);
  return row;
}

std::string RowIds(const std::vector<AnnotationRow>& rows) {
  std::string out = "{";
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? "," : "") + std::to_string(rows[i].annotation.id.value());
  return out + "}";
}

// The terms and properties of a page of annotations, in two reads.
Status LoadDetails(Connection& conn, std::vector<AnnotationRow>& rows, bool terms, bool properties) {
  if (rows.empty() || (!terms && !properties)) return Status::Ok();
  std::unordered_map<std::int64_t, Annotation*> by_id;
  for (auto& row : rows) by_id[row.annotation.id.value()] = &row.annotation;
  const std::string ids = RowIds(rows);
  if (terms) {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT annotation_id, term_id FROM annotation_terms"
                                                " WHERE annotation_id = ANY($1::bigint[]) ORDER BY 1, 2",
                                                ids));
    for (int r = 0; r < q.size(); ++r) by_id[q.Int(r, 0)]->terms.emplace_back(q.Int(r, 1));
  }
  if (properties) {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT annotation_id, key, value FROM annotation_properties"
                                                " WHERE annotation_id = ANY($1::bigint[])",
                                                ids));
    for (int r = 0; r < q.size(); ++r) by_id[q.Int(r, 0)]->properties[q.Text(r, 1)] = q.Text(r, 2);
  }
  return Status::Ok();
}

// The WHERE clause for a filter, from fixed fragments; every value a parameter.
struct Selection {
  std::string where = " WHERE true";
  Params params;
};

// PostgreSQL's box literal for x0, y0, x1, y1.
std::string BoxLiteral(const std::array<double, 4>& b) {
  return "(" + FormatReal(b[0]) + "," + FormatReal(b[1]) + "),(" + FormatReal(b[2]) + "," + FormatReal(b[3]) + ")";
}

void SelectByPlace(const AnnotationFilter& f, Selection& s) {
  if (f.project) s.where += " AND a.project_id = " + s.params.Add(f.project->value());
  if (!f.images.empty()) {
    if (f.bbox) {
      // One equality per image, so that each can be a scan of the GiST index on (image_id, box).
      s.where += " AND (";
      for (std::size_t i = 0; i < f.images.size(); ++i) {
        s.where += std::string(i ? " OR " : "") + "a.image_id = " + s.params.Add(f.images[i].value());
      }
      s.where += ")";
    } else {
      s.where += " AND a.image_id = ANY(" + s.params.Add(images::IdArray(f.images)) + "::bigint[])";
    }
  }
  if (f.bbox) s.where += " AND a.box && " + s.params.Add(BoxLiteral(*f.bbox)) + "::box";
  if (!f.users.empty()) s.where += " AND a.created_by = ANY(" + s.params.Add(images::IdArray(f.users)) + "::bigint[])";
}

void SelectByDeviceWindow(const AnnotationFilter& f, Selection& s) {
  s.where += " AND a.image_id IN (SELECT i.id FROM images i WHERE true";
  images::AppendSeriesConditions(s.where, s.params, f.device_like, f.captured_from, f.captured_to);
  if (f.project) s.where += " AND i.project_id = " + s.params.Add(f.project->value());
  s.where += ")";
}

void SelectByLabel(const AnnotationFilter& f, Selection& s) {
  if (!f.terms.empty()) {
    s.where += " AND a.id IN (SELECT annotation_id FROM annotation_terms WHERE term_id = ANY(" +
               s.params.Add(images::IdArray(f.terms)) + "::bigint[]))";
  }
  if (f.algorithm) s.where += " AND a.algorithm = " + s.params.Add(*f.algorithm);
  if (f.algorithm_version) s.where += " AND a.algorithm_version = " + s.params.Add(*f.algorithm_version);
  if (f.run) s.where += " AND a.run_id = " + s.params.Add(f.run->value());
}

void SelectByCreation(const AnnotationFilter& f, Selection& s) {
  if (f.created_from) s.where += " AND a.created_at >= " + s.params.Add(Micros(*f.created_from));
  if (f.created_to) s.where += " AND a.created_at < " + s.params.Add(Micros(*f.created_to));
  if (f.after) s.where += " AND a.id > " + s.params.Add(f.after->value());
}

void SelectByProperty(const AnnotationFilter& f, Selection& s) {
  s.where += " AND EXISTS (SELECT 1 FROM annotation_properties p WHERE p.annotation_id = a.id AND p.key = " +
             s.params.Add(f.property->first);
  if (f.property->second) s.where += " AND p.value = " + s.params.Add(*f.property->second);
  s.where += ")";
}

Selection Select(const AnnotationFilter& f) {
  Selection s;
  SelectByPlace(f, s);
  if (f.device_like || f.captured_from || f.captured_to) SelectByDeviceWindow(f, s);
  SelectByLabel(f, s);
  SelectByCreation(f, s);
  if (f.property) SelectByProperty(f, s);
  return s;
}

}  // namespace

Result<std::vector<AnnotationId>> Insert(ConnectionPool& pool, const std::vector<AnnotationRow>& rows) {
  return pool.Run<std::vector<AnnotationId>>([&](Connection& conn) -> Result<std::vector<AnnotationId>> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(std::vector<AnnotationId> ids, InsertOn(conn, rows));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return ids;
  });
}

// Ids are drawn from the identity's sequence first, so that the rows, their terms and their
// properties can each go in with one COPY.
Result<std::vector<AnnotationId>> InsertOn(Connection& conn, const std::vector<AnnotationRow>& rows) {
  std::vector<AnnotationId> ids;
  if (rows.empty()) return ids;
  VITRINE_ASSIGN_OR_RETURN(auto drawn, conn.Query("SELECT nextval(pg_get_serial_sequence('annotations', 'id'))"
                                                  " FROM generate_series(1, $1)",
                                                  static_cast<std::int64_t>(rows.size())));
  std::vector<std::int64_t> numbers;
  numbers.reserve(rows.size());
  for (int r = 0; r < drawn.size(); ++r) numbers.push_back(drawn.Int(r, 0));
  std::sort(numbers.begin(), numbers.end());
  CopyText shapes, terms, properties;
  shapes.Reserve(rows.size() * 256);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Annotation& a = rows[i].annotation;
    const std::int64_t id = numbers[i];
    ids.emplace_back(id);
    shapes.Int(id).Int(a.project_id.value()).Int(a.image_id.value()).Bytea(rows[i].wkb).Text(a.geometry_type);
    shapes.Real(a.bbox[0]).Real(a.bbox[1]).Real(a.bbox[2]).Real(a.bbox[3]).Real(a.area).Real(a.perimeter);
    shapes.Real(a.centroid[0]).Real(a.centroid[1]).Int(a.vertex_count);
    if (a.created_by.valid())
      shapes.Int(a.created_by.value());
    else
      shapes.Null();
    shapes.Optional(a.algorithm).Optional(a.algorithm_version).Int(Micros(a.created_at)).Int(Micros(a.updated_at));
    if (a.run_id)
      shapes.Int(a.run_id->value());
    else
      shapes.Null();
    shapes.EndRow();
    std::vector<TermId> own_terms = a.terms;
    std::sort(own_terms.begin(), own_terms.end());
    own_terms.erase(std::unique(own_terms.begin(), own_terms.end()), own_terms.end());
    for (TermId term : own_terms) {
      terms.Int(id).Int(term.value());
      terms.EndRow();
    }
    for (const auto& [key, value] : a.properties) {
      properties.Int(id).Text(key).Text(value);
      properties.EndRow();
    }
  }
  VITRINE_RETURN_IF_ERROR(
      conn.CopyIn("COPY annotations(id, project_id, image_id, geometry, geometry_type, x0, y0, x1, y1, area,"
                  " perimeter, centroid_x, centroid_y, vertex_count, created_by, algorithm, algorithm_version,"
                  " created_at, updated_at, run_id) FROM STDIN",
                  shapes.data()));
  if (!terms.empty()) {
    VITRINE_RETURN_IF_ERROR(conn.CopyIn("COPY annotation_terms(annotation_id, term_id) FROM STDIN", terms.data()));
  }
  if (!properties.empty()) {
    VITRINE_RETURN_IF_ERROR(
        conn.CopyIn("COPY annotation_properties(annotation_id, key, value) FROM STDIN", properties.data()));
  }
  return ids;
}

Result<AnnotationRow> Get(ConnectionPool& pool, AnnotationId id) {
  return pool.Run<AnnotationRow>([&](Connection& conn) -> Result<AnnotationRow> {
    VITRINE_ASSIGN_OR_RETURN(
        auto q,
        conn.Query(std::string("SELECT ") + kColumns + ", a.geometry FROM annotations a WHERE a.id = $1", id.value()));
    if (q.empty()) return Status::NotFound("annotation " + std::to_string(id.value()) + " not found");
    std::vector<AnnotationRow> rows{ReadRow(q, 0, true)};
    VITRINE_RETURN_IF_ERROR(LoadDetails(conn, rows, true, true));
    return std::move(rows.front());
  });
}

Result<Page<AnnotationRow>> List(ConnectionPool& pool, const AnnotationFilter& filter, const PageRequest& page,
                                 const AnnotationColumns& columns) {
  return pool.Run<Page<AnnotationRow>>([&](Connection& conn) -> Result<Page<AnnotationRow>> {
    Selection s = Select(filter);
    Page<AnnotationRow> out;
    if (page.limit > 0) {
      Params params = s.params;
      std::string sql = std::string("SELECT ") + kColumns + (columns.geometry ? ", a.geometry" : "") +
                        " FROM annotations a" + s.where + " ORDER BY a.id";
      sql += " LIMIT " + params.Add(page.limit);
      sql += " OFFSET " + params.Add(page.offset);
      VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
      out.items.reserve(q.size());
      for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadRow(q, r, columns.geometry));
      VITRINE_RETURN_IF_ERROR(LoadDetails(conn, out.items, columns.terms, columns.properties));
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
    std::string count_sql = "SELECT COUNT(*) FROM annotations a" + s.where;
    if (columns.total_up_to > 0) {
      count_sql = "SELECT COUNT(*) FROM (SELECT 1 FROM annotations a" + s.where + " LIMIT " +
                  s.params.Add(columns.total_up_to) + ") capped";
    }
    VITRINE_ASSIGN_OR_RETURN(auto count, conn.Exec(count_sql, s.params));
    out.total = count.Int(0, 0);
    return out;
  });
}

Status Delete(ConnectionPool& pool, AnnotationId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM annotations WHERE id = $1", id.value()));
    if (q.affected() == 0) return Status::NotFound("annotation " + std::to_string(id.value()) + " not found");
    return Status::Ok();
  });
}

Status Replace(ConnectionPool& pool, const AnnotationRow& row, Timestamp seen_updated_at) {
  const Annotation& a = row.annotation;
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(
        auto updated,
        conn.Query("UPDATE annotations SET geometry = $1, geometry_type = $2, x0 = $3, y0 = $4, x1 = $5, y1 = $6,"
                   " area = $7, perimeter = $8, centroid_x = $9, centroid_y = $10, vertex_count = $11,"
                   " updated_at = $12 WHERE id = $13 AND updated_at = $14",
                   Bytes{row.wkb}, a.geometry_type, a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3], a.area, a.perimeter,
                   a.centroid[0], a.centroid[1], a.vertex_count, Micros(a.updated_at), a.id.value(),
                   Micros(seen_updated_at)));
    if (updated.affected() == 0) {
      VITRINE_ASSIGN_OR_RETURN(auto exists, conn.Query("SELECT 1 FROM annotations WHERE id = $1", a.id.value()));
      const std::string which = "annotation " + std::to_string(a.id.value());
      return exists.size() == 0 ? Status::NotFound(which + " not found")
                                : Status::Conflict(which + " changed meanwhile");
    }
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM annotation_terms WHERE annotation_id = $1", a.id.value()).status());
    VITRINE_RETURN_IF_ERROR(
        conn.Query("DELETE FROM annotation_properties WHERE annotation_id = $1", a.id.value()).status());
    for (TermId term : a.terms) {
      VITRINE_RETURN_IF_ERROR(conn.Query("INSERT INTO annotation_terms(annotation_id, term_id) VALUES ($1, $2)"
                                         " ON CONFLICT DO NOTHING",
                                         a.id.value(), term.value())
                                  .status());
    }
    for (const auto& [key, value] : a.properties) {
      VITRINE_RETURN_IF_ERROR(
          conn.Query("INSERT INTO annotation_properties(annotation_id, key, value) VALUES ($1, $2, $3)", a.id.value(),
                     key, value)
              .status());
    }
    return tx.Commit();
  });
}

Result<std::int64_t> DeleteMatching(ConnectionPool& pool, const AnnotationFilter& filter) {
  return pool.Run<std::int64_t>([&](Connection& conn) -> Result<std::int64_t> {
    Selection s = Select(filter);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec("DELETE FROM annotations a" + s.where, s.params));
    return q.affected();
  });
}

}  // namespace vitrine::catalog::postgres::annotations
