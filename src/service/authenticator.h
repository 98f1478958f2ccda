// Turns credentials into a Caller: bearer tokens, username+password (sign-in and HTTP Basic),
// and Cytomine-style HMAC-signed requests. Safe for concurrent use.
//
// Every failure is kUnauthenticated with a message that does not tell which part was wrong
// (unknown user vs. wrong password), except for clock skew, which a client must be able to fix.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/caller.h"
#include "service/options.h"

namespace vitrine::service {

struct SignedRequest {
  std::string_view authorization;  // "CYTOMINE pub:sig"
  std::string_view date;
  std::string_view method;
  std::string_view content_type;
  std::string_view resource;  // raw request-target
};

class Authenticator {
 public:
  Authenticator(const catalog::Catalog& catalog, const core::Clock& clock, const ServiceOptions& options)
      : catalog_(catalog), clock_(clock), options_(options) {}

  // `max_lifetime`: refuse a token minted to live longer (tokens carried in URLs, which end up
  // in browser histories and proxy logs, must be short-lived).
  Result<Caller> WithBearerToken(std::string_view token,
                                 std::optional<std::chrono::seconds> max_lifetime = std::nullopt) const;
  Result<Caller> WithPassword(std::string_view username, std::string_view password) const;
  Result<Caller> WithSignature(const SignedRequest& request) const;

 private:
  Result<Caller> EnabledUser(UserId id) const;
  bool RecentlyVerified(const std::string& key, const std::string& password_hash) const;
  void RememberVerified(const std::string& key, const std::string& password_hash) const;

  const catalog::Catalog& catalog_;
  const core::Clock& clock_;
  const ServiceOptions& options_;

  // argon2id costs tens of milliseconds by design; HTTP Basic would pay it on every request.
  // Remember recent successes, keyed by a hash of username and password, and tied to the stored
  // hash so a password change invalidates them at once.
  mutable std::mutex verified_mu_;
  mutable std::unordered_map<std::string, std::pair<std::string, Timestamp>> verified_;
};

// The form tokens are stored in: SHA-256 hex of the token.
std::string HashBearerToken(std::string_view token);

}  // namespace vitrine::service
