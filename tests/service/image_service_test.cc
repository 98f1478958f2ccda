#include "service/image_service.h"

#include <gtest/gtest.h>

#include "support/sample_images.h"
#include "support/service_fixture.h"

namespace vitrine::service {
namespace {

using Fixture = vitrine::testing::ServiceFixture;

class ImageServiceTest : public Fixture {
 protected:
  std::string Sample(const testing::SampleOptions& options = {}) {
    auto path = dir_.path() / ("sample" + std::to_string(serial_++) + ".png");
    testing::WriteSampleImage(path, options);
    return testing::ReadFileBytes(path);
  }
  int serial_ = 0;
};

TEST_F(ImageServiceTest, UploadThroughTheServiceReportsDuplicates) {
  Caller owner = AddUser("owner");
  auto project = service_->projects().Create(owner, {"P"});
  std::string bytes = Sample();
  core::StringSource first_source(bytes);
  auto first = service_->images().Upload(owner, {project->id, "a.png", {{"k", "v"}}}, first_source);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->image.properties.at("k"), "v");
  core::StringSource again_source(bytes);
  auto again = service_->images().Upload(owner, {project->id, "b.png", {}}, again_source);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->image.id, first->image.id);
}

TEST_F(ImageServiceTest, HugeFlatImagesAreHeaderCheckedAndThumbnailedOnFirstView) {
  ServiceOptions options = testing::FastServiceOptions();
  options.images.max_ingest_decode_pixels = 1000;  // every sample counts as huge here
  Service service(*catalog_, *blobs_, clock_, executor_, options);
  Caller owner = Caller::ForUser(*service.users().Create(Caller::LocalOperator(), {"big", "password-big"}));
  auto project = service.projects().Create(owner, {"P"});
  std::string bytes = Sample({.width = 400, .height = 100});
  core::StringSource source(bytes);
  auto uploaded = service.images().Upload(owner, {project->id, "wide.png", {}}, source);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status().ToString();
  ImageId id = uploaded->image.id;
  EXPECT_FALSE(catalog_->GetDerivedBlob(id, "thumbnail:256:jpg")->has_value()) << "not decoded during the upload";
  auto thumb = service.images().Thumbnail(owner, id, 256, "jpg");
  ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
  EXPECT_EQ(testing::DecodedSize(thumb->bytes), std::make_pair(256, 64));
  service.images().FlushCaches();
  EXPECT_TRUE(catalog_->GetDerivedBlob(id, "thumbnail:256:jpg")->has_value()) << "cached once made";
}

TEST_F(ImageServiceTest, DamagedCachedThumbnailsAreRemade) {
  Caller owner = AddUser("owner");
  auto project = service_->projects().Create(owner, {"P"});
  std::string bytes = Sample();
  core::StringSource source(bytes);
  auto uploaded = service_->images().Upload(owner, {project->id, "a.png", {}}, source);
  ASSERT_TRUE(uploaded.ok());
  // Point the cache entry at a blob whose bytes do not match its name.
  core::StringSource junk("not a thumbnail");
  auto junk_ref = blobs_->Put(junk, 100);
  std::string wrong_name(64, 'e');
  auto path = blobs_->LocalPath(junk_ref->sha256);
  std::filesystem::create_directories((dir_.path() / "blobs" / "objects" / "ee" / "ee"));
  std::filesystem::copy_file(*path, dir_.path() / "blobs" / "objects" / "ee" / "ee" / wrong_name);
  ASSERT_TRUE(catalog_->PutDerivedBlob(uploaded->image.id, "thumbnail:256:jpg", wrong_name, clock_.Now()).ok());
  auto thumb = service_->images().Thumbnail(owner, uploaded->image.id, 256, "jpg");
  ASSERT_TRUE(thumb.ok());
  EXPECT_NE(testing::DecodedSize(thumb->bytes).first, 0) << "a real thumbnail, not the damaged bytes";
}

TEST_F(ImageServiceTest, AttackUploadADecompressionBomb) {
  ServiceOptions options = testing::FastServiceOptions();
  options.images.max_flat_pixels = 320 * 240 - 1;  // the sample is one pixel too many
  Service service(*catalog_, *blobs_, clock_, executor_, options);
  Caller owner = Caller::ForUser(*service.users().Create(Caller::LocalOperator(), {"big", "password-big"}));
  auto project = service.projects().Create(owner, {"P"});
  std::string bytes = Sample();
  core::StringSource source(bytes);
  auto uploaded = service.images().Upload(owner, {project->id, "bomb.png", {}}, source);
  EXPECT_EQ(uploaded.status().code(), ErrorCode::kTooLarge) << uploaded.status().ToString();
  EXPECT_NE(uploaded.status().message().find("--max-flat-pixels"), std::string::npos);
  auto listed = catalog_->ListImages({project->id, std::nullopt}, {}, {});
  EXPECT_EQ(listed.ok() ? listed->total : -1, 0) << "nothing stored";

  // A header claiming more pixels than 64 bits hold is refused, not wrapped into a small count.
  imaging::ImageInfo huge;
  huge.width = huge.height = std::int64_t{1} << 31;
  huge.planes = 1 << 30;
  huge.levels = 8;
  EXPECT_EQ(CheckPixelCount(huge, ImageOptions()).code(), ErrorCode::kTooLarge);
  huge.width = huge.height = 100'000;
  huge.planes = 1;
  EXPECT_TRUE(CheckPixelCount(huge, ImageOptions()).ok()) << "a 100k x 100k slide with levels is fine";
  huge.levels = 1;
  EXPECT_EQ(CheckPixelCount(huge, ImageOptions()).code(), ErrorCode::kTooLarge) << "but not flat";
}

TEST_F(ImageServiceTest, AnUploadThatCannotFitIsRefusedBeforeItsBytes) {
  Caller owner = AddUser("owner");
  auto project = service_->projects().Create(owner, {"P"});
  UploadRequest request{project->id, "huge.tif", {}};
  request.expected_bytes = std::int64_t{1} << 60;
  auto upload = service_->images().BeginUpload(owner, request);
  EXPECT_EQ(upload.status().code(), ErrorCode::kInsufficientStorage) << upload.status().ToString();
}

}  // namespace
}  // namespace vitrine::service
