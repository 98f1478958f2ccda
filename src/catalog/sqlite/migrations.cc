#include "catalog/sqlite/migrations.h"

namespace vitrine::catalog::sqlite {

const std::vector<Migration>& AllMigrations() {
  // Times are microseconds since the Unix epoch, UTC. Never edit a released migration: add one.
  static const std::vector<Migration> kMigrations = {
      {1, "users, credentials, projects and members", R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  admin         INTEGER NOT NULL DEFAULT 0,
  enabled       INTEGER NOT NULL DEFAULT 1,
  password_hash TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  public_key  TEXT NOT NULL UNIQUE,
  private_key TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
CREATE TABLE bearer_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX bearer_tokens_by_user ON bearer_tokens(user_id);
CREATE TABLE projects (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE project_members (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX project_members_by_user ON project_members(user_id, project_id);
)sql"},
      {2, "images, their properties and derived blobs", R"sql(
CREATE TABLE images (
  id              INTEGER PRIMARY KEY,
  project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  blob_sha256     TEXT NOT NULL,
  md5             TEXT NOT NULL,
  size_bytes      INTEGER NOT NULL,
  filename        TEXT NOT NULL,
  format          TEXT NOT NULL,
  mime_type       TEXT NOT NULL,
  width           INTEGER NOT NULL,
  height          INTEGER NOT NULL,
  channels        INTEGER NOT NULL,
  bit_depth       INTEGER NOT NULL,
  planes          INTEGER NOT NULL,
  levels          INTEGER NOT NULL,
  pixel_size_x_um REAL,
  pixel_size_y_um REAL,
  magnification   REAL,
  device          TEXT,
  captured_at     INTEGER,
  created_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (project_id, blob_sha256)
);
CREATE INDEX images_by_project_capture ON images(project_id, captured_at, id);
CREATE INDEX images_by_device_capture ON images(device, captured_at, id);
CREATE INDEX images_by_blob ON images(blob_sha256);
CREATE TABLE image_properties (
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (image_id, key)
) WITHOUT ROWID;
CREATE INDEX image_properties_by_key ON image_properties(key, value);
CREATE TABLE image_derivatives (
  image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (image_id, kind)
) WITHOUT ROWID;
CREATE INDEX image_derivatives_by_blob ON image_derivatives(blob_sha256);
)sql"},
      {3, "annotations with a spatial index and properties", R"sql(
CREATE TABLE annotations (
  id                INTEGER PRIMARY KEY,
  project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  image_id          INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  geometry          BLOB NOT NULL,
  geometry_type     TEXT NOT NULL,
  x0                REAL NOT NULL,
  y0                REAL NOT NULL,
  x1                REAL NOT NULL,
  y1                REAL NOT NULL,
  area              REAL NOT NULL,
  perimeter         REAL NOT NULL,
  centroid_x        REAL NOT NULL,
  centroid_y        REAL NOT NULL,
  vertex_count      INTEGER NOT NULL,
  created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  algorithm         TEXT,
  algorithm_version TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX annotations_by_image ON annotations(image_id, id);
CREATE INDEX annotations_by_project ON annotations(project_id, id);
CREATE INDEX annotations_by_algorithm ON annotations(algorithm, algorithm_version, image_id);
-- Integer boxes, rounded outwards; the exact REAL box is checked after. Each image's boxes are
-- shifted into their own slot of the plane (see annotation_queries.cc), so a query in one image
-- does not wade through the others' shapes. (An image dimension instead wrecks the tree: every
-- entry has the same value there, and queries got 100x slower.)
CREATE VIRTUAL TABLE annotation_boxes USING rtree_i32(id, x0, x1, y0, y1, +image_id);
CREATE TRIGGER annotation_boxes_follow_deletes AFTER DELETE ON annotations BEGIN
  DELETE FROM annotation_boxes WHERE id = old.id;
END;
CREATE TABLE annotation_properties (
  annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  PRIMARY KEY (annotation_id, key)
) WITHOUT ROWID;
CREATE INDEX annotation_properties_by_key ON annotation_properties(key, value);
)sql"},
      {4, "ontologies, terms, and the terms of annotations", R"sql(
CREATE TABLE ontologies (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE terms (
  id          INTEGER PRIMARY KEY,
  ontology_id INTEGER NOT NULL REFERENCES ontologies(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  color       TEXT NOT NULL,
  parent_id   INTEGER REFERENCES terms(id),
  UNIQUE (ontology_id, name COLLATE NOCASE)
);
CREATE INDEX terms_by_parent ON terms(parent_id);
CREATE TABLE project_ontologies (
  project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  ontology_id INTEGER NOT NULL REFERENCES ontologies(id)
);
CREATE INDEX project_ontologies_by_ontology ON project_ontologies(ontology_id);
CREATE TABLE annotation_terms (
  annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
  term_id       INTEGER NOT NULL REFERENCES terms(id),
  PRIMARY KEY (annotation_id, term_id)
) WITHOUT ROWID;
CREATE INDEX annotation_terms_by_term ON annotation_terms(term_id, annotation_id);
)sql"},
      {5, "annotation boxes indexed in buckets", R"sql(
-- The R*Tree holds one box per bucket: up to 16 annotations of one image inserted together and
-- near each other. A batch of 10,000 scattered shapes then adds ~600 tree entries instead of
-- 10,000 and no longer rewrites most of a large tree; the exact boxes sit in a table keyed by
-- bucket, which grows at its end. (Per-annotation entries capped bulk inserts near 30,000/s at
-- a million shapes: each commit rewrote ~25 MB of tree pages.)
ALTER TABLE annotations ADD COLUMN bucket_id INTEGER;
CREATE VIRTUAL TABLE annotation_buckets USING rtree_i32(id, x0, x1, y0, y1, +image_id);
CREATE TABLE annotation_extents (
  bucket_id INTEGER NOT NULL,
  id        INTEGER NOT NULL,
  x0        REAL NOT NULL,
  y0        REAL NOT NULL,
  x1        REAL NOT NULL,
  y1        REAL NOT NULL,
  PRIMARY KEY (bucket_id, id)
) WITHOUT ROWID;
-- Annotations stored before this version get a bucket each, numbered like themselves.
INSERT INTO annotation_buckets(id, x0, x1, y0, y1, image_id) SELECT id, x0, x1, y0, y1, image_id FROM annotation_boxes;
UPDATE annotations SET bucket_id = id;
INSERT INTO annotation_extents(bucket_id, id, x0, y0, x1, y1) SELECT id, id, x0, y0, x1, y1 FROM annotations;
DROP TRIGGER annotation_boxes_follow_deletes;
DROP TABLE annotation_boxes;
-- A bucket's box stays as it was when members leave (still a superset); it goes with its last.
CREATE TRIGGER annotation_extents_follow_deletes AFTER DELETE ON annotations BEGIN
  DELETE FROM annotation_extents WHERE bucket_id = old.bucket_id AND id = old.id;
  DELETE FROM annotation_buckets WHERE id = old.bucket_id
    AND NOT EXISTS (SELECT 1 FROM annotation_extents WHERE bucket_id = old.bucket_id);
END;
)sql"},
      {6, "project properties", R"sql(
CREATE TABLE project_properties (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
CREATE INDEX project_properties_by_key ON project_properties(key, value);
)sql"},
      {7, "annotation runs: one algorithm version's results on one image", R"sql(
-- AUTOINCREMENT: a replaced run's id is never handed out again.
CREATE TABLE annotation_runs (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  image_id          INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  algorithm         TEXT NOT NULL,
  algorithm_version TEXT NOT NULL,
  created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (image_id, algorithm, algorithm_version)
);
CREATE INDEX annotation_runs_by_project ON annotation_runs(project_id, id);
CREATE INDEX annotation_runs_by_algorithm ON annotation_runs(algorithm, algorithm_version, image_id);
CREATE TABLE annotation_run_properties (
  annotation_run_id INTEGER NOT NULL REFERENCES annotation_runs(id) ON DELETE CASCADE,
  key               TEXT NOT NULL,
  value             TEXT NOT NULL,
  PRIMARY KEY (annotation_run_id, key)
) WITHOUT ROWID;
CREATE INDEX annotation_run_properties_by_key ON annotation_run_properties(key, value);
-- A run's annotations go with it.
ALTER TABLE annotations ADD COLUMN run_id INTEGER REFERENCES annotation_runs(id) ON DELETE CASCADE;
-- Partial indexes: a bulk insert of hand-drawn shapes (no algorithm, no run) adds no entry to
-- them. Queries on these columns compare them with a value, which implies IS NOT NULL.
CREATE INDEX annotations_by_run ON annotations(run_id) WHERE run_id IS NOT NULL;
DROP INDEX annotations_by_algorithm;
CREATE INDEX annotations_by_algorithm ON annotations(algorithm, algorithm_version, image_id)
  WHERE algorithm IS NOT NULL;
)sql"},
      {8, "ids of projects, images and annotations are never handed out again", R"sql(
-- Without AUTOINCREMENT, SQLite gives a new row the largest id + 1, so deleting the newest row
-- freed its id for the next one: browsers' cached views and outside references would silently
-- point at another image. SQLite cannot add AUTOINCREMENT to a table: each is rebuilt (its
-- rows copied in id order; sqlite_sequence starts at the largest id kept).
CREATE TABLE projects_new (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
INSERT INTO projects_new SELECT id, name, description, created_by, created_at, updated_at FROM projects ORDER BY id;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;

CREATE TABLE images_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  blob_sha256     TEXT NOT NULL,
  md5             TEXT NOT NULL,
  size_bytes      INTEGER NOT NULL,
  filename        TEXT NOT NULL,
  format          TEXT NOT NULL,
  mime_type       TEXT NOT NULL,
  width           INTEGER NOT NULL,
  height          INTEGER NOT NULL,
  channels        INTEGER NOT NULL,
  bit_depth       INTEGER NOT NULL,
  planes          INTEGER NOT NULL,
  levels          INTEGER NOT NULL,
  pixel_size_x_um REAL,
  pixel_size_y_um REAL,
  magnification   REAL,
  device          TEXT,
  captured_at     INTEGER,
  created_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (project_id, blob_sha256)
);
INSERT INTO images_new SELECT id, project_id, blob_sha256, md5, size_bytes, filename, format, mime_type, width, height,
  channels, bit_depth, planes, levels, pixel_size_x_um, pixel_size_y_um, magnification, device, captured_at, created_by,
  created_at FROM images ORDER BY id;
DROP TABLE images;
ALTER TABLE images_new RENAME TO images;
CREATE INDEX images_by_project_capture ON images(project_id, captured_at, id);
CREATE INDEX images_by_device_capture ON images(device, captured_at, id);
CREATE INDEX images_by_blob ON images(blob_sha256);

CREATE TABLE annotations_new (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  image_id          INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  geometry          BLOB NOT NULL,
  geometry_type     TEXT NOT NULL,
  x0                REAL NOT NULL,
  y0                REAL NOT NULL,
  x1                REAL NOT NULL,
  y1                REAL NOT NULL,
  area              REAL NOT NULL,
  perimeter         REAL NOT NULL,
  centroid_x        REAL NOT NULL,
  centroid_y        REAL NOT NULL,
  vertex_count      INTEGER NOT NULL,
  created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  algorithm         TEXT,
  algorithm_version TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  bucket_id         INTEGER,
  run_id            INTEGER REFERENCES annotation_runs(id) ON DELETE CASCADE
);
INSERT INTO annotations_new SELECT id, project_id, image_id, geometry, geometry_type, x0, y0, x1, y1, area, perimeter,
  centroid_x, centroid_y, vertex_count, created_by, algorithm, algorithm_version, created_at, updated_at, bucket_id,
  run_id FROM annotations ORDER BY id;
DROP TABLE annotations;
ALTER TABLE annotations_new RENAME TO annotations;
CREATE INDEX annotations_by_image ON annotations(image_id, id);
CREATE INDEX annotations_by_project ON annotations(project_id, id);
CREATE INDEX annotations_by_run ON annotations(run_id) WHERE run_id IS NOT NULL;
CREATE INDEX annotations_by_algorithm ON annotations(algorithm, algorithm_version, image_id)
  WHERE algorithm IS NOT NULL;
CREATE TRIGGER annotation_extents_follow_deletes AFTER DELETE ON annotations BEGIN
  DELETE FROM annotation_extents WHERE bucket_id = old.bucket_id AND id = old.id;
  DELETE FROM annotation_buckets WHERE id = old.bucket_id
    AND NOT EXISTS (SELECT 1 FROM annotation_extents WHERE bucket_id = old.bucket_id);
END;
)sql",
       /*rebuilds_tables=*/true},
      {9, "analytics, data files, jobs (the queue), workers and job-scoped tokens", R"sql(
ALTER TABLE users ADD COLUMN worker INTEGER NOT NULL DEFAULT 0;
CREATE TABLE analytics (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL,
  version       TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  builtin       INTEGER NOT NULL DEFAULT 0,
  supports_cpu  INTEGER NOT NULL DEFAULT 1,
  supports_gpu  INTEGER NOT NULL DEFAULT 0,
  doc           TEXT NOT NULL,
  bundle_sha256 TEXT,
  created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE data_files (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX data_files_by_project ON data_files(project_id, id);
CREATE INDEX data_files_by_sha256 ON data_files(sha256);
CREATE INDEX data_files_by_expiry ON data_files(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  analytic_id      INTEGER NOT NULL REFERENCES analytics(id),
  analytic         TEXT NOT NULL,
  analytic_version TEXT NOT NULL,
  name             TEXT NOT NULL DEFAULT '',
  created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
  state            TEXT NOT NULL,
  failure_type     TEXT NOT NULL DEFAULT 'NONE',
  failure_reason   TEXT NOT NULL DEFAULT '',
  inputs           TEXT NOT NULL,
  parameters       TEXT NOT NULL,
  auto_start       INTEGER NOT NULL DEFAULT 0,
  archived         INTEGER NOT NULL DEFAULT 0,
  kill_requested   INTEGER NOT NULL DEFAULT 0,
  progress         INTEGER NOT NULL DEFAULT 0,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  worker           TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER,
  log_bytes        INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  queued_at        INTEGER,
  started_at       INTEGER,
  completed_at     INTEGER,
  failed_at        INTEGER,
  expires_at       INTEGER,
  messages         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX jobs_by_project ON jobs(project_id, created_at);
CREATE INDEX jobs_by_analytic ON jobs(analytic_id);
CREATE INDEX jobs_queued ON jobs(queued_at, id) WHERE state = 'QUEUED';
CREATE INDEX jobs_leased ON jobs(lease_expires_at) WHERE state IN ('SCHEDULED', 'RUNNING');
CREATE TABLE job_outputs (
  job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  type       TEXT NOT NULL,
  filename   TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  PRIMARY KEY (job_id, name)
) WITHOUT ROWID;
CREATE INDEX job_outputs_by_sha256 ON job_outputs(sha256);
CREATE TABLE job_logs (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq    INTEGER NOT NULL,
  text   TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
ALTER TABLE bearer_tokens ADD COLUMN project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE;
ALTER TABLE bearer_tokens ADD COLUMN job_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE;
)sql"},
      {10, "a job's tokens found by job (revoked at every job's end, and cascaded on delete)", R"sql(
CREATE INDEX bearer_tokens_by_job ON bearer_tokens(job_id) WHERE job_id IS NOT NULL;
)sql"},
      {11, "data files keep their S3-style ETag (ML bundles are synchronised by it)", R"sql(
ALTER TABLE data_files ADD COLUMN etag TEXT NOT NULL DEFAULT '';
CREATE INDEX data_files_by_name ON data_files(project_id, name);
)sql"},
      {12, "Sticky Pi's tuboid series, tuboids and their ITC labels", R"sql(
CREATE TABLE tuboid_series (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  device            TEXT NOT NULL,
  start_at          INTEGER NOT NULL,
  end_at            INTEGER NOT NULL,
  algorithm         TEXT NOT NULL,
  algorithm_version TEXT NOT NULL,
  n_images          INTEGER NOT NULL,
  n_tuboids         INTEGER NOT NULL,
  created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (project_id, device, start_at, end_at, algorithm, algorithm_version)
);
CREATE INDEX tuboid_series_by_device ON tuboid_series(device, start_at);
CREATE TABLE tuboids (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  series_id        INTEGER NOT NULL REFERENCES tuboid_series(id) ON DELETE CASCADE,
  project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  index_in_series  INTEGER NOT NULL,
  start_at         INTEGER NOT NULL,
  end_at           INTEGER NOT NULL,
  n_shots          INTEGER NOT NULL,
  shots            TEXT NOT NULL,
  tiles_image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  context_image_id INTEGER REFERENCES images(id) ON DELETE SET NULL,
  created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at       INTEGER NOT NULL,
  UNIQUE (project_id, name)
);
CREATE INDEX tuboids_by_series ON tuboids(series_id, index_in_series);
CREATE INDEX tuboids_by_tiles ON tuboids(tiles_image_id);
CREATE INDEX tuboids_by_context ON tuboids(context_image_id);
CREATE TABLE itc_labels (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  tuboid_id         INTEGER NOT NULL REFERENCES tuboids(id) ON DELETE CASCADE,
  algorithm         TEXT NOT NULL,
  algorithm_version TEXT NOT NULL,
  label             INTEGER NOT NULL,
  pattern           TEXT NOT NULL,
  type              TEXT NOT NULL,
  taxon_order       TEXT,
  family            TEXT,
  genus             TEXT,
  species           TEXT,
  created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (tuboid_id, algorithm, algorithm_version)
);
)sql"},
      {13, "detector leases on images (Sticky Pi's get_images_to_annotate)", R"sql(
CREATE TABLE annotation_leases (
  image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  algorithm  TEXT NOT NULL,
  leased_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  leased_at  INTEGER NOT NULL,
  PRIMARY KEY (image_id, algorithm)
);
CREATE INDEX annotation_leases_by_time ON annotation_leases(leased_at);
)sql"},
      {14, "Sticky Pi's project series: a project's device x time-range rows and their own columns", R"sql(
CREATE TABLE project_series_columns (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  sql_type   TEXT NOT NULL,
  position   INTEGER NOT NULL,
  PRIMARY KEY (project_id, name)
);
CREATE TABLE project_series (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  device     TEXT NOT NULL,
  start_at   INTEGER NOT NULL,
  end_at     INTEGER NOT NULL,
  UNIQUE (project_id, device, start_at, end_at)
);
CREATE TABLE project_series_values (
  series_id  INTEGER NOT NULL REFERENCES project_series(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (series_id, name)
);
)sql"},
  };
  return kMigrations;
}

Result<int> CurrentVersion(Connection& conn) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? static_cast<int>(q.Int(0)) : 0;
}

namespace {

Status Record(Connection& conn, const Migration& m, std::int64_t now_us) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement ins, conn.Prepare("INSERT INTO schema_migrations(version, description, applied_at) VALUES (?, ?, ?)"));
  return ins.Bind(m.version, m.description, now_us).Run();
}

// Runs a table-rebuilding migration in its own transaction (foreign keys already off), and
// commits only if every reference still finds its row.
Status ApplyRebuild(Connection& conn, const Migration& m, std::int64_t now_us) {
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
  VITRINE_ASSIGN_OR_RETURN(int current, CurrentVersion(conn));
  if (m.version <= current) return Status::Ok();
  VITRINE_RETURN_IF_ERROR(conn.Exec(m.sql));
  VITRINE_ASSIGN_OR_RETURN(Statement check, conn.Prepare("PRAGMA foreign_key_check"));
  VITRINE_ASSIGN_OR_RETURN(bool broken, check.Step());
  if (broken) {
    return Status::Internal("migration " + std::to_string(m.version) + " would leave a reference from " +
                            check.Text(0) + " dangling; nothing was changed");
  }
  VITRINE_RETURN_IF_ERROR(Record(conn, m, now_us));
  return tx.Commit();
}

}  // namespace

Status Migrate(Connection& conn, std::int64_t now_us) {
  VITRINE_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  const auto& all = AllMigrations();
  for (const Migration& m : all) {
    // The version is read again inside each write transaction: two processes opening the same
    // fresh catalog at once must not both apply a migration.
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(int current, CurrentVersion(conn));
    if (current > all.back().version) {
      return Status::Unsupported("catalog schema version " + std::to_string(current) + " is newer than this vitrine (" +
                                 std::to_string(all.back().version) + "); upgrade vitrine");
    }
    if (m.version <= current) continue;
    if (m.rebuilds_tables) {
      // The pragma is ignored inside a transaction: end it, switch, and begin again (the
      // version is read once more, in case another process migrated meanwhile).
      VITRINE_RETURN_IF_ERROR(tx.Commit());
      VITRINE_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys=OFF"));
      Status rebuilt = ApplyRebuild(conn, m, now_us);
      VITRINE_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys=ON"));
      VITRINE_RETURN_IF_ERROR(rebuilt);
      continue;
    }
    VITRINE_RETURN_IF_ERROR(conn.Exec(m.sql));
    VITRINE_RETURN_IF_ERROR(Record(conn, m, now_us));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

}  // namespace vitrine::catalog::sqlite
