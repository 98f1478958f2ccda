#include "service/cache_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

namespace vitrine::service {
namespace {

TEST(CacheWriterTest, AFailingTaskNeitherEndsTheProcessNorStopsTheQueue) {
  std::atomic<int> ran{0};
  CacheWriter writer;
  ASSERT_TRUE(writer.Submit([] { throw std::runtime_error("disk went away"); }));
  ASSERT_TRUE(writer.Submit([&] { ++ran; }));
  writer.Drain();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace vitrine::service
