// Page bounds, the one rule for every listing: checked in the service so every front end
// (HTTP, in-process client, CLI) applies the same rule, and by the HTTP layer on the query of
// the listings whose service takes the page as given.
#pragma once

#include <cstdint>
#include <string>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::service {

struct PageBounds {
  std::int64_t max_limit = PageRequest::kMaxLimit;
  bool count_only = false;  // limit=0 is allowed, and asks for the total without rows
};

// kInvalidArgument unless the limit is within `bounds` (1 or, when count_only, 0 to
// max_limit) and the offset is not negative.
inline Status ValidatePage(const PageRequest& page, PageBounds bounds = {}) {
  if (page.limit < (bounds.count_only ? 0 : 1) || page.limit > bounds.max_limit) {
    return Status::InvalidArgument(std::string("limit must be between ") +
                                   (bounds.count_only ? "0 (count only)" : "1") + " and " +
                                   std::to_string(bounds.max_limit));
  }
  if (page.offset < 0) return Status::InvalidArgument("offset must not be negative");
  return Status::Ok();
}

}  // namespace vitrine::service
