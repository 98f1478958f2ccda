// The Range header of GET /api/v1/images/{id}/file (http/byte_range): the first 8 bytes are the
// body's size, the rest the header. A range it resolves must lie inside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

#include "http/byte_range.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(std::uint64_t)) return 0;
  std::uint64_t raw = 0;
  std::memcpy(&raw, data, sizeof raw);
  // Any size a blob can have (non-negative), with small ones as likely as large ones.
  const auto body_size = static_cast<std::int64_t>(raw & std::numeric_limits<std::int64_t>::max()) >> (raw & 63);
  const std::string_view header(reinterpret_cast<const char*>(data) + sizeof raw, size - sizeof raw);
  auto range = vitrine::http::ResolveRange(header, body_size);
  if (!range.ok() || !range->has_value()) return 0;
  const auto& r = **range;
  if (r.offset < 0 || r.length < 1 || r.offset > body_size - r.length) std::abort();
  return 0;
}
