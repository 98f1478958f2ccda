#include "http/authenticate.h"

#include <strings.h>

#include "http/query.h"

namespace vitrine::http {
namespace {

bool HasScheme(std::string_view header, std::string_view scheme) {
  return header.size() > scheme.size() && header[scheme.size()] == ' ' &&
         strncasecmp(header.data(), scheme.data(), scheme.size()) == 0;
}

}  // namespace

std::string_view BearerTokenOf(const HttpRequest& request) {
  std::string_view header = request.header("authorization");
  if (!HasScheme(header, "Bearer")) return {};
  std::string_view token = header.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

bool AuthenticationWouldBlock(const service::Authenticator& auth, const HttpRequest& request) {
  std::string_view header = request.header("authorization");
  if (!HasScheme(header, "Basic")) return false;
  return auth.WouldHashBasicAuthorization(header);
}

Result<service::Caller> AuthenticateRequest(const service::Authenticator& auth, const HttpRequest& request) {
  std::string_view header = request.header("authorization");
  if (header.empty()) {
    return Status::Unauthenticated(
        "authentication required: send 'Authorization: Bearer <token>', Basic, or a "
        "CYTOMINE signature");
  }
  if (HasScheme(header, "Bearer")) return auth.WithBearerToken(BearerTokenOf(request));
  if (HasScheme(header, "Basic")) return auth.WithBasicAuthorization(header, request.client);
  if (header.starts_with("CYTOMINE ")) {
    return auth.WithSignature({header, request.header("date"), request.method, request.header("content-type"),
                               request.target, request.client});
  }
  return Status::Unauthenticated("unsupported authorization scheme");
}

namespace {

std::optional<std::string_view> CookieValue(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    auto end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    cookies = end == std::string_view::npos ? std::string_view() : cookies.substr(end + 1);
  }
  return std::nullopt;
}

}  // namespace

std::string_view CookieToken(const HttpRequest& request) {
  return CookieValue(request.header("cookie"), kTokenCookie).value_or(std::string_view());
}

std::string TokenCookie(const HttpRequest& request, std::string_view token, std::chrono::seconds max_age) {
  // For browser viewers: pictures only (AuthenticateViewer), never script-readable, never sent
  // by another site's pages, and over HTTPS only when the page came over HTTPS.
  return std::string(kTokenCookie) + "=" + std::string(token) +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count()) +
         (request.secure ? "; Secure" : "");
}

Result<service::Caller> AuthenticateViewer(const service::Authenticator& auth, const HttpRequest& request) {
  const bool reading = request.method == "GET" || request.method == "HEAD";
  if (!request.header("authorization").empty() || !reading) return AuthenticateRequest(auth, request);
  if (auto token = CookieToken(request); !token.empty()) return auth.WithBearerToken(token);
  auto query = QueryParams::Parse(request.query);
  if (query.ok()) {
    if (auto token = query->Get("access_token")) return auth.WithBearerToken(*token, kMaxUrlTokenLifetime);
  }
  return AuthenticateRequest(auth, request);
}

}  // namespace vitrine::http
