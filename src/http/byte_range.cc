#include "http/byte_range.h"

#include "core/parse_integer.h"

namespace vitrine::http {
namespace {

bool ParseOffset(std::string_view text, std::int64_t& out) {
  auto v = core::ParseInteger<std::int64_t>(text);
  if (!v || *v < 0) return false;
  out = *v;
  return true;
}

Status Unsatisfiable(std::string_view header) {
  return Status::InvalidArgument("range '" + std::string(header) + "' cannot be satisfied");
}

}  // namespace

Result<std::optional<ResolvedRange>> ResolveRange(std::string_view header, std::int64_t size) {
  if (header.empty()) return std::optional<ResolvedRange>();
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit)) return Unsatisfiable(header);
  std::string_view spec = header.substr(kUnit.size());
  if (spec.find(',') != std::string_view::npos) return std::optional<ResolvedRange>();
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return Unsatisfiable(header);
  std::string_view first = spec.substr(0, dash), last = spec.substr(dash + 1);
  std::int64_t a = 0, b = 0;
  if (first.empty()) {  // suffix: the last N bytes
    if (!ParseOffset(last, b) || b == 0 || size == 0) return Unsatisfiable(header);
    std::int64_t n = std::min(b, size);
    return std::optional<ResolvedRange>(ResolvedRange{size - n, n});
  }
  if (!ParseOffset(first, a) || a >= size) return Unsatisfiable(header);
  if (last.empty()) return std::optional<ResolvedRange>(ResolvedRange{a, size - a});
  if (!ParseOffset(last, b) || b < a) return Unsatisfiable(header);
  return std::optional<ResolvedRange>(ResolvedRange{a, std::min(b, size - 1) - a + 1});
}

}  // namespace vitrine::http
