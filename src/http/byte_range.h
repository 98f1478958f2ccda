// The `Range: bytes=...` request header (RFC 9110 §14), for one range per request.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::http {

struct ResolvedRange {
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

// nullopt when there is no Range header or it asks for several ranges (the whole body is then
// sent with 200, as RFC 9110 allows). kInvalidArgument (answered 416) when the range is
// malformed or starts past the end of a `size`-byte body.
Result<std::optional<ResolvedRange>> ResolveRange(std::string_view header, std::int64_t size);

}  // namespace vitrine::http
