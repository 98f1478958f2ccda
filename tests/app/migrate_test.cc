// CopyStore between backends: every row identical with its id, every blob there and intact, and
// the copy usable through the service. Runs on whatever backends the environment names
// (tests/support/store_urls.h), and always back into a data folder: a round trip.
#include "app/migrate.h"

#include <gtest/gtest.h>

#include "support/sample_images.h"
#include "support/service_fixture.h"
#include "support/store_urls.h"

namespace vitrine::app {
namespace {

using service::Caller;

struct Store {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<blob::BlobStore> blobs;
};

Store Open(const std::string& catalog_url, const std::string& blobs_url) {
  Store s;
  auto c = catalog::OpenCatalog(catalog_url);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (c.ok()) s.catalog = std::move(*c);
  auto b = blob::OpenBlobStore(blobs_url);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (b.ok()) s.blobs = std::move(*b);
  return s;
}

std::vector<catalog::Row> AllRows(catalog::RowCopier& rows, const catalog::TableShape& table) {
  auto read = rows.ReadRows(table, {}, 1'000'000);
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return read.ok() ? *read : std::vector<catalog::Row>{};
}

// Each table of `a` holds exactly the rows of `b`, column by column (columns matched by name).
void ExpectSameRows(catalog::Catalog& a, catalog::Catalog& b) {
  auto tables = a.rows().Tables();
  ASSERT_TRUE(tables.ok());
  for (const auto& table : *tables) {
    auto a_rows = AllRows(a.rows(), table);
    auto b_rows = AllRows(b.rows(), table);
    EXPECT_EQ(a_rows, b_rows) << "table " << table.name;
  }
}

class MigrateTest : public testing::ServiceFixture {
 protected:
  // A bit of everything the catalog holds, made through the service as users would.
  void Populate() {
    Caller owner = AddUser("owner");
    Caller guest = AddUser("guest");
    ASSERT_TRUE(service_->users().CreateApiKey(owner, owner.user_id()).ok());
    ASSERT_TRUE(service_->users().IssueToken(owner, owner.user_id(), std::nullopt).ok());
    auto project = service_->projects().Create(owner, {"Traps", "field season", {{"site", "north"}}});
    ASSERT_TRUE(project.ok()) << project.status().ToString();
    ASSERT_TRUE(service_->projects().PutMember(owner, project->id, guest.user_id(), ProjectRole::kViewer).ok());
    auto ontology = service_->ontologies().Create(owner, "insects");
    ASSERT_TRUE(ontology.ok());
    auto insect = service_->ontologies().CreateTerm(owner, ontology->id, {"insect"});
    auto fly = service_->ontologies().CreateTerm(owner, ontology->id, {"fly", "#ff0000", insect->id});
    ASSERT_TRUE(fly.ok());
    ASSERT_TRUE(service_->ontologies().SetProjectOntology(owner, project->id, ontology->id).ok());
    for (int i = 0; i < 3; ++i) {
      auto path = dir_.path() / ("sample" + std::to_string(i) + ".jpg");
      testing::WriteSampleImage(path, {.width = 200 + i, .height = 100});
      std::string bytes = testing::ReadFileBytes(path);
      core::StringSource source(bytes);
      auto image =
          service_->images().Upload(owner, {project->id, path.filename().string(), {{"n", std::to_string(i)}}}, source);
      ASSERT_TRUE(image.ok()) << image.status().ToString();
      images_.push_back(image->image.id);
    }
    ASSERT_TRUE(service_->images().Thumbnail(owner, images_[0], 128, "jpg").ok());
    service_->images().FlushCaches();
    std::vector<NewAnnotation> shapes;
    for (int i = 0; i < 50; ++i) {
      std::string x = std::to_string(i * 3), y = std::to_string(i);
      shapes.push_back(
          {images_[0],
           "POLYGON((" + x + " " + y + "," + x + " 90," + std::to_string(i * 3 + 2) + " 90," + x + " " + y + "))",
           "",
           false,
           {fly->id},
           {{"i", std::to_string(i)}}});
    }
    ASSERT_TRUE(service_->annotations().Create(owner, shapes).ok());
    NewAnnotationRun run{images_[1], "detector", "1.0", {{"threshold", "0.5"}}, std::nullopt, {}, false};
    run.annotations.push_back({images_[1], "POINT(5 5)"});
    ASSERT_TRUE(service_->annotation_runs().Create(owner, run).ok());
    // A data file: its blob is named by data_files, not images, and must travel too.
    auto data = service_->jobs().BeginData(owner, {project->id, "weights.bin"});
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    ASSERT_TRUE((*data)->Write("model weights, not an image").ok());
    auto stored = (*data)->Finish();
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    data_ = stored->id;
    owner_ = owner;
  }

