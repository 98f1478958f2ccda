// The file operations the file-system blob store's durability rests on, behind one seam, so a
// test can stand in a file system that forgets what was never synced (a power cut) and check
// that every acknowledged blob survives. Production uses PosixFileOps(). Return values and
// errno follow POSIX. Safe for concurrent use.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>

namespace vitrine::blob {

class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int Open(const std::filesystem::path& path, int flags, mode_t mode) = 0;
  virtual ssize_t Write(int fd, const void* data, std::size_t size) = 0;
  virtual int Fsync(int fd) = 0;  // a file's bytes, or a directory's entries
  virtual int Close(int fd) = 0;
  virtual int Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual int Mkdir(const std::filesystem::path& path, mode_t mode) = 0;
  virtual int Unlink(const std::filesystem::path& path) = 0;
};

// The real system calls.
FileOps& PosixFileOps();

}  // namespace vitrine::blob
