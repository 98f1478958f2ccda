// The source of "now". Passed to whatever needs time so tests can move it by hand.
#pragma once

#include <atomic>
#include <chrono>

#include "vitrine/types.h"

namespace vitrine::core {

class Clock {  // Implementations are safe for concurrent use.
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

// A clock that stands still until told to move; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_us_(start.time_since_epoch().count()) {}
  Timestamp Now() const override { return Timestamp(std::chrono::microseconds(now_us_.load())); }
  void Set(Timestamp t) { now_us_ = t.time_since_epoch().count(); }
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }

 private:
  std::atomic<std::int64_t> now_us_;
};

}  // namespace vitrine::core
