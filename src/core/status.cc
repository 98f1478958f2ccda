#include "vitrine/status.h"

#include <array>
#include <utility>

namespace vitrine {
namespace {

constexpr std::array<std::pair<ErrorCode, std::string_view>, 12> kNames = {{
    {ErrorCode::kOk, "ok"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kInvalidArgument, "invalid_argument"},
    {ErrorCode::kPermissionDenied, "permission_denied"},
    {ErrorCode::kUnauthenticated, "unauthenticated"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kTooLarge, "too_large"},
    {ErrorCode::kUnsupported, "unsupported"},
    {ErrorCode::kUnavailable, "unavailable"},
    {ErrorCode::kInternal, "internal"},
    {ErrorCode::kTooManyRequests, "too_many_requests"},
    {ErrorCode::kInsufficientStorage, "insufficient_storage"},
}};

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) {
  for (const auto& [c, name] : kNames) {
    if (c == code) return name;
  }
  return "internal";
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (const auto& [c, n] : kNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace vitrine
