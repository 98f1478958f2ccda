#include "service/view_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace vitrine::service {
namespace {

using testing::TempDir;

std::function<Result<std::string>()> Renders(std::string bytes, std::atomic<int>* count = nullptr) {
  return [bytes = std::move(bytes), count]() -> Result<std::string> {
    if (count) ++*count;
    return bytes;
  };
}

std::function<Result<std::string>()> MustNotRender() {
  return []() -> Result<std::string> {
    ADD_FAILURE() << "rendered what should have been cached";
    return Status::Internal("rendered");
  };
}

std::int64_t BytesOnDisk(const std::filesystem::path& dir) {
  std::int64_t total = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) total += static_cast<std::int64_t>(f.file_size());
  }
  return total;
}

TEST(ViewCacheTest, SecondRequestIsServedFromTheCacheNotRendered) {
  TempDir dir;
  auto cache = ViewCache::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  std::atomic<int> renders = 0;
  ASSERT_EQ(*(*cache)->GetOrRender(ImageId(1), "tile-a", Renders("AAAA", &renders)), "AAAA");
  ASSERT_EQ(*(*cache)->GetOrRender(ImageId(1), "tile-a", MustNotRender()), "AAAA");
  // The same key of another image is another entry.
  ASSERT_EQ(*(*cache)->GetOrRender(ImageId(2), "tile-a", Renders("BB", &renders)), "BB");
  EXPECT_EQ(renders, 2);
  ViewCacheStats stats = (*cache)->stats();
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.computations, 2);
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.bytes, 6);
  EXPECT_EQ(BytesOnDisk(dir.path()), 6);
}

TEST(ViewCacheTest, EvictsLeastRecentlyUsedToStayUnderItsCap) {
  TempDir dir;
  constexpr std::int64_t kCap = 10'000;
  auto cache = std::move(ViewCache::Open(dir.path(), kCap)).value();
  const std::string kilobyte(1000, 'x');
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t" + std::to_string(i), Renders(kilobyte)).ok());
  EXPECT_EQ(cache->stats().bytes, kCap);
  // t0 is the oldest, but using it again makes t1 the first to go.
  ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t0", MustNotRender()).ok());
  for (int i = 10; i < 15; ++i)
    ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t" + std::to_string(i), Renders(kilobyte)).ok());

  ViewCacheStats stats = cache->stats();
  EXPECT_LE(stats.bytes, kCap);
  EXPECT_EQ(stats.entries, 10);
  EXPECT_EQ(stats.evictions, 5);
  EXPECT_EQ(BytesOnDisk(dir.path()), stats.bytes);  // evicted files are gone from disk too
  EXPECT_TRUE(cache->GetOrRender(ImageId(1), "t0", MustNotRender()).ok());
  for (int i = 6; i < 15; ++i)
    EXPECT_TRUE(cache->GetOrRender(ImageId(1), "t" + std::to_string(i), MustNotRender()).ok()) << i;
  std::atomic<int> renders = 0;
  for (int i = 1; i < 6; ++i)
    ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t" + std::to_string(i), Renders(kilobyte, &renders)).ok());
  EXPECT_EQ(renders, 5);
  EXPECT_LE(cache->stats().bytes, kCap);
}

TEST(ViewCacheTest, TheMostRecentEntriesAreAlsoHeldInMemoryWithinItsBudget) {
  TempDir dir;
  auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20, /*max_memory_bytes=*/2500)).value();
  const std::string kilobyte(1000, 'm');
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t" + std::to_string(i), Renders(kilobyte)).ok());
  EXPECT_EQ(cache->stats().memory_bytes, 2000);
  EXPECT_EQ(cache->stats().bytes, 5000);
  // Without their files, the two newest are still served (from memory); an older one is not,
  // and is rendered again.
  std::filesystem::remove_all(dir.path() / "1");
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "t4", MustNotRender()), kilobyte);
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "t3", MustNotRender()), kilobyte);
  std::atomic<int> renders = 0;
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "t0", Renders(kilobyte, &renders)), kilobyte);
  EXPECT_EQ(renders, 1);
  EXPECT_LE(cache->stats().memory_bytes, 2500);
  // Read back from disk, an entry is held in memory again.
  ASSERT_TRUE(cache->GetOrRender(ImageId(1), "t5", Renders("fresh")).ok());
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "t5", MustNotRender()), "fresh");
}

