#include "jobs/child_log.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vitrine::jobs {
namespace {

constexpr std::size_t kTailBytes = 4096;
// A progress line is short; anything longer is output, and is not buffered line by line.
constexpr std::size_t kLongestProgressLine = 256;

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<int> ParseProgressLine(std::string_view line) {
  constexpr std::string_view kPrefix = "progress:";
  line = TrimSpaces(line);
  if (!line.starts_with(kPrefix)) return std::nullopt;
  std::string_view number = TrimSpaces(line.substr(kPrefix.size()));
  if (number.ends_with('%')) number = TrimSpaces(number.substr(0, number.size() - 1));
  if (number.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) return std::nullopt;
  return static_cast<int>(std::clamp(value, 0.0, 100.0));
}

ChildLogSink::ChildLogSink(std::uint64_t max_log_bytes, const std::function<void(std::string_view)>& on_log,
                           const std::function<void(int)>& on_progress)
    : max_log_bytes_(max_log_bytes), on_log_(on_log), on_progress_(on_progress) {}

void ChildLogSink::Consume(std::string_view bytes) {
  if (bytes.empty()) return;
  Deliver(bytes);
  ScanForProgress(bytes);
  tail_.append(bytes.substr(bytes.size() > kTailBytes ? bytes.size() - kTailBytes : 0));
  // Trim in batches, not on every chunk.
  if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
}

void ChildLogSink::Finish() {
  if (!current_line_too_long_ && !current_line_.empty()) {
    if (auto percent = ParseProgressLine(current_line_); percent && on_progress_) on_progress_(*percent);
  }
  current_line_.clear();
}

std::string ChildLogSink::Tail() const {
  std::string_view tail = tail_;
  if (tail.size() > kTailBytes) tail.remove_prefix(tail.size() - kTailBytes);
  // Start at a whole line unless that would drop most of it.
  if (tail_.size() > kTailBytes) {
    if (std::size_t newline = tail.find('\n'); newline != std::string_view::npos && newline < tail.size() / 2) {
      tail.remove_prefix(newline + 1);
    }
  }
  return std::string(tail);
}

void ChildLogSink::Deliver(std::string_view bytes) {
  if (truncated_) return;
  const std::uint64_t room = max_log_bytes_ - delivered_bytes_;
  const std::string_view delivered = bytes.substr(0, std::min<std::uint64_t>(room, bytes.size()));
  if (!delivered.empty()) {
    if (on_log_) on_log_(delivered);
    delivered_bytes_ += delivered.size();
    last_delivered_was_newline_ = delivered.back() == '\n';
  }
  if (delivered.size() == bytes.size()) return;
  truncated_ = true;
  std::string marker = last_delivered_was_newline_ ? "" : "\n";
  marker += "[log truncated at " + std::to_string(max_log_bytes_) + " bytes]\n";
  if (on_log_) on_log_(marker);
}

void ChildLogSink::ScanForProgress(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (!current_line_too_long_) {
      if (current_line_.size() + piece.size() > kLongestProgressLine) {
        current_line_too_long_ = true;
        current_line_.clear();
      } else {
        current_line_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    if (!current_line_too_long_) {
      if (auto percent = ParseProgressLine(current_line_); percent && on_progress_) on_progress_(*percent);
    }
    current_line_.clear();
    current_line_too_long_ = false;
    bytes.remove_prefix(newline + 1);
  }
}

}  // namespace vitrine::jobs
