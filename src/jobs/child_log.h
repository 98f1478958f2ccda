// What RunChild (child_process.h) does with a child's output, apart from the process plumbing:
// delivers it to the caller up to a cap, keeps its tail for a failure reason, and finds the
// "progress: N" lines. Pure logic, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vitrine::jobs {

// The percentage a line "progress: N" reports (N may be fractional or end in '%'; clamped to
// 0..100, fractions dropped); nullopt for any other line. `line` has no newline.
std::optional<int> ParseProgressLine(std::string_view line);

// Takes a child's merged stdout and stderr in chunks as they arrive. Not safe for concurrent use;
// keeps references to the callbacks, which must outlive it (either may be empty).
class ChildLogSink {
 public:
  ChildLogSink(std::uint64_t max_log_bytes, const std::function<void(std::string_view)>& on_log,
               const std::function<void(int)>& on_progress);

  // Delivers up to max_log_bytes in all, then the single line "[log truncated at N bytes]";
  // later bytes are dropped but still scanned for progress and kept in the tail.
  void Consume(std::string_view bytes);
  // At the end of the output: a last line without a newline may still be a progress line.
  void Finish();

  bool truncated() const { return truncated_; }
  // The last ~4 KiB of everything the child wrote (delivered or not), from a line start when
  // one is in reach.
  std::string Tail() const;

 private:
  void Deliver(std::string_view bytes);
  void ScanForProgress(std::string_view bytes);

  const std::uint64_t max_log_bytes_;
  const std::function<void(std::string_view)>& on_log_;
  const std::function<void(int)>& on_progress_;
  std::uint64_t delivered_bytes_ = 0;
  bool truncated_ = false;
  bool last_delivered_was_newline_ = true;
  std::string tail_;
  std::string current_line_;  // the unfinished line, for progress; empty once too long to be one
  bool current_line_too_long_ = false;
};

}  // namespace vitrine::jobs