TEST(ViewCacheTest, AnEntryLargerThanTheCapIsServedButNotKept) {
  TempDir dir;
  auto cache = std::move(ViewCache::Open(dir.path(), 100)).value();
  ASSERT_TRUE(cache->GetOrRender(ImageId(1), "small", Renders(std::string(60, 's'))).ok());
  auto big = cache->GetOrRender(ImageId(1), "big", Renders(std::string(500, 'b')));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->size(), 500u);
  EXPECT_EQ(cache->stats().bytes, 60);  // and the small one was not pushed out for it
}

TEST(ViewCacheTest, ConcurrentIdenticalRequestsRenderOnce) {
  TempDir dir;
  auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20)).value();
  std::atomic<int> renders = 0;
  std::atomic<bool> release = false;
  auto slow = [&]() -> Result<std::string> {
    ++renders;
    // Held until every other request has arrived, so they all find this render in flight.
    for (int i = 0; i < 2000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::string("tile bytes");
  };
  constexpr int kRequests = 16;
  std::vector<std::string> answers(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      auto r = cache->GetOrRender(ImageId(7), "same", slow);
      answers[i] = r.ok() ? *r : r.status().ToString();
    });
  }
  for (int i = 0; i < 2000 && cache->stats().waits < kRequests - 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  release = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(cache->stats().waits, kRequests - 1);
  for (const auto& a : answers) EXPECT_EQ(a, "tile bytes");
}

TEST(ViewCacheTest, ARenderErrorReachesEveryoneAndIsNotCached) {
  TempDir dir;
  auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20)).value();
  auto failing = []() -> Result<std::string> { return Status::Unsupported("cannot decode"); };
  auto first = cache->GetOrRender(ImageId(1), "k", failing);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "k", Renders("now it works")), "now it works");
}

TEST(ViewCacheTest, ReopeningKeepsEntriesAndDropsBrokenFiles) {
  TempDir dir;
  {
    auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20)).value();
    ASSERT_TRUE(cache->GetOrRender(ImageId(3), "kept", Renders("12345")).ok());
  }
  // A write cut short by a crash leaves an empty file; a stray file is not ours.
  std::ofstream(dir.path() / "3" / std::string(40, 'a')).flush();
  std::ofstream(dir.path() / "3" / ".x.tmp") << "partial";
  auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20)).value();
  EXPECT_EQ(cache->stats().entries, 1);
  EXPECT_EQ(*cache->GetOrRender(ImageId(3), "kept", MustNotRender()), "12345");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "3" / std::string(40, 'a')));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "3" / ".x.tmp"));

  // Reopened with a smaller cap, it evicts down to it.
  ASSERT_TRUE(cache->GetOrRender(ImageId(3), "second", Renders("678")).ok());
  cache.reset();
  cache = std::move(ViewCache::Open(dir.path(), 4)).value();
  EXPECT_LE(cache->stats().bytes, 4);
}

TEST(ViewCacheTest, ErasingAnImageRemovesItsEntriesOnly) {
  TempDir dir;
  auto cache = std::move(ViewCache::Open(dir.path(), 1 << 20)).value();
  ASSERT_TRUE(cache->GetOrRender(ImageId(1), "k", Renders("one")).ok());
  ASSERT_TRUE(cache->GetOrRender(ImageId(2), "k", Renders("two")).ok());
  cache->EraseImage(ImageId(1));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "1"));
  EXPECT_EQ(cache->stats().entries, 1);
  EXPECT_EQ(*cache->GetOrRender(ImageId(2), "k", MustNotRender()), "two");
  EXPECT_EQ(*cache->GetOrRender(ImageId(1), "k", Renders("one again")), "one again");
}

}  // namespace
}  // namespace vitrine::service
