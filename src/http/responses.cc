#include "http/responses.h"

namespace vitrine::http {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kUnsupported:
      return 415;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kInsufficientStorage:
      return 507;
  }
  return 500;
}

HttpResponse JsonResponse(int status, const wire::Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, wire::Json::error_handler_t::replace);
  r.With("content-type", "application/json");
  return r;
}

HttpResponse ErrorResponse(const Status& status) {
  HttpResponse r = JsonResponse(HttpStatusFor(status.code()), wire::ErrorBody(status));
  if (status.code() == ErrorCode::kUnauthenticated) r.With("www-authenticate", "Bearer realm=\"vitrine\"");
  if (status.retry_after_seconds() > 0) {
    r.With("retry-after", std::to_string(status.retry_after_seconds()));
  } else if (status.code() == ErrorCode::kUnavailable) {
    r.With("retry-after", "1");
  }
  return r;
}

HttpResponse NoContent() {
  HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace vitrine::http
