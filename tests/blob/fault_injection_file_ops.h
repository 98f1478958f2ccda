// A file system that forgets what was never synced, as a power cut would (after leveldb's
// fault-injection Env): writes go to the real files, and every operation that durability
// depends on is recorded. SimulatePowerCut() then undoes what a crash could have lost: file
// bytes past their last fsync, and directory entries (new files, renames into a folder, new
// folders) made since their folder's last fsync.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "blob/fs/file_ops.h"

namespace vitrine::testing {

class FaultInjectionFileOps final : public blob::FileOps {
 public:
  int Open(const std::filesystem::path& path, int flags, mode_t mode) override;
  ssize_t Write(int fd, const void* data, std::size_t size) override;
  int Fsync(int fd) override;
  int Close(int fd) override;
  int Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  int Mkdir(const std::filesystem::path& path, mode_t mode) override;
  int Unlink(const std::filesystem::path& path) override;

  void SimulatePowerCut();

 private:
  // An entry added to `dir` and not yet made durable by syncing `dir`.
  struct PendingEntry {
    std::filesystem::path dir;
    std::filesystem::path entry;
  };

  std::mutex mu_;
  std::map<int, std::filesystem::path> open_;                    // fd → what it opened
  std::map<std::filesystem::path, std::uintmax_t> synced_size_;  // written files → bytes synced
  std::vector<PendingEntry> pending_;
};

}  // namespace vitrine::testing
