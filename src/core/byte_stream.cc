#include "core/byte_stream.h"

#include <algorithm>
#include <array>

namespace vitrine::core {

Result<std::size_t> StringSource::Read(std::span<char> buffer) {
  std::size_t n = std::min(buffer.size(), data_.size());
  std::copy_n(data_.data(), n, buffer.data());
  data_.remove_prefix(n);
  return n;
}

Result<std::string> ReadAll(ByteSource& source, std::size_t max_bytes) {
  std::string out;
  std::array<char, 64 * 1024> chunk;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(chunk));
    if (n == 0) return out;
    if (out.size() + n > max_bytes) return Status::TooLarge("stream is larger than " + std::to_string(max_bytes) + " bytes");
    out.append(chunk.data(), n);
  }
}

}  // namespace vitrine::core
