// How a remote client proves who it is. Fill one kind: a bearer token, a username and
// password, or an API key pair (requests are then HMAC-signed, Cytomine style).
#pragma once

#include <string>

namespace vitrine {

struct Credentials {
  std::string url{};  // "http://host:8080"
  std::string token{};
  std::string username{};
  std::string password{};
  std::string public_key{};
  std::string private_key{};

  bool empty() const { return token.empty() && username.empty() && public_key.empty(); }
};

}  // namespace vitrine
