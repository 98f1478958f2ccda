// Status and Result<T>: how every Vitrine module, and the public client API, reports failure.
//
// A Status is a code plus a message meant for a person ("project 12 not found"). Errors travel
// as values; no public function throws. Both types are [[nodiscard]] so a dropped error is a
// compiler warning.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vitrine {

enum class ErrorCode {
  kOk,
  kNotFound,
  kInvalidArgument,
  kPermissionDenied,
  kUnauthenticated,
  kConflict,
  kTooLarge,
  kUnsupported,
  kUnavailable,
  kInternal,
  kTooManyRequests,      // slow down: the caller may retry after retry_after_seconds()
  kInsufficientStorage,  // the server's storage is full; reads still work
};

// The stable snake_case name used on the wire ("not_found", ...).
std::string_view ErrorCodeName(ErrorCode code);
// The inverse of ErrorCodeName; nullopt for an unknown name.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status TooLarge(std::string m) { return {ErrorCode::kTooLarge, std::move(m)}; }
  static Status Unsupported(std::string m) { return {ErrorCode::kUnsupported, std::move(m)}; }
  static Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
  static Status TooManyRequests(std::string m, int retry_after_seconds) {
    return Status(ErrorCode::kTooManyRequests, std::move(m)).WithRetryAfter(retry_after_seconds);
  }
  static Status InsufficientStorage(std::string m) { return {ErrorCode::kInsufficientStorage, std::move(m)}; }

  // When the same request may succeed later: after how many seconds (0: no hint).
  Status WithRetryAfter(int seconds) && {
    retry_after_seconds_ = seconds;
    return std::move(*this);
  }
  int retry_after_seconds() const { return retry_after_seconds_; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: project 12 not found"
  std::string ToString() const;

  bool operator==(const Status&) const = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  int retry_after_seconds_ = 0;
};

// Either a T or a non-OK Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(state_).ok()) state_ = Status::Internal("Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  // Precondition: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace vitrine

#define VITRINE_STATUS_CONCAT_INNER(a, b) a##b
#define VITRINE_STATUS_CONCAT(a, b) VITRINE_STATUS_CONCAT_INNER(a, b)

#define VITRINE_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::vitrine::Status vitrine_status_ = (expr);        \
    if (!vitrine_status_.ok()) return vitrine_status_; \
  } while (false)

#define VITRINE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define VITRINE_ASSIGN_OR_RETURN(lhs, expr) \
  VITRINE_ASSIGN_OR_RETURN_IMPL(VITRINE_STATUS_CONCAT(vitrine_result_, __LINE__), lhs, expr)
