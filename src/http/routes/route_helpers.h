// Shared plumbing for route handlers: authentication, id parsing, body parsing, and turning a
// Result into a response.
#pragma once

#include <charconv>
#include <string>

#include "http/authenticate.h"
#include "http/query.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/service.h"
#include "wire/json.h"

namespace vitrine::http::routes {

// Parses the `{name}` capture as a positive id of type IdT.
template <class IdT>
Result<IdT> PathId(const PathParams& params, const char* name) {
  auto it = params.find(name);
  std::int64_t v = 0;
  if (it != params.end()) {
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size() && v > 0) return IdT(v);
  }
  return Status::InvalidArgument(std::string(name) + " must be a positive integer");
}

// The user a "/users/me/..." or "/users/{user_id}/..." route is about.
inline Result<UserId> SubjectUser(const service::Caller& caller, const PathParams& params) {
  if (!params.contains("user_id")) return caller.user_id();
  return PathId<UserId>(params, "user_id");
}

// Wraps `fn(caller, request, params) -> HttpResponse or Result<HttpResponse>` so that it runs
// only for an authenticated caller and any error becomes its JSON error response.
template <class Fn>
Handler Authed(service::Service& service, Fn fn) {
  return [&service, fn = std::move(fn)](const HttpRequest& request, const PathParams& params) -> HttpResponse {
    auto caller = AuthenticateRequest(service.auth(), request);
    if (!caller.ok()) return ErrorResponse(caller.status());
    Result<HttpResponse> response = fn(*caller, request, params);
    if (!response.ok()) return ErrorResponse(response.status());
    return std::move(response).value();
  };
}

template <class T>
Result<HttpResponse> JsonOr(int status, Result<T> result) {
  if (!result.ok()) return result.status();
  return JsonResponse(status, wire::ToJson(*result));
}

inline Result<HttpResponse> NoContentOr(const Status& status) {
  if (!status.ok()) return status;
  return NoContent();
}

// A flag in the query: absent, "false" or "0" is false; "true", "1" or a bare `name` is true.
inline Result<bool> BoolParam(const QueryParams& query, std::string_view name) {
  auto v = query.Get(name);
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  return Status::InvalidArgument(std::string(name) + " must be true or false");
}

// `property=KEY` or `property=KEY=VALUE` → the filter; nothing when absent.
inline Result<std::optional<PropertyMatch>> ParsePropertyFilter(const QueryParams& query) {
  auto v = query.Get("property");
  if (!v) return std::optional<PropertyMatch>();
  auto eq = v->find('=');
  if (v->empty() || eq == 0) return Status::InvalidArgument("property filter must be KEY or KEY=VALUE");
  std::optional<std::string> value;
  if (eq != std::string_view::npos) value = std::string(v->substr(eq + 1));
  return std::optional(std::make_pair(std::string(v->substr(0, eq)), value));
}

void AddAuthRoutes(Router& router, service::Service& service);
void AddUserRoutes(Router& router, service::Service& service);
void AddProjectRoutes(Router& router, service::Service& service);
void AddImageRoutes(Router& router, service::Service& service);
void AddAnnotationRoutes(Router& router, service::Service& service);
void AddOntologyRoutes(Router& router, service::Service& service);

}  // namespace vitrine::http::routes
