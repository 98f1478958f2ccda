#include "client/save_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vitrine::client {

Status SaveBytes(std::string_view bytes, const std::filesystem::path& destination) {
  // A new file of a unique name (O_EXCL: never through a link someone left), renamed into place.
  std::string part = destination.string() + ".XXXXXX";
  const int fd = ::mkstemp(part.data());
  if (fd < 0)
    return Status::InvalidArgument("cannot write beside " + destination.string() + ": " + std::strerror(errno));
  bool written = ::fchmod(fd, 0644) == 0;  // mkstemp's 0600 is for secrets; a table is a plain file
  for (std::size_t done = 0; done < bytes.size() && written;) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  written = ::close(fd) == 0 && written;
  if (!written) {
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    return Status::InvalidArgument("cannot write " + part);
  }
  std::error_code ec;
  std::filesystem::rename(part, destination, ec);
  if (ec) {
    std::filesystem::remove(part, ec);
    return Status::InvalidArgument("cannot write " + destination.string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace vitrine::client