  Caller owner_ = Caller::LocalOperator();
  std::vector<ImageId> images_;
  DataId data_;
};

TEST_F(MigrateTest, ARoundTripKeepsEveryRowAndBlob) {
  Populate();
  testing::TempDir folder, back;
  // Into a data folder, then from it into a fresh store of the fixture's kind.
  Store copy =
      Open("sqlite://" + (folder.path() / "catalog.db").string(), "file://" + (folder.path() / "blobs").string());
  auto first = CopyStore(*catalog_, *blobs_, *copy.catalog, *copy.blobs, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows.at("annotations"), 51);
  EXPECT_EQ(first->rows.at("images"), 3);
  EXPECT_GE(first->blobs_copied, 4) << "three images and a thumbnail";
  ExpectSameRows(*catalog_, *copy.catalog);

  Store again = Open(testing::TestCatalogUrl(back.path()), testing::TestBlobsUrl(back.path()));
  auto second = CopyStore(*copy.catalog, *copy.blobs, *again.catalog, *again.blobs, {});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ExpectSameRows(*catalog_, *again.catalog);

  // The copy works as a store: same answers through a service over it, new ids after the old.
  service::Service copied(*again.catalog, *again.blobs, clock_, executor_, testing::FastServiceOptions());
  auto image = copied.images().Get(owner_, images_[0]);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->properties.at("n"), "0");
  auto original = service_->images().OpenFile(owner_, images_[0], {});
  auto downloaded = copied.images().OpenFile(owner_, images_[0], {});
  ASSERT_TRUE(downloaded.ok()) << downloaded.status().ToString();
  EXPECT_EQ(*core::ReadAll(*downloaded->body, 1 << 26), *core::ReadAll(*original->body, 1 << 26));
  auto data = copied.jobs().OpenData(owner_, data_, {});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*core::ReadAll(*data->body, 1024), "model weights, not an image");
  AnnotationFilter in_box;
  in_box.images = {images_[0]};
  in_box.bbox = std::array<double, 4>{0, 0, 10, 100};
  auto boxed = copied.annotations().List(owner_, in_box, {});
  auto boxed_before = service_->annotations().List(owner_, in_box, {});
  ASSERT_TRUE(boxed.ok()) << boxed.status().ToString();
  EXPECT_EQ(boxed->total, boxed_before->total) << "the box index of the copy is complete";
  auto more = copied.annotations().Create(owner_, {{images_[0], "POINT(1 1)"}});
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_GT(more->front().value(), 51) << "ids are never handed out again";
}

TEST_F(MigrateTest, ANonEmptyTargetIsRefusedUnlessResuming) {
  Populate();
  testing::TempDir folder;
  Store copy =
      Open("sqlite://" + (folder.path() / "catalog.db").string(), "file://" + (folder.path() / "blobs").string());
  ASSERT_TRUE(CopyStore(*catalog_, *blobs_, *copy.catalog, *copy.blobs, {}).ok());
  auto refused = CopyStore(*catalog_, *blobs_, *copy.catalog, *copy.blobs, {});
  EXPECT_EQ(refused.status().code(), ErrorCode::kConflict);
  MigrationOptions resume;
  resume.resume = true;
  auto resumed = CopyStore(*catalog_, *blobs_, *copy.catalog, *copy.blobs, resume);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->blobs_copied, 0);
  EXPECT_GE(resumed->blobs_already_there, 4);
  ExpectSameRows(*catalog_, *copy.catalog);
}

}  // namespace
}  // namespace vitrine::app
