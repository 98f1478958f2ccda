#include "jobs/child_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitrine::jobs {
namespace {

TEST(ParseProgressLine, ReadsPercentagesAndClampsThem) {
  EXPECT_EQ(ParseProgressLine("progress: 10"), 10);
  EXPECT_EQ(ParseProgressLine("progress: 55.5"), 55);
  EXPECT_EQ(ParseProgressLine("progress:7"), 7);
  EXPECT_EQ(ParseProgressLine("  progress: 42 %\r"), 42);
  EXPECT_EQ(ParseProgressLine("progress: 250"), 100);
  EXPECT_EQ(ParseProgressLine("progress: -3"), 0);
}

TEST(ParseProgressLine, IgnoresAnythingElse) {
  EXPECT_EQ(ParseProgressLine("progress: abc"), std::nullopt);
  EXPECT_EQ(ParseProgressLine("progress: 10 of 20"), std::nullopt);
  EXPECT_EQ(ParseProgressLine("progress:"), std::nullopt);
  EXPECT_EQ(ParseProgressLine("progress: nan"), std::nullopt);
  EXPECT_EQ(ParseProgressLine("my progress: 10"), std::nullopt);
  EXPECT_EQ(ParseProgressLine("Progress: 10"), std::nullopt);
}

TEST(ChildLogSink, FindsProgressLinesSplitAcrossChunks) {
  std::string log;
  std::vector<int> progress;
  const std::function<void(std::string_view)> on_log = [&](std::string_view chunk) { log += chunk; };
  const std::function<void(int)> on_progress = [&](int percent) { progress.push_back(percent); };
  ChildLogSink sink(1 << 20, on_log, on_progress);
  sink.Consume("hello\nprog");
  sink.Consume("ress: 3");
  sink.Consume("0\nprogress: 99");
  sink.Finish();
  EXPECT_EQ(progress, (std::vector<int>{30, 99}));
  EXPECT_EQ(log, "hello\nprogress: 30\nprogress: 99");
  EXPECT_FALSE(sink.truncated());
}

TEST(ChildLogSink, DeliversUpToTheCapThenOneMarkerLine) {
  std::string log;
  const std::function<void(std::string_view)> on_log = [&](std::string_view chunk) { log += chunk; };
  const std::function<void(int)> no_progress;
  ChildLogSink sink(10, on_log, no_progress);
  sink.Consume("0123456");
  sink.Consume("789abcdef");
  sink.Consume("more\nand the end\n");
  EXPECT_TRUE(sink.truncated());
  EXPECT_EQ(log, "0123456789\n[log truncated at 10 bytes]\n");
  EXPECT_EQ(sink.Tail(), "0123456789abcdefmore\nand the end\n");
}

TEST(ChildLogSink, TailKeepsTheLastFourKibibytesFromALineStart) {
  const std::function<void(std::string_view)> no_log;
  const std::function<void(int)> no_progress;
  ChildLogSink sink(1 << 20, no_log, no_progress);
  for (int i = 0; i < 2000; ++i) sink.Consume("line " + std::to_string(i) + "\n");
  const std::string tail = sink.Tail();
  EXPECT_LE(tail.size(), 4096u);
  EXPECT_GT(tail.size(), 3000u);
  EXPECT_TRUE(tail.starts_with("line ")) << tail.substr(0, 20);
  EXPECT_TRUE(tail.ends_with("line 1999\n"));
}

}  // namespace
}  // namespace vitrine::jobs
