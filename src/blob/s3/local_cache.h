// The S3 store's local copies of blobs: the files libraries read (LocalPath), the source of
// repeated reads, and the place uploads are written to before they are sent.
//
// Layout under the folder:  objects/<sha256>   tmp/<random>.part
// A copy enters by an atomic rename from tmp/, so a reader sees a whole file or none. The
// total size of objects/ is kept under a bound by removing the least recently used copies
// (use is tracked in memory, seeded from the files' access times when the cache opens).
// A copy used within the last minute is never evicted: a path just handed out stays valid
// while its reader opens it (an open file stays readable after its removal). Safe for
// concurrent use; one process per folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::blob::s3 {

class LocalCache {
 public:
  // Creates the folder's layout if missing and indexes the copies already there.
  static Result<std::unique_ptr<LocalCache>> Open(const std::filesystem::path& dir, std::int64_t max_bytes);

  // The copy of `sha256`, marked as just used, or nothing.
  std::optional<std::filesystem::path> Find(std::string_view sha256);
  // A fresh path in tmp/ for a download or an upload.
  std::filesystem::path NewTempPath() const;
  // Moves the finished file `temp` in as the copy of `sha256` (replacing an identical one) and
  // evicts what no longer fits. Returns the copy's path.
  Result<std::filesystem::path> Adopt(std::string_view sha256, const std::filesystem::path& temp);
  void Erase(std::string_view sha256);
  // Removes files in tmp/ not modified for `grace` (left by crashes); returns how many.
  std::int64_t RemoveAbandonedTemps(std::chrono::seconds grace);

  std::int64_t total_bytes() const;

 private:
  struct Entry {
    std::int64_t size = 0;
    std::chrono::steady_clock::time_point used;
  };
  LocalCache(std::filesystem::path dir, std::int64_t max_bytes);
  void EvictLocked();

  const std::filesystem::path objects_;
  const std::filesystem::path tmp_;
  const std::int64_t max_bytes_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::int64_t total_ = 0;
};

}  // namespace vitrine::blob::s3
