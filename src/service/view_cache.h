// The on-disk cache of rendered views (tiles, regions, IIIF answers), shared by every route that
// renders: bounded in bytes, least recently used out first, and each distinct view computed once
// however many requests ask for it at the same moment (the others wait for that one answer).
// The most recently used entries are also held in memory (a smaller budget), so a viewer panning
// over tiles it has just seen costs no file system call.
//
// Layout: <directory>/<image id>/<40 hex digits of the SHA-256 of the key>. Only a cache lives
// here, so files are written to a temporary name and renamed without fsync: after a crash an
// entry may be missing or empty, and an empty one is treated as absent. The index of what is
// there is rebuilt from the directory at start (oldest modification first out).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "vitrine/ids.h"
#include "vitrine/status.h"

namespace vitrine::service {

struct ViewCacheStats {
  std::int64_t entries = 0;
  std::int64_t bytes = 0;
  std::int64_t hits = 0;
  std::int64_t computations = 0;  // misses that rendered
  std::int64_t waits = 0;         // misses that waited for an identical render in flight
  std::int64_t evictions = 0;
  std::int64_t memory_bytes = 0;  // of the entries also held in memory
};

class ViewCache {
 public:
  // Creates the directory if needed and indexes what it holds, evicting down to `max_bytes`.
  static Result<std::unique_ptr<ViewCache>> Open(const std::filesystem::path& directory, std::int64_t max_bytes,
                                                 std::int64_t max_memory_bytes = std::int64_t{64} << 20);

  // The bytes stored under (image, key), or what `render` makes of them, stored for next time.
  // A render's error is returned to every caller waiting for it and is not cached.
  Result<std::string> GetOrRender(ImageId image, const std::string& key,
                                  const std::function<Result<std::string>()>& render);
  // The stored bytes, if (image, key) is stored; never renders nor waits for a render.
  std::optional<std::string> Find(ImageId image, const std::string& key);
  // Drops everything cached for the image (it was deleted).
  void EraseImage(ImageId image);

  ViewCacheStats stats() const;

 private:
  struct Entry {
    ImageId image;
    std::string name;
    std::int64_t bytes;
    std::shared_ptr<const std::string> in_memory;  // null when only on disk
  };
  struct Render;  // one computation in flight

  static std::string NameOf(ImageId image, const std::string& key);
  ViewCache(std::filesystem::path directory, std::int64_t max_bytes, std::int64_t max_memory_bytes)
      : directory_(std::move(directory)), max_bytes_(max_bytes), max_memory_bytes_(max_memory_bytes) {}
  std::filesystem::path PathOf(ImageId image, const std::string& name) const;
  std::optional<std::string> ReadFile(ImageId image, const std::string& name);
  void Store(ImageId image, const std::string& name, std::shared_ptr<const std::string> bytes);
  // mu_ held by the callers of these.
  void Index(ImageId image, const std::string& name, std::int64_t bytes, std::shared_ptr<const std::string> bytes_held);
  void Hold(Entry& entry, std::shared_ptr<const std::string> bytes);
  void Unhold(Entry& entry);
  void Forget(std::list<Entry>::iterator entry);
  void EvictOverCap();

  const std::filesystem::path directory_;
  const std::int64_t max_bytes_;
  const std::int64_t max_memory_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;               // most recently used first
  std::list<std::string> memory_lru_;  // names of the entries held in memory, most recent first
  std::unordered_map<std::string, std::list<std::string>::iterator> in_memory_;
  std::unordered_map<std::string, std::list<Entry>::iterator> by_name_;
  std::unordered_map<std::string, std::shared_ptr<Render>> in_flight_;
  ViewCacheStats stats_;
};

}  // namespace vitrine::service
