// Finds out who sent a request, from its Authorization header:
//   Bearer <token> | Basic <base64(user:password)> | CYTOMINE <public>:<signature> (with `date`).
#pragma once

#include <chrono>
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

}  // namespace vitrine::http
