#include "core/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include <array>
#include <cerrno>
#include <cstring>

namespace vitrine::core {

Result<std::size_t> StringSource::Read(std::span<char> buffer) {
  std::size_t n = std::min(buffer.size(), data_.size());
  std::copy_n(data_.data(), n, buffer.data());
  data_.remove_prefix(n);
  return n;
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st;
  std::int64_t size = ::fstat(fd, &st) == 0 ? static_cast<std::int64_t>(st.st_size) : -1;
  return std::unique_ptr<FileSource>(new FileSource(fd, size));
}

FileSource::~FileSource() { ::close(fd_); }

Result<std::size_t> FileSource::Read(std::span<char> buffer) {
  while (true) {
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return Status::Internal(std::string("read failed: ") + std::strerror(errno));
  }
}

Result<std::string> ReadAll(ByteSource& source, std::size_t max_bytes) {
  std::string out;
  std::array<char, 64 * 1024> chunk;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(chunk));
    if (n == 0) return out;
    if (out.size() + n > max_bytes)
      return Status::TooLarge("stream is larger than " + std::to_string(max_bytes) + " bytes");
    out.append(chunk.data(), n);
  }
}

}  // namespace vitrine::core
