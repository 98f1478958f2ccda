// Finds out who sent a request, from its Authorization header:
//   Bearer <token> | Basic <base64(user:password)> | CYTOMINE <public>:<signature> (with `date`).
#pragma once

#include "http/message.h"
#include "service/authenticator.h"

namespace vitrine::http {

// kUnauthenticated when the header is missing, of an unknown scheme, or its credentials fail.
Result<service::Caller> AuthenticateRequest(const service::Authenticator& auth, const HttpRequest& request);

}  // namespace vitrine::http
