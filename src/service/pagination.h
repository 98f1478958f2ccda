// Page bounds, checked in the service so every front end (HTTP, in-process client, CLI) applies
// the same rule.
#pragma once

#include <string>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::service {

inline Status ValidatePage(const PageRequest& page) {
  if (page.limit < 1 || page.limit > PageRequest::kMaxLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(PageRequest::kMaxLimit));
  }
  if (page.offset < 0) return Status::InvalidArgument("offset must not be negative");
  return Status::Ok();
}

}  // namespace vitrine::service
