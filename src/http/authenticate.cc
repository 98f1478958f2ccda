#include "http/authenticate.h"

#include <strings.h>

#include "auth/basic_auth.h"

namespace vitrine::http {
namespace {

bool HasScheme(std::string_view header, std::string_view scheme) {
  return header.size() > scheme.size() && header[scheme.size()] == ' ' &&
         strncasecmp(header.data(), scheme.data(), scheme.size()) == 0;
}

}  // namespace

Result<service::Caller> AuthenticateRequest(const service::Authenticator& auth, const HttpRequest& request) {
  std::string_view header = request.header("authorization");
  if (header.empty()) {
    return Status::Unauthenticated("authentication required: send 'Authorization: Bearer <token>', Basic, or a "
                                   "CYTOMINE signature");
  }
  if (HasScheme(header, "Bearer")) {
    std::string_view token = header.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return auth.WithBearerToken(token);
  }
  if (HasScheme(header, "Basic")) {
    auto credentials = auth::ParseBasicAuthorization(header);
    if (!credentials) return Status::Unauthenticated("malformed Basic authorization header");
    return auth.WithPassword(credentials->username, credentials->password);
  }
  if (header.starts_with("CYTOMINE ")) {
    return auth.WithSignature({header, request.header("date"), request.method, request.header("content-type"),
                               request.target});
  }
  return Status::Unauthenticated("unsupported authorization scheme");
}

}  // namespace vitrine::http
