// Tunables of the job queue, with the defaults a fresh install runs with.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vitrine::service {

struct JobOptions {
  std::chrono::seconds lease{30};
  int max_attempts = 3;
  std::int64_t max_log_bytes = std::int64_t{16} << 20;
  std::chrono::seconds max_wait{60};  // the longest long-poll
  int max_log_followers = 16;         // logs followed by a stream at once (each holds a thread)
  std::size_t max_images_per_input = 100000;
  std::int64_t max_data_bytes = std::int64_t{1} << 40;
  std::chrono::seconds max_wall_time{std::chrono::hours(24)};
};

}  // namespace vitrine::service
