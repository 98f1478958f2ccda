#include "catalog/sqlite/tuboid_queries.h"

#include <variant>

#include "catalog/sqlite/image_queries.h"

namespace vitrine::catalog::sqlite::tuboids {
namespace {

// A listing leaves out the shots (up to 256 KiB a tuboid); TuboidShots reads them for one.
constexpr const char* kColumns =
    "SELECT t.id, t.name, t.index_in_series, t.start_at, t.end_at, t.n_shots, '', t.tiles_image_id,"
    " t.context_image_id, t.created_by, t.created_at, s.id, s.project_id, s.device, s.start_at, s.end_at,"
    " s.algorithm, s.algorithm_version, s.n_images, s.n_tuboids, s.created_by, s.created_at"
    " FROM tuboids t JOIN tuboid_series s ON s.id = t.series_id";

Tuboid ReadTuboid(const Statement& q) {
  Tuboid t;
  t.id = TuboidId(q.Int(0));
  t.name = q.Text(1);
  t.index_in_series = q.Int(2);
  t.start = FromMicros(q.Int(3));
  t.end = FromMicros(q.Int(4));
  t.n_shots = q.Int(5);
  t.shots = q.Text(6);
  t.tiles_image_id = ImageId(q.Int(7));
  if (auto context = q.OptionalInt(8)) t.context_image_id = ImageId(*context);
  t.created_by = UserId(q.OptionalInt(9).value_or(0));
  t.created_at = FromMicros(q.Int(10));
  TuboidSeries& s = t.series;
  s.id = TuboidSeriesId(q.Int(11));
  s.project_id = ProjectId(q.Int(12));
  s.device = q.Text(13);
  s.start = FromMicros(q.Int(14));
  s.end = FromMicros(q.Int(15));
  s.algorithm = q.Text(16);
  s.algorithm_version = q.Text(17);
  s.n_images = q.Int(18);
  s.n_tuboids = q.Int(19);
  s.created_by = UserId(q.OptionalInt(20).value_or(0));
  s.created_at = FromMicros(q.Int(21));
  return t;
}

std::optional<std::int64_t> OptionalUser(UserId user) {
  return user.valid() ? std::optional(user.value()) : std::nullopt;
}

// The series `s` describes, made when missing; its id and its count of tuboids.
Result<std::pair<TuboidSeriesId, std::int64_t>> FindOrMakeSeries(Connection& conn, const TuboidSeries& s) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement find,
      conn.Prepare("SELECT id, n_tuboids, (SELECT COUNT(*) FROM tuboids t WHERE t.series_id = tuboid_series.id)"
                   " FROM tuboid_series WHERE project_id = ? AND device = ? AND start_at = ? AND end_at = ?"
                   " AND algorithm = ? AND algorithm_version = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, find.Bind(s.project_id.value(), s.device, Micros(s.start), Micros(s.end),
                                                 s.algorithm, s.algorithm_version)
                                           .Step());
  if (found) {
    const std::int64_t expected = find.Int(1), stored = find.Int(2);
    if (stored >= expected) {
      return Status::Conflict("tuboid series " + std::to_string(find.Int(0)) + " holds its " +
                              std::to_string(expected) + " tuboids already");
    }
    return std::pair(TuboidSeriesId(find.Int(0)), stored);
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement insert,
      conn.Prepare("INSERT INTO tuboid_series(project_id, device, start_at, end_at, algorithm, algorithm_version,"
                   " n_images, n_tuboids, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Status made =
      insert
          .Bind(s.project_id.value(), s.device, Micros(s.start), Micros(s.end), s.algorithm, s.algorithm_version,
                s.n_images, s.n_tuboids, OptionalUser(s.created_by), Micros(s.created_at))
          .Run();
  if (made.code() == ErrorCode::kConflict) {
    return Status::NotFound("project " + std::to_string(s.project_id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(made);
  return std::pair(TuboidSeriesId(conn.last_insert_id()), std::int64_t{0});
}

}  // namespace

Result<Tuboid> Insert(ConnectionPool& pool, const Tuboid& tuboid) {
  if (tuboid.start < tuboid.series.start || tuboid.end > tuboid.series.end) {
    return Status::InvalidArgument("tuboid " + tuboid.name + "'s shots leave its series' time range");
  }
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(auto series, FindOrMakeSeries(*conn, tuboid.series));
  VITRINE_ASSIGN_OR_RETURN(Statement taken, conn->Prepare("SELECT id FROM tuboids WHERE project_id = ? AND name = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool exists, taken.Bind(tuboid.series.project_id.value(), tuboid.name).Step());
  if (exists) {
    return Status::Conflict("tuboid " + tuboid.name + " is already stored (id " + std::to_string(taken.Int(0)) + ")");
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement insert,
      conn->Prepare("INSERT INTO tuboids(series_id, project_id, name, index_in_series, start_at, end_at, n_shots,"
                    " shots, tiles_image_id, context_image_id, created_by, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::optional<std::int64_t> context;
  if (tuboid.context_image_id) context = tuboid.context_image_id->value();
  Status inserted =
      insert
          .Bind(series.first.value(), tuboid.series.project_id.value(), tuboid.name, tuboid.index_in_series,
                Micros(tuboid.start), Micros(tuboid.end), tuboid.n_shots, tuboid.shots, tuboid.tiles_image_id.value(),
                context, OptionalUser(tuboid.created_by), Micros(tuboid.created_at))
          .Run();
  if (inserted.code() == ErrorCode::kConflict) return Status::NotFound("the tuboid's images are gone");
  VITRINE_RETURN_IF_ERROR(inserted);
  const TuboidId id(conn->last_insert_id());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(std::string(kColumns) + " WHERE t.id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(id.value()).Step());
  if (!found) return Status::Internal("a tuboid just stored cannot be read back");
  Tuboid stored = ReadTuboid(q);
  stored.shots = tuboid.shots;
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

Result<Page<Tuboid>> List(ConnectionPool& pool, const TuboidFilter& filter, std::optional<UserId> member,
                          const PageRequest& page) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  // The WHERE clause is assembled from fixed fragments; every value is a bound parameter.
  std::string where = " WHERE 1=1";
  std::vector<images::BindValue> binds;
  if (filter.project) {
    where += " AND s.project_id = ?";
    binds.emplace_back(filter.project->value());
  }
  if (member) {
    where += " AND s.project_id IN (SELECT project_id FROM project_members WHERE user_id = ?)";
    binds.emplace_back(member->value());
  }
  if (filter.series) {
    where += " AND s.id = ?";
    binds.emplace_back(filter.series->value());
  }
  if (!filter.names.empty()) {
    where += " AND t.name IN (" + Placeholders(filter.names.size()) + ")";
    for (const std::string& name : filter.names) binds.emplace_back(name);
  }
  if (!filter.ids.empty()) {
    where += " AND t.id IN (" + Placeholders(filter.ids.size()) + ")";
    for (TuboidId id : filter.ids) binds.emplace_back(id.value());
  }
  if (filter.device_like) {
    where += " AND s.device LIKE ? ESCAPE '\\'";
    binds.emplace_back(*filter.device_like);
  }
  if (filter.contained_from) {
    where += " AND s.start_at >= ?";
    binds.emplace_back(Micros(*filter.contained_from));
  }
  if (filter.contained_to) {
    where += " AND s.end_at <= ?";
    binds.emplace_back(Micros(*filter.contained_to));
  }
  if (filter.algorithm) {
    where += " AND s.algorithm = ?";
    binds.emplace_back(*filter.algorithm);
  }
  if (filter.algorithm_version) {
    where += " AND s.algorithm_version = ?";
    binds.emplace_back(*filter.algorithm_version);
  }
  auto bind_all = [&](Statement& q) {
    int index = 1;
    for (const auto& v : binds) std::visit([&](const auto& x) { q.BindAt(index++, x); }, v);
    return index;
  };
  Page<Tuboid> out;
  {
    VITRINE_ASSIGN_OR_RETURN(
        Statement count,
        conn->PrepareDynamic("SELECT COUNT(*) FROM tuboids t JOIN tuboid_series s ON s.id = t.series_id" + where));
    bind_all(count);
    VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
    out.total = row ? count.Int(0) : 0;
  }
  VITRINE_ASSIGN_OR_RETURN(
      Statement q, conn->PrepareDynamic(std::string(kColumns) + where +
                                        " ORDER BY s.start_at, s.id, t.index_in_series, t.id LIMIT ? OFFSET ?"));
  const int next = bind_all(q);
  q.BindAt(next, page.limit);
  q.BindAt(next + 1, page.offset);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.items.push_back(ReadTuboid(q));
  }
  return out;
}

Result<std::string> Shots(ConnectionPool& pool, TuboidId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT shots FROM tuboids WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool found, q.Bind(id.value()).Step());
  if (!found) return Status::NotFound("tuboid " + std::to_string(id.value()) + " not found");
  return q.Text(0);
}

Status DeleteSeries(ConnectionPool& pool, TuboidSeriesId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM tuboid_series WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  if (conn->changes() == 0) return Status::NotFound("tuboid series " + std::to_string(id.value()) + " not found");
  return Status::Ok();
}

Result<ItcLabel> InsertLabel(ConnectionPool& pool, const ItcLabel& label) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(
      Statement insert,
      conn->Prepare("INSERT INTO itc_labels(tuboid_id, algorithm, algorithm_version, label, pattern, type,"
                    " taxon_order, family, genus, species, created_by, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Status inserted = insert
                        .Bind(label.tuboid_id.value(), label.algorithm, label.algorithm_version, label.label,
                              label.pattern, label.type, label.order, label.family, label.genus, label.species,
                              OptionalUser(label.created_by), Micros(label.created_at))
                        .Run();
  if (inserted.code() == ErrorCode::kConflict) {
    VITRINE_ASSIGN_OR_RETURN(Statement tuboid, conn->Prepare("SELECT 1 FROM tuboids WHERE id = ?"));
    VITRINE_ASSIGN_OR_RETURN(bool exists, tuboid.Bind(label.tuboid_id.value()).Step());
    if (!exists) return Status::NotFound("tuboid " + std::to_string(label.tuboid_id.value()) + " not found");
    return Status::Conflict("tuboid " + std::to_string(label.tuboid_id.value()) + " has a label of " + label.algorithm +
                            " " + label.algorithm_version + " already");
  }
  VITRINE_RETURN_IF_ERROR(inserted);
  ItcLabel stored = label;
  stored.id = ItcLabelId(conn->last_insert_id());
  return stored;
}

Result<std::vector<ItcLabel>> ListLabels(ConnectionPool& pool, const std::vector<TuboidId>& tuboids) {
  std::vector<ItcLabel> out;
  if (tuboids.empty()) return out;
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(
      Statement q,
      conn->PrepareDynamic("SELECT id, tuboid_id, algorithm, algorithm_version, label, pattern, type, taxon_order,"
                           " family, genus, species, created_by, created_at FROM itc_labels WHERE tuboid_id IN (" +
                           Placeholders(tuboids.size()) + ") ORDER BY tuboid_id, id"));
  int index = 1;
  for (TuboidId id : tuboids) q.BindAt(index++, id.value());
  auto optional_text = [&](int column) { return q.IsNull(column) ? std::nullopt : std::optional(q.Text(column)); };
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ItcLabel l;
    l.id = ItcLabelId(q.Int(0));
    l.tuboid_id = TuboidId(q.Int(1));
    l.algorithm = q.Text(2);
    l.algorithm_version = q.Text(3);
    l.label = q.Int(4);
    l.pattern = q.Text(5);
    l.type = q.Text(6);
    l.order = optional_text(7);
    l.family = optional_text(8);
    l.genus = optional_text(9);
    l.species = optional_text(10);
    l.created_by = UserId(q.OptionalInt(11).value_or(0));
    l.created_at = FromMicros(q.Int(12));
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace vitrine::catalog::sqlite::tuboids
