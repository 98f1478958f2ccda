#include "service/cache_writer.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace vitrine::service {

CacheWriter::CacheWriter(std::size_t max_pending) : max_pending_(max_pending), thread_([this] { Loop(); }) {}

CacheWriter::~CacheWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool CacheWriter::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_pending_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void CacheWriter::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !running_task_; });
}

void CacheWriter::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to do
    auto task = std::move(queue_.front());
    queue_.pop_front();
    running_task_ = true;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      // A cache write is an optimisation: losing one must not take the process down.
      spdlog::error("cache writer: a task failed: {}", e.what());
    } catch (...) {
      spdlog::error("cache writer: a task failed");
    }
    lock.lock();
    running_task_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace vitrine::service
