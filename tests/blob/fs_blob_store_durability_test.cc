// The file-system blob store against a file system that loses what was never synced, and
// against garbage collection racing an identical upload.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "blob/fault_injection_file_ops.h"
#include "blob/fs/fs_blob_store.h"
#include "core/digest.h"
#include "support/temp_dir.h"

namespace vitrine::testing {
namespace {

std::string ReadAll(blob::BlobStore& store, const std::string& sha256) {
  auto source = store.Open(sha256, {});
  if (!source.ok()) return "<" + source.status().ToString() + ">";
  std::string out;
  std::vector<char> buffer(4096);
  while (true) {
    auto n = (*source)->Read(buffer);
    if (!n.ok() || *n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

TEST(FsBlobStoreDurabilityTest, EveryAcknowledgedBlobSurvivesAPowerCut) {
  TempDir dir;
  FaultInjectionFileOps faulty;
  std::vector<std::pair<std::string, std::string>> acknowledged;  // sha256, content
  {
    auto store = blob::OpenFsBlobStore(dir.path() / "blobs", faulty);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 64; ++i) {  // 64 blobs: most land in fan-out folders made on the way
      std::string content = "blob number " + std::to_string(i) + std::string(1000 + i, 'x');
      core::StringSource source(content);
      auto ref = (*store)->Put(source, 1 << 20);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      acknowledged.emplace_back(ref->sha256, content);
    }
    auto unfinished = (*store)->StartPut(1 << 20);  // in flight at the cut: may vanish, must not count
    ASSERT_TRUE(unfinished.ok());
    ASSERT_TRUE((*unfinished)->Write("half an upload").ok());
    faulty.SimulatePowerCut();
  }
  auto reopened = blob::OpenFsBlobStore(dir.path() / "blobs");
  ASSERT_TRUE(reopened.ok());
  for (const auto& [sha256, content] : acknowledged) {
    EXPECT_EQ(ReadAll(**reopened, sha256), content) << "acknowledged blob " << sha256 << " was lost";
  }
}

TEST(FsBlobStoreDurabilityTest, ThePowerCutReallyDropsUnsyncedEntries) {
  // The control: a file written and synced in a new folder whose parent was never synced is
  // gone after the cut. Without this, the test above could pass against a no-op injector.
  TempDir dir;
  FaultInjectionFileOps faulty;
  ASSERT_EQ(faulty.Mkdir(dir.path() / "new", 0700), 0);
  int fd = faulty.Open(dir.path() / "new" / "file", O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(faulty.Write(fd, "data", 4), 4);
  ASSERT_EQ(faulty.Fsync(fd), 0);
  faulty.Close(fd);
  int unsynced = faulty.Open(dir.path() / "tail", O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(unsynced, 0);
  faulty.Close(unsynced);
  faulty.SimulatePowerCut();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "new"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "tail"));
}

TEST(FsBlobStoreDurabilityTest, GarbageCollectionSparesAnIdenticalUploadLandingMeanwhile) {
  TempDir dir;
  auto store = blob::OpenFsBlobStore(dir.path() / "blobs");
  ASSERT_TRUE(store.ok());
  const std::string content = "deleted once, uploaded again";
  core::StringSource first(content);
  auto ref = (*store)->Put(first, 1 << 20);
  ASSERT_TRUE(ref.ok());
  // The catalog says "unreferenced" (the old image is gone, the new row not yet committed),
  // and the identical upload publishes its file at that very moment.
  auto report = (*store)->CollectGarbage(
      [&](std::string_view) -> Result<bool> {
        core::StringSource again(content);
        auto republished = (*store)->Put(again, 1 << 20);
        if (!republished.ok()) return republished.status();
        return false;
      },
      std::chrono::seconds(-3600));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->blobs_removed, 0);
  EXPECT_EQ(ReadAll(**store, ref->sha256), content) << "the new upload's blob was collected";

  auto collected =
      (*store)->CollectGarbage([](std::string_view) -> Result<bool> { return false; }, std::chrono::seconds(-3600));
  ASSERT_TRUE(collected.ok());
  EXPECT_EQ(collected->blobs_removed, 1) << "with no upload racing it, the unreferenced blob goes";
}

TEST(FsBlobStoreDurabilityTest, ABlobSetAsideByAnInterruptedCollectionIsPutBack) {
  TempDir dir;
  auto store = blob::OpenFsBlobStore(dir.path() / "blobs");
  ASSERT_TRUE(store.ok());
  const std::string content = "moved aside when the collector died";
  core::StringSource source(content);
  auto ref = (*store)->Put(source, 1 << 20);
  ASSERT_TRUE(ref.ok());
  // What a crash between "move aside" and "put back" leaves: the blob in tmp/ under its name.
  auto home = (*store)->LocalPath(ref->sha256);
  ASSERT_TRUE(home.ok());
  std::filesystem::rename(*home, dir.path() / "blobs" / "tmp" / (ref->sha256 + ".abc.gc"));
  ASSERT_NE(ReadAll(**store, ref->sha256), content);
  auto report = (*store)->CollectGarbage([](std::string_view) -> Result<bool> { return true; }, std::chrono::hours(1));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(ReadAll(**store, ref->sha256), content) << "put back, not swept with the temp files";
}

}  // namespace
}  // namespace vitrine::testing
