#include "catalog/postgres/tuboid_queries.h"

#include "catalog/postgres/image_queries.h"

namespace vitrine::catalog::postgres::tuboids {
namespace {

// A listing leaves out the shots (up to 256 KiB a tuboid); TuboidShots reads them for one.
constexpr const char* kColumns =
    "SELECT t.id, t.name, t.index_in_series, t.start_at, t.end_at, t.n_shots, '', t.tiles_image_id,"
    " t.context_image_id, t.created_by, t.created_at, s.id, s.project_id, s.device, s.start_at, s.end_at,"
    " s.algorithm, s.algorithm_version, s.n_images, s.n_tuboids, s.created_by, s.created_at"
    " FROM tuboids t JOIN tuboid_series s ON s.id = t.series_id";

Tuboid ReadTuboid(const Rows& q, int r) {
  Tuboid t;
  t.id = TuboidId(q.Int(r, 0));
  t.name = q.Text(r, 1);
  t.index_in_series = q.Int(r, 2);
  t.start = FromMicros(q.Int(r, 3));
  t.end = FromMicros(q.Int(r, 4));
  t.n_shots = q.Int(r, 5);
  t.shots = q.Text(r, 6);
  t.tiles_image_id = ImageId(q.Int(r, 7));
  if (auto context = q.OptionalInt(r, 8)) t.context_image_id = ImageId(*context);
  t.created_by = UserId(q.OptionalInt(r, 9).value_or(0));
  t.created_at = FromMicros(q.Int(r, 10));
  TuboidSeries& s = t.series;
  s.id = TuboidSeriesId(q.Int(r, 11));
  s.project_id = ProjectId(q.Int(r, 12));
  s.device = q.Text(r, 13);
  s.start = FromMicros(q.Int(r, 14));
  s.end = FromMicros(q.Int(r, 15));
  s.algorithm = q.Text(r, 16);
  s.algorithm_version = q.Text(r, 17);
  s.n_images = q.Int(r, 18);
  s.n_tuboids = q.Int(r, 19);
  s.created_by = UserId(q.OptionalInt(r, 20).value_or(0));
  s.created_at = FromMicros(q.Int(r, 21));
  return t;
}

std::optional<std::int64_t> OptionalUser(UserId user) {
  return user.valid() ? std::optional(user.value()) : std::nullopt;
}

// The series `s` describes, made when missing, and locked until the transaction ends: tuboids of
// one series are counted and stored one after the other.
Result<TuboidSeriesId> LockSeries(Connection& conn, const TuboidSeries& s) {
  auto made = conn.Query(
      "INSERT INTO tuboid_series(project_id, device, start_at, end_at, algorithm, algorithm_version, n_images,"
      " n_tuboids, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
      " ON CONFLICT (project_id, device, start_at, end_at, algorithm, algorithm_version) DO NOTHING",
      s.project_id.value(), s.device, Micros(s.start), Micros(s.end), s.algorithm, s.algorithm_version, s.n_images,
      s.n_tuboids, OptionalUser(s.created_by), Micros(s.created_at));
  if (!made.ok() && made.status().code() == ErrorCode::kNotFound) {
    return Status::NotFound("project " + std::to_string(s.project_id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(made.status());
  VITRINE_ASSIGN_OR_RETURN(auto found, conn.Query("SELECT id, n_tuboids FROM tuboid_series WHERE project_id = $1"
                                                  " AND device = $2 AND start_at = $3 AND end_at = $4"
                                                  " AND algorithm = $5 AND algorithm_version = $6 FOR UPDATE",
                                                  s.project_id.value(), s.device, Micros(s.start), Micros(s.end),
                                                  s.algorithm, s.algorithm_version));
  if (found.empty()) return Status::Internal("a tuboid series just stored cannot be read back");
  const TuboidSeriesId id(found.Int(0, 0));
  const std::int64_t expected = found.Int(0, 1);
  VITRINE_ASSIGN_OR_RETURN(auto count, conn.Query("SELECT COUNT(*) FROM tuboids WHERE series_id = $1", id.value()));
  if (count.Int(0, 0) >= expected) {
    return Status::Conflict("tuboid series " + std::to_string(id.value()) + " holds its " + std::to_string(expected) +
                            " tuboids already");
  }
  return id;
}

}  // namespace

Result<Tuboid> Insert(ConnectionPool& pool, const Tuboid& tuboid) {
  if (tuboid.start < tuboid.series.start || tuboid.end > tuboid.series.end) {
    return Status::InvalidArgument("tuboid " + tuboid.name + "'s shots leave its series' time range");
  }
  return pool.Run<Tuboid>([&](Connection& conn) -> Result<Tuboid> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(TuboidSeriesId series, LockSeries(conn, tuboid.series));
    std::optional<std::int64_t> context;
    if (tuboid.context_image_id) context = tuboid.context_image_id->value();
    auto inserted = conn.Query(
        "INSERT INTO tuboids(series_id, project_id, name, index_in_series, start_at, end_at, n_shots, shots,"
        " tiles_image_id, context_image_id, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        series.value(), tuboid.series.project_id.value(), tuboid.name, tuboid.index_in_series, Micros(tuboid.start),
        Micros(tuboid.end), tuboid.n_shots, tuboid.shots, tuboid.tiles_image_id.value(), context,
        OptionalUser(tuboid.created_by), Micros(tuboid.created_at));
    if (!inserted.ok() && inserted.status().code() == ErrorCode::kConflict) {
      return Status::Conflict("tuboid " + tuboid.name + " is already stored");
    }
    if (!inserted.ok() && inserted.status().code() == ErrorCode::kNotFound) {
      return Status::NotFound("the tuboid's images are gone");
    }
    VITRINE_RETURN_IF_ERROR(inserted.status());
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string(kColumns) + " WHERE t.id = $1", inserted->Int(0, 0)));
    if (q.empty()) return Status::Internal("a tuboid just stored cannot be read back");
    Tuboid stored = ReadTuboid(q, 0);
    stored.shots = tuboid.shots;
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return stored;
  });
}

Result<Page<Tuboid>> List(ConnectionPool& pool, const TuboidFilter& filter, std::optional<UserId> member,
                          const PageRequest& page) {
  return pool.Run<Page<Tuboid>>([&](Connection& conn) -> Result<Page<Tuboid>> {
    // The WHERE clause is assembled from fixed fragments; every value is a bound parameter.
    Params params;
    std::string where = " WHERE true";
    if (filter.project) where += " AND s.project_id = " + params.Add(filter.project->value());
    if (member) {
      where += " AND s.project_id IN (SELECT project_id FROM project_members WHERE user_id = " +
               params.Add(member->value()) + ")";
    }
    if (filter.series) where += " AND s.id = " + params.Add(filter.series->value());
    if (!filter.names.empty()) {
      std::string names;
      for (const std::string& name : filter.names) names += (names.empty() ? "" : ", ") + params.Add(name);
      where += " AND t.name IN (" + names + ")";
    }
    if (!filter.ids.empty()) where += " AND t.id = ANY(" + params.Add(images::IdArray(filter.ids)) + "::bigint[])";
    // Devices are stored lowercase; ILIKE as SQLite's LIKE ignores ASCII case.
    if (filter.device_like) where += " AND s.device ILIKE " + params.Add(*filter.device_like) + " ESCAPE '\\'";
    if (filter.contained_from) where += " AND s.start_at >= " + params.Add(Micros(*filter.contained_from));
    if (filter.contained_to) where += " AND s.end_at <= " + params.Add(Micros(*filter.contained_to));
    if (filter.algorithm) where += " AND s.algorithm = " + params.Add(*filter.algorithm);
    if (filter.algorithm_version) where += " AND s.algorithm_version = " + params.Add(*filter.algorithm_version);
    Page<Tuboid> out;
    {
      Params count_params = params;
      VITRINE_ASSIGN_OR_RETURN(
          auto count,
          conn.Exec("SELECT COUNT(*) FROM tuboids t JOIN tuboid_series s ON s.id = t.series_id" + where, count_params));
      out.total = count.Int(0, 0);
    }
    std::string sql = std::string(kColumns) + where + " ORDER BY s.start_at, s.id, t.index_in_series, t.id";
    sql += " LIMIT " + params.Add(page.limit);
    sql += " OFFSET " + params.Add(page.offset);
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Exec(sql, params));
    for (int r = 0; r < q.size(); ++r) out.items.push_back(ReadTuboid(q, r));
    return out;
  });
}

