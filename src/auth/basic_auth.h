// HTTP Basic credentials (RFC 7617).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vitrine::auth {

struct BasicCredentials {
  std::string username;
  std::string password;
};

// Parses "Basic base64(user:password)"; nullopt if malformed. The scheme name is case-insensitive.
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header);

}  // namespace vitrine::auth
