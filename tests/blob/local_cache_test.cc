#include "blob/s3/local_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "support/temp_dir.h"

namespace vitrine::blob::s3 {
namespace {

using vitrine::testing::TempDir;

std::string Sha(char c) { return std::string(64, c); }

std::filesystem::path Write(LocalCache& cache, std::size_t size) {
  auto path = cache.NewTempPath();
  std::ofstream(path) << std::string(size, 'x');
  return path;
}

TEST(LocalCache, AdoptedFilesAreFoundAndSurviveAReopen) {
  TempDir dir;
  {
    auto cache = LocalCache::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    EXPECT_FALSE((*cache)->Find(Sha('a')).has_value());
    auto path = (*cache)->Adopt(Sha('a'), Write(**cache, 100));
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ((*cache)->Find(Sha('a')), *path);
    EXPECT_EQ((*cache)->total_bytes(), 100);
  }
  auto reopened = LocalCache::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->Find(Sha('a')).has_value());
  EXPECT_EQ((*reopened)->total_bytes(), 100);
  (*reopened)->Erase(Sha('a'));
  EXPECT_FALSE((*reopened)->Find(Sha('a')).has_value());
  EXPECT_EQ((*reopened)->total_bytes(), 0);
}

TEST(LocalCache, OldCopiesGoFirstWhenFull) {
  TempDir dir;
  // Copies left by an earlier run count as long unused; the newest ones are kept.
  {
    auto cache = LocalCache::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE((*cache)->Adopt(Sha('a'), Write(**cache, 400)).ok());
    ASSERT_TRUE((*cache)->Adopt(Sha('b'), Write(**cache, 400)).ok());
  }
  auto cache = LocalCache::Open(dir.path(), 1000);
  ASSERT_TRUE(cache.ok());
  ASSERT_TRUE((*cache)->Adopt(Sha('c'), Write(**cache, 400)).ok());
  EXPECT_LE((*cache)->total_bytes(), 1000);
  EXPECT_TRUE((*cache)->Find(Sha('c')).has_value()) << "just used: kept";
  EXPECT_EQ((*cache)->Find(Sha('a')).has_value() + (*cache)->Find(Sha('b')).has_value(), 1);
}

TEST(LocalCache, AbandonedTempFilesAreRemoved) {
  TempDir dir;
  auto cache = LocalCache::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(cache.ok());
  auto temp = Write(**cache, 10);
  EXPECT_EQ((*cache)->RemoveAbandonedTemps(std::chrono::hours(1)), 0);
  EXPECT_EQ((*cache)->RemoveAbandonedTemps(std::chrono::seconds(-1)), 1);
  EXPECT_FALSE(std::filesystem::exists(temp));
}

}  // namespace
}  // namespace vitrine::blob::s3
