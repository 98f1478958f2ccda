#include "service/view_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <system_error>
#include <vector>

#include "core/digest.h"
#include "core/parse_integer.h"

namespace vitrine::service {

struct ViewCache::Render {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  Result<std::string> result = Status::Internal("render not finished");
};

namespace {

constexpr std::size_t kNameLength = 40;

std::optional<ImageId> ImageIdOfFolder(const std::string& folder) {
  auto id = core::ParseInteger<std::int64_t>(folder);
  if (!id || *id <= 0) return std::nullopt;
  return ImageId(*id);
}

}  // namespace

Result<std::unique_ptr<ViewCache>> ViewCache::Open(const std::filesystem::path& directory, std::int64_t max_bytes,
                                                   std::int64_t max_memory_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Status::Unavailable("cannot create the view cache " + directory.string() + ": " + ec.message());
  std::unique_ptr<ViewCache> cache(new ViewCache(directory, max_bytes, max_memory_bytes));

  struct Found {
    std::filesystem::file_time_type modified;
    ImageId image;
    std::string name;
    std::int64_t bytes;
  };
  std::vector<Found> found;
  for (const auto& folder : std::filesystem::directory_iterator(directory, ec)) {
    auto image = ImageIdOfFolder(folder.path().filename().string());
    if (!image || !folder.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(folder.path(), ec)) {
      const std::string name = file.path().filename().string();
      const auto size = file.is_regular_file() ? static_cast<std::int64_t>(file.file_size(ec)) : 0;
      if (name.size() != kNameLength || size <= 0) {  // a write cut short, or not ours
        std::filesystem::remove(file.path(), ec);
        continue;
      }
      found.push_back({file.last_write_time(ec), *image, name, size});
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.modified < b.modified; });
  std::lock_guard lock(cache->mu_);
  for (const Found& f : found) cache->Index(f.image, f.name, f.bytes, nullptr);  // newest ends up first
  cache->EvictOverCap();
  return cache;
}

std::filesystem::path ViewCache::PathOf(ImageId image, const std::string& name) const {
  return directory_ / std::to_string(image.value()) / name;
}

std::string ViewCache::NameOf(ImageId image, const std::string& key) {
  return core::Sha256Hex(std::to_string(image.value()) + "\n" + key).substr(0, kNameLength);
}

std::optional<std::string> ViewCache::Find(ImageId image, const std::string& key) {
  const std::string name = NameOf(image, key);
  {
    std::lock_guard lock(mu_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
    ++stats_.hits;
    if (it->second->in_memory) {
      memory_lru_.splice(memory_lru_.begin(), memory_lru_, in_memory_.at(name));
      return std::string(*it->second->in_memory);
    }
  }
  auto bytes = ReadFile(image, name);
  if (!bytes) return std::nullopt;
  auto held = std::make_shared<const std::string>(std::move(*bytes));
  std::lock_guard lock(mu_);
  if (auto it = by_name_.find(name); it != by_name_.end() && !it->second->in_memory) Hold(*it->second, held);
  return std::string(*held);
}

Result<std::string> ViewCache::GetOrRender(ImageId image, const std::string& key,
                                           const std::function<Result<std::string>()>& render) {
  if (auto stored = Find(image, key)) return std::move(*stored);
  const std::string name = NameOf(image, key);
  std::shared_ptr<Render> pending;
  bool mine = false;
  {
    std::lock_guard lock(mu_);
    if (by_name_.contains(name)) {
      // Stored between Find and here: read it like any hit.
    } else if (auto flight = in_flight_.find(name); flight != in_flight_.end()) {
      pending = flight->second;
      ++stats_.waits;
    } else {
      pending = in_flight_.emplace(name, std::make_shared<Render>()).first->second;
      mine = true;
      ++stats_.computations;
    }
  }
  if (!pending) return GetOrRender(image, key, render);
  if (!mine) {
    std::unique_lock lock(pending->mu);
    pending->done_cv.wait(lock, [&] { return pending->done; });
    return pending->result;
  }

  Result<std::string> result = render();
  if (result.ok()) Store(image, name, std::make_shared<const std::string>(*result));
  {
    std::lock_guard lock(pending->mu);
    pending->result = result;
    pending->done = true;
  }
  pending->done_cv.notify_all();
  std::lock_guard lock(mu_);
  in_flight_.erase(name);
  return result;
}

std::optional<std::string> ViewCache::ReadFile(ImageId image, const std::string& name) {
  std::string bytes;
  const int fd = ::open(PathOf(image, name).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd >= 0 && ::fstat(fd, &info) == 0 && info.st_size > 0) {
    bytes.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
  }
  if (fd >= 0) ::close(fd);
  if (!bytes.empty()) return bytes;
  std::lock_guard lock(mu_);
  if (auto it = by_name_.find(name); it != by_name_.end()) Forget(it->second);
  return std::nullopt;
}

void ViewCache::Store(ImageId image, const std::string& name, std::shared_ptr<const std::string> bytes) {
  if (bytes->empty() || static_cast<std::int64_t>(bytes->size()) > max_bytes_) return;
  const std::filesystem::path path = PathOf(image, name);
  const std::filesystem::path temporary = path.parent_path() / ("." + core::RandomUrlToken(9) + ".tmp");
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out.flush()) {
      spdlog::warn("view cache: cannot write {}; serving without caching", temporary.string());
      std::filesystem::remove(temporary, ec);
      return;
    }
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return;
  }
  std::lock_guard lock(mu_);
  const auto size = static_cast<std::int64_t>(bytes->size());
  Index(image, name, size, std::move(bytes));
  EvictOverCap();
}

