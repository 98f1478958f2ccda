#include "cli/progress.h"

#include <cstdio>

namespace vitrine::cli {

BatchProgress::BatchProgress(std::string verb, std::int64_t total_files, std::int64_t total_bytes, bool terminal)
    : verb_(std::move(verb)), total_files_(total_files), total_bytes_(total_bytes), terminal_(terminal) {
  if (terminal_) {
    painter_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) Draw();
    });
  }
}

BatchProgress::~BatchProgress() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (painter_.joinable()) painter_.join();
}

void BatchProgress::Draw() {  // called with mu_ held
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::int64_t finished = done_ + skipped_ + static_cast<std::int64_t>(failures_.size());
  int width = 24;
  int filled = total_files_ ? static_cast<int>(width * finished / total_files_) : width;
  std::string bar(static_cast<std::size_t>(filled), '=');
  bar.resize(static_cast<std::size_t>(width), ' ');
  std::fprintf(stderr, "\r[%s] %lld/%lld files  %.1f files/s  %.1f MB/s  %.0f/%.0f MB ", bar.c_str(),
               static_cast<long long>(finished), static_cast<long long>(total_files_),
               seconds > 0 ? done_ / seconds : 0.0, seconds > 0 ? bytes_ / seconds / 1e6 : 0.0, bytes_ / 1e6,
               total_bytes_ / 1e6);
  std::fflush(stderr);
}

void BatchProgress::Line(const std::string& text) {
  std::lock_guard lock(mu_);
  if (terminal_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  if (terminal_) Draw();
}

void BatchProgress::Done(const std::string& what) {
  ++done_;
  if (!terminal_) Line(what);
}

void BatchProgress::Skipped(const std::string& what) {
  ++skipped_;
  if (!terminal_) Line(what);
}

void BatchProgress::Failed(const std::string& what, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    failures_.emplace_back(what, reason);
  }
  Line("failed: " + what + ": " + reason);
}

int BatchProgress::Finish() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (painter_.joinable()) painter_.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (terminal_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s %lld, skipped %lld, failed %zu in %.1f s (%.1f files/s, %.1f MB/s)\n", verb_.c_str(),
               static_cast<long long>(done_), static_cast<long long>(skipped_), failures_.size(), seconds,
               seconds > 0 ? done_ / seconds : 0.0, seconds > 0 ? bytes_ / seconds / 1e6 : 0.0);
  for (const auto& [what, reason] : failures_) std::fprintf(stderr, "  failed: %s: %s\n", what.c_str(), reason.c_str());
  return failures_.empty() ? 0 : 1;
}

}  // namespace vitrine::cli
