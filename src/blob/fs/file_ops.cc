#include "blob/fs/file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace vitrine::blob {
namespace {

class PosixOps final : public FileOps {
 public:
  int Open(const std::filesystem::path& path, int flags, mode_t mode) override {
    return ::open(path.c_str(), flags, mode);
  }
  ssize_t Write(int fd, const void* data, std::size_t size) override { return ::write(fd, data, size); }
  int Fsync(int fd) override { return ::fsync(fd); }
  int Close(int fd) override { return ::close(fd); }
  int Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return ::rename(from.c_str(), to.c_str());
  }
  int Mkdir(const std::filesystem::path& path, mode_t mode) override { return ::mkdir(path.c_str(), mode); }
  int Unlink(const std::filesystem::path& path) override { return ::unlink(path.c_str()); }
};

}  // namespace

FileOps& PosixFileOps() {
  static PosixOps ops;
  return ops;
}

}  // namespace vitrine::blob