Result<std::string> Shots(ConnectionPool& pool, TuboidId id) {
  return pool.Run<std::string>([&](Connection& conn) -> Result<std::string> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT shots FROM tuboids WHERE id = $1", id.value()));
    if (q.empty()) return Status::NotFound("tuboid " + std::to_string(id.value()) + " not found");
    return q.Text(0, 0);
  });
}

Status DeleteSeries(ConnectionPool& pool, TuboidSeriesId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("DELETE FROM tuboid_series WHERE id = $1", id.value()));
    if (q.affected() == 0) return Status::NotFound("tuboid series " + std::to_string(id.value()) + " not found");
    return Status::Ok();
  });
}

Result<ItcLabel> InsertLabel(ConnectionPool& pool, const ItcLabel& label) {
  return pool.Run<ItcLabel>([&](Connection& conn) -> Result<ItcLabel> {
    auto inserted = conn.Query(
        "INSERT INTO itc_labels(tuboid_id, algorithm, algorithm_version, label, pattern, type, taxon_order, family,"
        " genus, species, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " RETURNING id",
        label.tuboid_id.value(), label.algorithm, label.algorithm_version, label.label, label.pattern, label.type,
        label.order, label.family, label.genus, label.species, OptionalUser(label.created_by),
        Micros(label.created_at));
    if (!inserted.ok() && inserted.status().code() == ErrorCode::kNotFound) {
      return Status::NotFound("tuboid " + std::to_string(label.tuboid_id.value()) + " not found");
    }
    if (!inserted.ok() && inserted.status().code() == ErrorCode::kConflict) {
      return Status::Conflict("tuboid " + std::to_string(label.tuboid_id.value()) + " has a label of " +
                              label.algorithm + " " + label.algorithm_version + " already");
    }
    VITRINE_RETURN_IF_ERROR(inserted.status());
    ItcLabel stored = label;
    stored.id = ItcLabelId(inserted->Int(0, 0));
    return stored;
  });
}