void ViewCache::Index(ImageId image, const std::string& name, std::int64_t bytes,
                      std::shared_ptr<const std::string> bytes_held) {
  if (auto it = by_name_.find(name); it != by_name_.end()) Forget(it->second);
  lru_.push_front({image, name, bytes, nullptr});
  by_name_[name] = lru_.begin();
  stats_.bytes += bytes;
  if (bytes_held) Hold(lru_.front(), std::move(bytes_held));
}

void ViewCache::Hold(Entry& entry, std::shared_ptr<const std::string> bytes) {
  if (entry.bytes > max_memory_bytes_) return;
  entry.in_memory = std::move(bytes);
  memory_lru_.push_front(entry.name);
  in_memory_[entry.name] = memory_lru_.begin();
  stats_.memory_bytes += entry.bytes;
  while (stats_.memory_bytes > max_memory_bytes_) Unhold(*by_name_.at(memory_lru_.back()));
}

void ViewCache::Unhold(Entry& entry) {
  if (!entry.in_memory) return;
  entry.in_memory.reset();
  stats_.memory_bytes -= entry.bytes;
  auto it = in_memory_.find(entry.name);
  memory_lru_.erase(it->second);
  in_memory_.erase(it);
}

void ViewCache::Forget(std::list<Entry>::iterator entry) {
  Unhold(*entry);
  stats_.bytes -= entry->bytes;
  by_name_.erase(entry->name);
  lru_.erase(entry);
}

void ViewCache::EvictOverCap() {
  std::error_code ec;
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    auto victim = std::prev(lru_.end());
    std::filesystem::remove(PathOf(victim->image, victim->name), ec);
    ++stats_.evictions;
    Forget(victim);
  }
}

void ViewCache::EraseImage(ImageId image) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->image == image) Forget(it);
    it = next;
  }
  std::error_code ec;
  std::filesystem::remove_all(directory_ / std::to_string(image.value()), ec);
}

ViewCacheStats ViewCache::stats() const {
  std::lock_guard lock(mu_);
  ViewCacheStats out = stats_;
  out.entries = static_cast<std::int64_t>(lru_.size());
  return out;
}

}  // namespace vitrine::service
