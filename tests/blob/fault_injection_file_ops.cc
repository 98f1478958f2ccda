#include "blob/fault_injection_file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace vitrine::testing {
namespace fs = std::filesystem;

int FaultInjectionFileOps::Open(const fs::path& path, int flags, mode_t mode) {
  std::error_code ec;
  const bool created = (flags & O_CREAT) && !fs::exists(path, ec);
  int fd = blob::PosixFileOps().Open(path, flags, mode);
  if (fd < 0) return fd;
  std::lock_guard lock(mu_);
  open_[fd] = path;
  if (created) {
    pending_.push_back({path.parent_path(), path});
    synced_size_[path] = 0;
  }
  return fd;
}

ssize_t FaultInjectionFileOps::Write(int fd, const void* data, std::size_t size) {
  return blob::PosixFileOps().Write(fd, data, size);
}

int FaultInjectionFileOps::Fsync(int fd) {
  int rc = blob::PosixFileOps().Fsync(fd);
  if (rc != 0) return rc;
  std::lock_guard lock(mu_);
  const fs::path& path = open_.at(fd);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::erase_if(pending_, [&](const PendingEntry& p) { return p.dir == path; });
  } else {
    synced_size_[path] = fs::file_size(path, ec);
  }
  return 0;
}

int FaultInjectionFileOps::Close(int fd) {
  {
    std::lock_guard lock(mu_);
    open_.erase(fd);
  }
  return blob::PosixFileOps().Close(fd);
}

int FaultInjectionFileOps::Rename(const fs::path& from, const fs::path& to) {
  int rc = blob::PosixFileOps().Rename(from, to);
  if (rc != 0) return rc;
  std::lock_guard lock(mu_);
  pending_.push_back({to.parent_path(), to});
  if (auto it = synced_size_.find(from); it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(it);
  } else {
    synced_size_.erase(to);  // an older file there: its bytes were synced in full
  }
  return 0;
}

int FaultInjectionFileOps::Mkdir(const fs::path& path, mode_t mode) {
  int rc = blob::PosixFileOps().Mkdir(path, mode);
  if (rc != 0) return rc;
  std::lock_guard lock(mu_);
  pending_.push_back({path.parent_path(), path});
  return 0;
}

int FaultInjectionFileOps::Unlink(const fs::path& path) {
  // A lost unlink would only bring a file back: nothing acknowledged depends on it.
  return blob::PosixFileOps().Unlink(path);
}

void FaultInjectionFileOps::SimulatePowerCut() {
  std::lock_guard lock(mu_);
  std::error_code ec;
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) fs::remove_all(it->entry, ec);
  for (const auto& [path, synced] : synced_size_) {
    if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > synced) fs::resize_file(path, synced, ec);
  }
  pending_.clear();
  synced_size_.clear();
}

}  // namespace vitrine::testing
