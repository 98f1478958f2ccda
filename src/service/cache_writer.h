// Persists derived blobs (cached thumbnails) off the request path: a request hands over the
// bytes it already computed and answers at once; one background thread stores them.
//
// Only a cache is written here, so the queue is bounded and drops work when full rather than
// grow; a dropped entry costs a recomputation later, never data. Pending work is finished on
// destruction.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace vitrine::service {

class CacheWriter {
 public:
  explicit CacheWriter(std::size_t max_pending = 256);
  ~CacheWriter();
  CacheWriter(const CacheWriter&) = delete;
  CacheWriter& operator=(const CacheWriter&) = delete;

  // False (and `task` not run) when the queue is full.
  bool Submit(std::function<void()> task);
  // Blocks until everything submitted so far has run (tests, shutdown).
  void Drain();

 private:
  void Loop();

  const std::size_t max_pending_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> queue_;
  bool running_task_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vitrine::service
