#include "http/query.h"

#include "core/parse_integer.h"
#include "service/pagination.h"

namespace vitrine::http {
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
  auto value = core::ParseInteger<std::int64_t>(*text);
  if (!value) {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' must be an integer, got '" +
                                   std::string(*text) + "'");
  }
  return value;
}

Result<std::optional<std::int64_t>> QueryParams::GetIntIn(std::string_view name, std::int64_t low,
                                                          std::int64_t high) const {
  VITRINE_ASSIGN_OR_RETURN(auto value, GetInt(name));
  if (value && (*value < low || *value > high)) {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' must be " + std::to_string(low) +
                                   " to " + std::to_string(high) + ", got " + std::to_string(*value));
  }
  return value;
}

Result<PageRequest> QueryParams::UncheckedPage() const {
  PageRequest page;
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> limit, GetInt("limit"));
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> offset, GetInt("offset"));
  if (limit) page.limit = *limit;
  if (offset) page.offset = *offset;
  return page;
}

Result<PageRequest> QueryParams::Page() const {
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, UncheckedPage());
  VITRINE_RETURN_IF_ERROR(service::ValidatePage(page));
  return page;
}

}  // namespace vitrine::http
