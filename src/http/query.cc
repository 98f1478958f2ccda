#include "http/query.h"

#include <charconv>

namespace vitrine::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Status::InvalidArgument("malformed percent-escape in '" + std::string(text) + "'");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<QueryParams> QueryParams::Parse(std::string_view raw) {
  QueryParams q;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    VITRINE_ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      VITRINE_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    q.params_.emplace_back(std::move(name), std::move(value));
  }
  return q;
}

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (auto it = params_.rbegin(); it != params_.rend(); ++it) {
    if (it->first == name) return std::string_view(it->second);
  }
  return std::nullopt;
}

Result<std::optional<std::int64_t>> QueryParams::GetInt(std::string_view name) const {
  auto text = Get(name);
  if (!text) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' must be an integer, got '" +
                                   std::string(*text) + "'");
  }
  return std::optional<std::int64_t>(value);
}

Result<PageRequest> QueryParams::Page() const {
  PageRequest page;
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> limit, GetInt("limit"));
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> offset, GetInt("offset"));
  if (limit) {
    if (*limit < 1 || *limit > PageRequest::kMaxLimit) {
      return Status::InvalidArgument("limit must be between 1 and " + std::to_string(PageRequest::kMaxLimit));
    }
    page.limit = *limit;
  }
  if (offset) {
    if (*offset < 0) return Status::InvalidArgument("offset must not be negative");
    page.offset = *offset;
  }
  return page;
}

}  // namespace vitrine::http