Result<std::vector<ItcLabel>> ListLabels(ConnectionPool& pool, const std::vector<TuboidId>& tuboids) {
  if (tuboids.empty()) return std::vector<ItcLabel>();
  return pool.Run<std::vector<ItcLabel>>([&](Connection& conn) -> Result<std::vector<ItcLabel>> {
    VITRINE_ASSIGN_OR_RETURN(
        auto q, conn.Query("SELECT id, tuboid_id, algorithm, algorithm_version, label, pattern, type, taxon_order,"
                           " family, genus, species, created_by, created_at FROM itc_labels"
                           " WHERE tuboid_id = ANY($1::bigint[]) ORDER BY tuboid_id, id",
                           images::IdArray(tuboids)));
    std::vector<ItcLabel> out;
    for (int r = 0; r < q.size(); ++r) {
      ItcLabel l;
      l.id = ItcLabelId(q.Int(r, 0));
      l.tuboid_id = TuboidId(q.Int(r, 1));
      l.algorithm = q.Text(r, 2);
      l.algorithm_version = q.Text(r, 3);
      l.label = q.Int(r, 4);
      l.pattern = q.Text(r, 5);
      l.type = q.Text(r, 6);
      l.order = q.OptionalText(r, 7);
      l.family = q.OptionalText(r, 8);
      l.genus = q.OptionalText(r, 9);
      l.species = q.OptionalText(r, 10);
      l.created_by = UserId(q.OptionalInt(r, 11).value_or(0));
      l.created_at = FromMicros(q.Int(r, 12));
      out.push_back(std::move(l));
    }
    return out;
  });
}

}  // namespace vitrine::catalog::postgres::tuboids
