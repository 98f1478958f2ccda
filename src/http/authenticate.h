// Finds out who sent a request, from its Authorization header:
//   Bearer <token> | Basic <base64(user:password)> | CYTOMINE <public>:<signature> (with `date`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/message.h"
#include "service/authenticator.h"

namespace vitrine::http {

// kUnauthenticated when the header is missing, of an unknown scheme, or its credentials fail.
Result<service::Caller> AuthenticateRequest(const service::Authenticator& auth, const HttpRequest& request);

// For pictures fetched by browsers, which cannot add headers to <img> or viewer tile requests:
// the Authorization header if there is one; else, for GET and HEAD only, the bearer token in
// the `vitrine_token` cookie (set by signing in with "cookie": true) or in the `access_token`
// query parameter, which must be a token minted to live at most kMaxUrlTokenLifetime. Never an
// API key: those sign requests, and a signature cannot travel in a URL.
inline constexpr std::chrono::seconds kMaxUrlTokenLifetime{3600};
Result<service::Caller> AuthenticateViewer(const service::Authenticator& auth, const HttpRequest& request);

inline constexpr std::string_view kTokenCookie = "vitrine_token";

// The token of an `Authorization: Bearer` header (the scheme in any case); empty if none.
std::string_view BearerTokenOf(const HttpRequest& request);
// The token of the sign-in cookie; empty if none.
std::string_view CookieToken(const HttpRequest& request);
// The Set-Cookie value that carries `token` (Max-Age 0 clears it); Secure over HTTPS.
std::string TokenCookie(const HttpRequest& request, std::string_view token, std::chrono::seconds max_age);

// True when authenticating would hash a password (Basic, not recently verified): tens of
// milliseconds that must not be spent on a network thread.
bool AuthenticationWouldBlock(const service::Authenticator& auth, const HttpRequest& request);

}  // namespace vitrine::http
