// A catalog written before annotation buckets (schema 4) keeps finding, listing and deleting its
// annotations after the upgrade.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "catalog/sqlite/connection.h"
#include "catalog/sqlite/migrations.h"
#include "support/temp_dir.h"

namespace vitrine::catalog {
namespace {

using vitrine::testing::TempDir;

constexpr int kVersionBeforeBuckets = 4;

// Image 1's slot of the R*Tree plane, as schema 4 stored it: slot 1 is one slot to the right.
std::int64_t PlaneX(double x) { return static_cast<std::int64_t>(x) + 262144 - 2147483648LL; }
std::int64_t PlaneY(double y) { return static_cast<std::int64_t>(y) - 2147483648LL; }

void WriteSchemaFourCatalog(const std::filesystem::path& file) {
  auto conn = sqlite::Connection::Open(file);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)
                  ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                         " applied_at INTEGER NOT NULL)")
                  .ok());
  for (const auto& m : sqlite::AllMigrations()) {
    if (m.version > kVersionBeforeBuckets) break;
    ASSERT_TRUE((*conn)->Exec(m.sql).ok()) << m.description;
    ASSERT_TRUE(
        (*conn)->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'old', 0)").ok());
  }
  ASSERT_TRUE((*conn)
                  ->Exec("INSERT INTO users(id, username, created_at) VALUES (1, 'old', 0);"
                         "INSERT INTO projects(id, name, created_by, created_at, updated_at) VALUES (1, 'p', 1, 0, 0);"
                         "INSERT INTO images(id, project_id, blob_sha256, md5, size_bytes, filename, format, "
                         "mime_type, width, height,"
                         " channels, bit_depth, planes, levels, created_at) VALUES (1, 1, 'aa', 'bb', 1, 'a.png', "
                         "'png', 'image/png',"
                         " 1000, 1000, 1, 8, 1, 1, 0);")
                  .ok());
  const double boxes[3][4] = {{10, 10, 20, 20}, {500, 500, 600, 600}, {15, 15, 700, 700}};
  for (int i = 0; i < 3; ++i) {
    const auto& b = boxes[i];
    const std::string id = std::to_string(i + 1);
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO annotations(id, project_id, image_id, geometry, geometry_type, x0, y0, x1, y1, "
                           "area, perimeter,"
                           " centroid_x, centroid_y, vertex_count, created_by, created_at, updated_at) VALUES (" +
                           id + ", 1, 1, X'00', 'Polygon', " + std::to_string(b[0]) + ", " + std::to_string(b[1]) +
                           ", " + std::to_string(b[2]) + ", " + std::to_string(b[3]) +
                           ", 1, 4, 0, 0, 5, 1, 0, 0);"
                           "INSERT INTO annotation_boxes VALUES (" +
                           id + ", " + std::to_string(PlaneX(b[0])) + ", " + std::to_string(PlaneX(b[2])) + ", " +
                           std::to_string(PlaneY(b[1])) + ", " + std::to_string(PlaneY(b[3])) + ", 1);")
                    .ok());
  }
}

std::vector<std::int64_t> IdsMeeting(Catalog& catalog, std::array<double, 4> box) {
  AnnotationFilter filter;
  filter.images = {ImageId(1)};
  filter.bbox = box;
  auto page = catalog.ListAnnotations(filter, PageRequest{}, AnnotationColumns{});
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  std::vector<std::int64_t> ids;
  if (page.ok()) {
    for (const auto& row : page->items) ids.push_back(row.annotation.id.value());
  }
  return ids;
}

TEST(AnnotationBucketMigration, OldAnnotationsAreFoundAndDeletedAfterUpgrade) {
  TempDir dir;
  const auto file = dir.path() / "catalog.db";
  ASSERT_NO_FATAL_FAILURE(WriteSchemaFourCatalog(file));

  auto catalog = OpenCatalog(file.string());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  EXPECT_EQ(IdsMeeting(**catalog, {0, 0, 12, 12}), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(IdsMeeting(**catalog, {18, 18, 30, 30}), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(IdsMeeting(**catalog, {650, 650, 800, 800}), (std::vector<std::int64_t>{3}));

  ASSERT_TRUE((*catalog)->DeleteAnnotation(AnnotationId(3)).ok());
  EXPECT_EQ(IdsMeeting(**catalog, {18, 18, 30, 30}), (std::vector<std::int64_t>{1}));

  // New shapes share the index with the migrated ones.
  AnnotationRow row;
  row.annotation.project_id = ProjectId(1);
  row.annotation.image_id = ImageId(1);
  row.annotation.geometry_type = "Point";
  row.annotation.bbox = {25, 25, 25, 25};
  row.wkb = std::string(1, '\0');
  auto added = (*catalog)->InsertAnnotations({row});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(IdsMeeting(**catalog, {18, 18, 30, 30}), (std::vector<std::int64_t>{1, added->front().value()}));
  EXPECT_EQ(added->front().value(), 4) << "the deleted annotation 3's id is not handed out again";

  auto buckets = sqlite::Connection::Open(file);
  ASSERT_TRUE(buckets.ok());
  auto left = (*buckets)->Prepare("SELECT COUNT(*) FROM annotation_buckets");
  ASSERT_TRUE(left.ok());
  auto stepped = left->Step();
  ASSERT_TRUE(stepped.ok() && *stepped);
  EXPECT_EQ(left->Int(0), 3) << "the deleted annotation's bucket goes with it";
}

}  // namespace
}  // namespace vitrine::catalog
