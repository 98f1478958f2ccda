#include "http/byte_range.h"

#include <charconv>

namespace vitrine::http {
namespace {

bool ParseNumber(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
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
    if (!ParseNumber(last, b) || b == 0 || size == 0) return Unsatisfiable(header);
    std::int64_t n = std::min(b, size);
    return std::optional<ResolvedRange>(ResolvedRange{size - n, n});
  }
  if (!ParseNumber(first, a) || a >= size) return Unsatisfiable(header);
  if (last.empty()) return std::optional<ResolvedRange>(ResolvedRange{a, size - a});
  if (!ParseNumber(last, b) || b < a) return Unsatisfiable(header);
  return std::optional<ResolvedRange>(ResolvedRange{a, std::min(b, size - 1) - a + 1});
}

}  // namespace vitrine::http
