// Remembers each local file's SHA-256 by (path, size, mtime), so re-running an upload or a
// download does not read unchanged files again. A plain TSV file; safe to delete.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "vitrine/status.h"

namespace vitrine::cli {

class HashCache {
 public:
  // Loads `file` if it exists (a missing or damaged cache is simply empty).
  explicit HashCache(std::filesystem::path file);

  // The file's SHA-256: from the cache when size and mtime match, else read and hashed.
  // `from_cache` tells which. Thread-safe.
  Result<std::string> Sha256Of(const std::filesystem::path& path, bool* from_cache = nullptr);
  void Remember(const std::filesystem::path& path, const std::string& sha256);
  // Writes the cache back (atomically: temp file + rename).
  Status Save() const;

  static std::filesystem::path DefaultLocation();

 private:
  struct Entry {
    std::int64_t size;
    std::int64_t mtime_ns;
    std::string sha256;
  };
  std::filesystem::path file_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// SHA-256 of a file, read in 1 MiB chunks.
Result<std::string> HashFile(const std::filesystem::path& path);

}  // namespace vitrine::cli
