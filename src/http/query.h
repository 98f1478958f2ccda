// Query strings and path segments: percent-decoding and typed parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/percent_encoding.h"
#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::http {

using core::PercentDecode;

class QueryParams {
 public:
  static Result<QueryParams> Parse(std::string_view raw_query);

  // The last value given for `name`, if any.
  std::optional<std::string_view> Get(std::string_view name) const;
  Result<std::optional<std::int64_t>> GetInt(std::string_view name) const;
  // As GetInt, and kInvalidArgument unless low <= value <= high: a value any arithmetic may
  // then use without overflow.
  Result<std::optional<std::int64_t>> GetIntIn(std::string_view name, std::int64_t low, std::int64_t high) const;
  // `limit` (1..PageRequest::kMaxLimit, default kDefaultLimit) and `offset` (>= 0, default 0),
  // checked by service::ValidatePage.
  Result<PageRequest> Page() const;
  // `limit` and `offset` as given, for listings whose service checks the bounds itself (where
  // limit=0 counts without rows).
  Result<PageRequest> UncheckedPage() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace vitrine::http
