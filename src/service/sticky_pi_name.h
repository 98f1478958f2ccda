// Sticky Pi field cameras name their photos `<device>.<YYYY-MM-DD_HH-MM-SS>.jpg`: an 8-hex-digit
// device id and the UTC capture time (reference/stickypi.md §3). The name, not EXIF, is the
// source of both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::service {

struct StickyPiName {
  std::string device;  // lowercase hex
  Timestamp captured_at;
};

// nullopt: the name does not claim the convention (not three dot-separated fields, neither an
// 8-character first field nor a date-shaped second one). A name that claims it but breaks it
// (bad device id, impossible date) is kInvalidArgument, so a typo is not stored silently.
std::optional<Result<StickyPiName>> ParseStickyPiName(std::string_view filename);

}  // namespace vitrine::service
