// One suite for the BlobStore interface, instantiated for every implementation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "blob/blob_store.h"
#include "core/digest.h"
#include "support/store_urls.h"
#include "support/temp_dir.h"

namespace vitrine::blob {
namespace {

using vitrine::testing::TempDir;

struct StoreUnderTest {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<BlobStore> store;
};
using StoreMaker = std::function<StoreUnderTest()>;

StoreUnderTest MakeTempFsStore() {
  StoreUnderTest s{std::make_unique<TempDir>(), nullptr};
  auto opened = OpenBlobStore("file://" + (s.dir->path() / "blobs").string());
  if (!opened.ok())
    ADD_FAILURE() << opened.status().ToString();
  else
    s.store = std::move(*opened);
  return s;
}

// A fresh prefix of VITRINE_TEST_S3's bucket (tests/support/services.sh --s3), its cache in a
// temporary folder.
StoreUnderTest MakeTempS3Store() {
  StoreUnderTest s{std::make_unique<TempDir>(), nullptr};
  auto opened = OpenBlobStore(vitrine::testing::TestBlobsUrl(s.dir->path()));
  if (!opened.ok())
    ADD_FAILURE() << opened.status().ToString();
  else
    s.store = std::move(*opened);
  return s;
}

// The S3 instantiation only when a server is there to run it on.
std::vector<StoreMaker> S3Makers() {
  const char* server = std::getenv("VITRINE_TEST_S3");
  if (server == nullptr || *server == '\0') return {};
  return {MakeTempS3Store};
}

std::string ReadRange(BlobStore& store, const std::string& sha, ByteRange range) {
  auto source = store.Open(sha, range);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return "";
  return *core::ReadAll(**source, 1 << 30);
}

class BlobStoreConformance : public ::testing::TestWithParam<StoreMaker> {
 protected:
  void SetUp() override {
    under_test_ = GetParam()();
    ASSERT_NE(under_test_.store, nullptr);
  }
  BlobStore& store() { return *under_test_.store; }
  BlobRef PutString(const std::string& data) {
    core::StringSource source(data);
    auto ref = store().Put(source, 1 << 30);
    EXPECT_TRUE(ref.ok()) << ref.status().ToString();
    return *ref;
  }
  StoreUnderTest under_test_;
};

TEST_P(BlobStoreConformance, PutAddressesByContentAndComputesBothDigests) {
  BlobRef ref = PutString("abc");
  EXPECT_EQ(ref.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ref.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(ref.size, 3);
  EXPECT_EQ(ReadRange(store(), ref.sha256, {}), "abc");
  EXPECT_EQ(*store().Size(ref.sha256), 3);
  EXPECT_EQ(PutString("abc").sha256, ref.sha256) << "same content, same blob";
}

TEST_P(BlobStoreConformance, RangesReadTheRightBytes) {
  std::string data;
  for (int i = 0; i < 300000; ++i) data.push_back(static_cast<char>(i * 7));
  BlobRef ref = PutString(data);
  EXPECT_EQ(ReadRange(store(), ref.sha256, {0, 10}), data.substr(0, 10));
  EXPECT_EQ(ReadRange(store(), ref.sha256, {299990, -1}), data.substr(299990));
  EXPECT_EQ(ReadRange(store(), ref.sha256, {123456, 100000}), data.substr(123456, 100000));
  EXPECT_EQ(ReadRange(store(), ref.sha256, {299999, 50}), data.substr(299999));
  EXPECT_EQ(ReadRange(store(), ref.sha256, {300000, 5}), "");
  EXPECT_EQ(store().Open(ref.sha256, {300001, 1}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(BlobStoreConformance, LimitIsEnforcedAndNothingIsPublished) {
  std::string data(1000, 'z');
  core::StringSource source(data);
  EXPECT_EQ(store().Put(source, 999).status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(store().Size(core::Sha256Hex(data)).status().code(), ErrorCode::kNotFound);
}

TEST_P(BlobStoreConformance, AbandonedWriterLeavesNothingVisible) {
  {
    auto writer = store().StartPut(1 << 20);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("half written").ok());
  }
  EXPECT_EQ(store().Size(core::Sha256Hex("half written")).status().code(), ErrorCode::kNotFound);
}

TEST_P(BlobStoreConformance, MissingAndMalformedIdsAreRefused) {
  std::string missing(64, 'a');
  EXPECT_EQ(store().Open(missing, {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().Delete(missing).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().Open("../../etc/passwd", {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().Size(std::string(64, 'G')).status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(BlobStoreConformance, GarbageCollectionRemovesOnlyUnreferencedBlobsPastGrace) {
  BlobRef keep = PutString("keep me");
  BlobRef drop = PutString("drop me");
  auto referenced = [&](std::string_view sha) -> Result<bool> { return sha == keep.sha256; };
  auto young = store().CollectGarbage(referenced, std::chrono::hours(1));
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(young->blobs_removed, 0) << "blobs younger than the grace period survive";
  auto report = store().CollectGarbage(referenced, std::chrono::seconds(-1));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->blobs_examined, 2);
  EXPECT_EQ(report->blobs_removed, 1);
  EXPECT_EQ(report->bytes_removed, drop.size);
  EXPECT_TRUE(store().Size(keep.sha256).ok());
  EXPECT_EQ(store().Size(drop.sha256).status().code(), ErrorCode::kNotFound);
}

TEST_P(BlobStoreConformance, GarbageCollectionStopsOnCatalogErrors) {
  BlobRef ref = PutString("precious");
  auto failing = [](std::string_view) -> Result<bool> { return Status::Unavailable("catalog busy"); };
  EXPECT_EQ(store().CollectGarbage(failing, std::chrono::seconds(-1)).status().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(store().Size(ref.sha256).ok()) << "an unanswered reference check must never delete";
}

TEST_P(BlobStoreConformance, ConcurrentPutsOfSameContentAgree) {
  std::string data(100000, 'q');
  std::vector<std::thread> threads;
  std::vector<std::string> shas(8);
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { shas[i] = PutString(data).sha256; });
  for (auto& t : threads) t.join();
  for (const auto& s : shas) EXPECT_EQ(s, shas[0]);
  EXPECT_EQ(ReadRange(store(), shas[0], {}), data);
}

INSTANTIATE_TEST_SUITE_P(FileSystem, BlobStoreConformance, ::testing::Values(MakeTempFsStore),
                         [](const auto&) { return std::string("TempDir"); });
// Empty without VITRINE_TEST_S3: `ctest -R store_tests_s3` runs it under tests/support/services.sh.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BlobStoreConformance);
INSTANTIATE_TEST_SUITE_P(S3, BlobStoreConformance, ::testing::ValuesIn(S3Makers()),
                         [](const auto&) { return std::string("Moto"); });

TEST(FsBlobStoreTest, CrashLeftoversInTmpAreCollectedNotPublished) {
  TempDir dir;
  auto store = OpenBlobStore((dir.path() / "b").string());
  ASSERT_TRUE(store.ok());
  // A temp file as a crash mid-upload would leave it.
  std::filesystem::path leftover = dir.path() / "b" / "tmp" / "crash.part";
  { std::ofstream(leftover) << "partial"; }
  auto report =
      (*store)->CollectGarbage([](std::string_view) -> Result<bool> { return true; }, std::chrono::seconds(-1));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->temp_files_removed, 1);
  EXPECT_FALSE(std::filesystem::exists(leftover));
}

}  // namespace
}  // namespace vitrine::blob
