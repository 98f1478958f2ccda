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
#include <vector>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/caller.h"
#include "service/options.h"
#include "service/sign_in_limiter.h"

namespace vitrine::service {

struct SignedRequest {
  std::string_view authorization;  // "CYTOMINE pub:sig"
  std::string_view date;
  std::string_view method;
  std::string_view content_type;
  std::string_view resource;  // raw request-target
  std::string_view client;    // the client's address; see WithSignature
};

class Authenticator {
 public:
  Authenticator(const catalog::Catalog& catalog, const core::Clock& clock, const ServiceOptions& options);

  // `max_lifetime`: refuse a token minted to live longer (tokens carried in URLs, which end up
  // in browser histories and proxy logs, must be short-lived).
  Result<Caller> WithBearerToken(std::string_view token,
                                 std::optional<std::chrono::seconds> max_lifetime = std::nullopt) const;
  // `client`: the address the attempt came from, for the SignInLimiter (empty in-process).
  // kTooManyRequests while that account or address must wait after repeated failures.
  Result<Caller> WithPassword(std::string_view username, std::string_view password, std::string_view client = {}) const;
  // True when WithPassword would run argon2id (tens of milliseconds): the answer is not
  // remembered from a recent success. Network threads hand such requests to a worker.
  bool WouldHashPassword(std::string_view username, std::string_view password) const;
  // WithPassword for an HTTP "Basic base64(user:password)" Authorization header, parsed here as
  // Cytomine signatures are: kUnauthenticated when it is malformed.
  Result<Caller> WithBasicAuthorization(std::string_view header, std::string_view client = {}) const;
  // WouldHashPassword for such a header; false when it is malformed (refused at once).
  bool WouldHashBasicAuthorization(std::string_view header) const;

  // A signature is valid for max_signature_skew around its date and, in the path-less form real
  // Cytomine 4.x clients send, for any request with the same method. So a captured signature
  // is bound to the client address that first used it: another address replaying it within
  // the window is refused. The same address may send it again, as a 4.x client's parallel
  // requests within one second do (they carry identical signatures).
  Result<Caller> WithSignature(const SignedRequest& request) const;

  // The users whose credentials were accepted at or after `since`, most recent first (kept in
  // memory, since the server started): who is online, for Cytomine's user listing.
  std::vector<UserId> ActiveSince(Timestamp since) const;

  // The caller as its account stands now, keeping a job token's project scope: for work that
  // outlives the request it was checked at (a long streamed answer), which must stop when the
  // account is disabled or deleted. The local operator stands as it is.
  Result<Caller> Refreshed(const Caller& caller) const;

 private:
  Result<Caller> EnabledUser(UserId id) const;
  // Every accepted credential passes here, so that ActiveSince knows who is online.
  Result<Caller> Active(Result<Caller> caller) const;
  std::string VerifiedKey(std::string_view username, std::string_view password) const;
  bool RecentlyVerified(const std::string& key, const std::string& password_hash) const;
  void RememberVerified(const std::string& key, const std::string& password_hash) const;
  Status ClaimSignature(const SignedRequest& request, std::string_view public_key) const;

  const catalog::Catalog& catalog_;
  const core::Clock& clock_;
  const ServiceOptions& options_;

  mutable SignInLimiter limiter_;

  // argon2id costs tens of milliseconds by design; HTTP Basic would pay it on every request.
  // Remember recent successes, keyed by an HMAC of username and password under a key made at
  // start (so the table is no offline-guessable password list), and tied to the stored hash so
  // a password change invalidates them at once.
  const std::string verified_key_secret_;
  mutable std::mutex verified_mu_;
  mutable std::unordered_map<std::string, std::pair<std::string, Timestamp>> verified_;

  // public key → (signature, date) → the client address that used it first, until it expires.
  // Each key has its share of the memory, so one key's flood cannot refuse another's requests.
  mutable std::mutex signatures_mu_;
  mutable std::unordered_map<std::string, std::unordered_map<std::string, std::pair<std::string, Timestamp>>>
      used_signatures_;
  mutable std::size_t signatures_remembered_ = 0;

  mutable std::mutex active_mu_;
  mutable std::unordered_map<std::int64_t, Timestamp> last_active_;
};

// The form tokens are stored in: SHA-256 hex of the token.
std::string HashBearerToken(std::string_view token);

}  // namespace vitrine::service
