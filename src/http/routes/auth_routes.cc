// Signing in and out (/api/v1/auth/token), further tokens, and the health check.
#include "http/routes/route_helpers.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

Result<std::optional<std::chrono::seconds>> Lifetime(const wire::Json& body) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> seconds, wire::OptionalInt(body, "expires_in"));
  if (!seconds) return std::optional<std::chrono::seconds>();
  return std::optional<std::chrono::seconds>(*seconds);
}

// For the routes that come before any caller: `fn(service, request)`, whose error becomes its
// JSON error response.
Handler Anonymous(service::Service& service, Result<HttpResponse> (*fn)(service::Service&, const HttpRequest&)) {
  return [&service, fn](const HttpRequest& request, const PathParams&) -> HttpResponse {
    auto response = fn(service, request);
    return response.ok() ? std::move(response).value() : ErrorResponse(response.status());
  };
}

HttpResponse Health(const HttpRequest&, const PathParams&) { return JsonResponse(200, {{"status", "ok"}}); }

// Sign in with username and password; answers a bearer token. Hashing the password takes
// tens of milliseconds: always on a worker.
Result<HttpResponse> SignIn(service::Service& service, const HttpRequest& request) {
  if (!request.on_worker) return RunOnWorker();
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(std::string username, wire::RequiredString(body, "username"));
  VITRINE_ASSIGN_OR_RETURN(std::string password, wire::RequiredString(body, "password"));
  VITRINE_ASSIGN_OR_RETURN(auto lifetime, Lifetime(body));
  VITRINE_ASSIGN_OR_RETURN(auto cookie, wire::OptionalBool(body, "cookie"));
  VITRINE_ASSIGN_OR_RETURN(NewBearerToken token, service.users().SignIn(username, password, lifetime, request.client));
  HttpResponse r = JsonResponse(200, wire::ToJson(token));
  if (cookie.value_or(false)) {
    auto max_age = std::chrono::duration_cast<std::chrono::seconds>(token.info.expires_at - token.info.created_at);
    r.With("set-cookie", TokenCookie(request, token.token, max_age));
  }
  return r;
}

// Sign out: revokes the token that authenticated this request, from the Authorization header
// or else the sign-in cookie, and clears the cookie.
Result<HttpResponse> SignOut(service::Service& service, const HttpRequest& request) {
  std::string_view token = BearerTokenOf(request);
  if (token.empty() && request.header("authorization").empty()) token = CookieToken(request);
  if (token.empty()) {
    return Status::InvalidArgument("sign-out revokes the bearer token (or sign-in cookie) sent with it; none was sent");
  }
  VITRINE_ASSIGN_OR_RETURN(Caller caller, service.auth().WithBearerToken(token));
  VITRINE_RETURN_IF_ERROR(service.users().RevokeToken(caller, token));
  HttpResponse r = NoContent();
  if (!CookieToken(request).empty()) r.With("set-cookie", TokenCookie(request, "", std::chrono::seconds(0)));
  return r;
}

// A further token for the signed-in user (scripts, long-running jobs).
Result<HttpResponse> IssueToken(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId subject, SubjectUser(caller, params));
  wire::Json body = wire::Json::object();
  if (!request.body.empty()) {
    VITRINE_ASSIGN_OR_RETURN(body, wire::ParseObject(request.body));
  }
  VITRINE_ASSIGN_OR_RETURN(auto lifetime, Lifetime(body));
  return JsonOr(201, service.users().IssueToken(caller, subject, lifetime));
}

}  // namespace

void AddAuthRoutes(Router& router, service::Service& service) {
  router.Add("GET", "/api/v1/health", Health);
  router.Add("POST", "/api/v1/auth/token", Anonymous(service, SignIn));
  router.Add("DELETE", "/api/v1/auth/token", Anonymous(service, SignOut));
  for (const std::string path : {"/api/v1/users/me/tokens", "/api/v1/users/{user_id}/tokens"}) {
    router.Add("POST", path, Authed(service, IssueToken));
  }
}

}  // namespace vitrine::http::routes
