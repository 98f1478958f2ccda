// Progress of a batch transfer: a live one-line bar with files/s and MB/s on a terminal, plain
// lines otherwise (logs, CI), and the closing summary. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vitrine::cli {

class BatchProgress {
 public:
  BatchProgress(std::string verb, std::int64_t total_files, std::int64_t total_bytes, bool terminal);
  ~BatchProgress();  // stops the live line

  void AddBytes(std::int64_t n) { bytes_ += n; }
  void Done(const std::string& what);  // e.g. "uploaded a.jpg (image 12)"
  void Skipped(const std::string& what);
  void Failed(const std::string& what, const std::string& reason);

  std::int64_t done() const { return done_; }
  std::int64_t skipped() const { return skipped_; }
  std::int64_t failed() const { return static_cast<std::int64_t>(failures_.size()); }
  // Prints the summary; returns the process exit code (1 if anything failed).
  int Finish();

 private:
  void Line(const std::string& text);
  void Draw();

  const std::string verb_;
  const std::int64_t total_files_;
  const std::int64_t total_bytes_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> bytes_{0}, done_{0}, skipped_{0};
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> failures_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread painter_;
};

}  // namespace vitrine::cli
