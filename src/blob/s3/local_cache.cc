#include "blob/s3/local_cache.h"

#include <sys/stat.h>

#include <system_error>
#include <vector>

#include "blob/blob_store.h"
#include "core/digest.h"

namespace vitrine::blob::s3 {
namespace fs = std::filesystem;
namespace {

constexpr std::chrono::seconds kRecentUse{60};

}  // namespace

LocalCache::LocalCache(fs::path dir, std::int64_t max_bytes)
    : objects_(dir / "objects"), tmp_(dir / "tmp"), max_bytes_(max_bytes) {}

Result<std::unique_ptr<LocalCache>> LocalCache::Open(const fs::path& dir, std::int64_t max_bytes) {
  std::unique_ptr<LocalCache> cache(new LocalCache(dir, max_bytes));
  std::error_code ec;
  fs::create_directories(cache->objects_, ec);
  if (!ec) fs::create_directories(cache->tmp_, ec);
  if (ec) return Status::Internal("cannot create the S3 cache folder " + dir.string() + ": " + ec.message());
  // Oldest access first, so a restart keeps the recency order roughly as it was.
  std::vector<std::pair<std::time_t, std::pair<std::string, std::int64_t>>> found;
  for (auto it = fs::directory_iterator(cache->objects_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    struct stat st;
    if (!IsSha256Hex(name) || ::stat(it->path().c_str(), &st) != 0) continue;
    found.push_back({st.st_atime, {name, static_cast<std::int64_t>(st.st_size)}});
  }
  std::sort(found.begin(), found.end());
  const auto start = std::chrono::steady_clock::now() - std::chrono::hours(1);
  std::int64_t order = 0;
  std::lock_guard lock(cache->mu_);
  for (const auto& [atime, file] : found) {
    cache->entries_[file.first] = Entry{file.second, start + std::chrono::microseconds(order++)};
    cache->total_ += file.second;
  }
  cache->EvictLocked();
  return cache;
}

std::optional<fs::path> LocalCache::Find(std::string_view sha256) {
  std::lock_guard lock(mu_);
  auto found = entries_.find(sha256);
  if (found == entries_.end()) return std::nullopt;
  fs::path path = objects_ / std::string(sha256);
  std::error_code ec;
  if (!fs::exists(path, ec)) {  // removed behind our back
    total_ -= found->second.size;
    entries_.erase(found);
    return std::nullopt;
  }
  found->second.used = std::chrono::steady_clock::now();
  return path;
}

fs::path LocalCache::NewTempPath() const { return tmp_ / (core::RandomUrlToken(12) + ".part"); }

Result<fs::path> LocalCache::Adopt(std::string_view sha256, const fs::path& temp) {
  fs::path path = objects_ / std::string(sha256);
  std::error_code ec;
  const auto size = static_cast<std::int64_t>(fs::file_size(temp, ec));
  if (ec) return Status::Internal("cannot read the size of " + temp.string() + ": " + ec.message());
  std::lock_guard lock(mu_);
  fs::rename(temp, path, ec);
  if (ec) return Status::Internal("cannot move " + temp.string() + " into the S3 cache: " + ec.message());
  auto [entry, inserted] = entries_.try_emplace(std::string(sha256));
  if (!inserted) total_ -= entry->second.size;
  entry->second = Entry{size, std::chrono::steady_clock::now()};
  total_ += size;
  EvictLocked();
  return path;
}

void LocalCache::Erase(std::string_view sha256) {
  std::lock_guard lock(mu_);
  auto found = entries_.find(sha256);
  if (found != entries_.end()) {
    total_ -= found->second.size;
    entries_.erase(found);
  }
  std::error_code ec;
  fs::remove(objects_ / std::string(sha256), ec);
}

void LocalCache::EvictLocked() {
  if (total_ <= max_bytes_) return;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> by_use;
  for (const auto& [sha, entry] : entries_) by_use.emplace_back(entry.used, sha);
  std::sort(by_use.begin(), by_use.end());
  const auto recent = std::chrono::steady_clock::now() - kRecentUse;
  for (const auto& [used, sha] : by_use) {
    if (total_ <= max_bytes_ || used > recent) break;
    std::error_code ec;
    fs::remove(objects_ / sha, ec);
    total_ -= entries_[sha].size;
    entries_.erase(sha);
  }
}

std::int64_t LocalCache::RemoveAbandonedTemps(std::chrono::seconds grace) {
  std::int64_t removed = 0;
  const auto cutoff = fs::file_time_type::clock::now() - grace;
  std::error_code ec;
  for (auto it = fs::directory_iterator(tmp_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    if (it->last_write_time(entry_ec) <= cutoff && !entry_ec && fs::remove(it->path(), entry_ec)) ++removed;
  }
  return removed;
}

std::int64_t LocalCache::total_bytes() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace vitrine::blob::s3
