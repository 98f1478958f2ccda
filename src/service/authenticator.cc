#include "service/authenticator.h"

#include <algorithm>

#include "auth/basic_auth.h"
#include "auth/cytomine_signature.h"
#include "auth/password.h"
#include "core/digest.h"
#include "core/time_format.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxRememberedPasswords = 4096;
constexpr std::chrono::minutes kRememberPasswordFor{5};
constexpr std::size_t kMaxRememberedSignatures = 200'000;
constexpr std::size_t kMaxSignaturesPerKey = 20'000;

Status BadCredentials() { return Status::Unauthenticated("invalid credentials"); }

}  // namespace

std::string HashBearerToken(std::string_view token) { return core::Sha256Hex(token); }

Authenticator::Authenticator(const catalog::Catalog& catalog, const core::Clock& clock, const ServiceOptions& options)
    : catalog_(catalog),
      clock_(clock),
      options_(options),
      limiter_(clock, options.sign_in_limits),
      verified_key_secret_(core::RandomUrlToken(32)) {}

Result<Caller> Authenticator::EnabledUser(UserId id) const {
  auto record = catalog_.GetUser(id);
  if (record.status().code() == ErrorCode::kNotFound) return BadCredentials();
  VITRINE_RETURN_IF_ERROR(record.status());
  if (!record->user.enabled) return Status::Unauthenticated("account disabled");
  return Caller::ForUser(std::move(record->user));
}

Result<Caller> Authenticator::Refreshed(const Caller& caller) const {
  if (!caller.user()) return caller;
  VITRINE_ASSIGN_OR_RETURN(Caller now, EnabledUser(caller.user_id()));
  if (caller.project_scope()) return Caller::ForJob(*now.user(), *caller.project_scope());
  return now;
}

Result<Caller> Authenticator::WithBearerToken(std::string_view token,
                                              std::optional<std::chrono::seconds> max_lifetime) const {
  auto found = catalog_.FindTokenWithUser(HashBearerToken(token));
  if (found.status().code() == ErrorCode::kNotFound) return BadCredentials();
  VITRINE_RETURN_IF_ERROR(found.status());
  const BearerToken& t = found->token;
  if (t.revoked_at) return Status::Unauthenticated("token revoked");
  if (t.expires_at <= clock_.Now()) return Status::Unauthenticated("token expired");
  if (max_lifetime && t.expires_at - t.created_at > *max_lifetime) {
    return Status::Unauthenticated("a token in a URL must live at most " + std::to_string(max_lifetime->count()) +
                                   " s: mint one with POST /api/v1/users/me/tokens {\"expires_in\": " +
                                   std::to_string(max_lifetime->count()) + "}");
  }
  if (!found->owner.user.enabled) return Status::Unauthenticated("account disabled");
  if (t.project_scope) return Active(Caller::ForJob(std::move(found->owner.user), *t.project_scope));
  return Active(Caller::ForUser(std::move(found->owner.user)));
}

Result<Caller> Authenticator::WithPassword(std::string_view username, std::string_view password,
                                           std::string_view client) const {
  VITRINE_RETURN_IF_ERROR(limiter_.Admit(username, client));
  auto record = catalog_.FindUserByUsername(username);
  if (record.status().code() == ErrorCode::kNotFound) {
    // Spend the same time as for a real user, so timing does not reveal which usernames exist.
    static const std::string kDummy = auth::HashPassword("timing-equaliser", options_.password_hashing).value();
    (void)auth::VerifyPassword(password, kDummy);
    limiter_.RecordFailure(username, client);
    return BadCredentials();
  }
  VITRINE_RETURN_IF_ERROR(record.status());
  std::string key = VerifiedKey(username, password);
  if (!RecentlyVerified(key, record->password_hash)) {
    if (record->password_hash.empty() || !auth::VerifyPassword(password, record->password_hash)) {
      limiter_.RecordFailure(username, client);
      return BadCredentials();
    }
    RememberVerified(key, record->password_hash);
  }
  limiter_.RecordSuccess(username, client);
  if (!record->user.enabled) return Status::Unauthenticated("account disabled");
  return Active(Caller::ForUser(std::move(record->user)));
}

Result<Caller> Authenticator::WithBasicAuthorization(std::string_view header, std::string_view client) const {
  auto credentials = auth::ParseBasicAuthorization(header);
  if (!credentials) return Status::Unauthenticated("malformed Basic authorization header");
  return WithPassword(credentials->username, credentials->password, client);
}

bool Authenticator::WouldHashBasicAuthorization(std::string_view header) const {
  auto credentials = auth::ParseBasicAuthorization(header);
  return credentials && WouldHashPassword(credentials->username, credentials->password);
}

bool Authenticator::WouldHashPassword(std::string_view username, std::string_view password) const {
  std::string key = VerifiedKey(username, password);
  std::lock_guard lock(verified_mu_);
  auto it = verified_.find(key);
  return it == verified_.end() || it->second.second <= clock_.Now();
}

std::string Authenticator::VerifiedKey(std::string_view username, std::string_view password) const {
  return core::HmacSha256Hex(verified_key_secret_, std::string(username) + '\0' + std::string(password));
}

Result<Caller> Authenticator::WithSignature(const SignedRequest& request) const {
  auto parsed = auth::ParseCytomineAuthorization(request.authorization);
  if (!parsed) return Status::Unauthenticated("malformed CYTOMINE authorization header");
  if (request.date.empty()) return Status::Unauthenticated("a signed request needs a date header");
  auto date = core::ParseHttpDate(request.date);
  if (!date.ok()) return Status::Unauthenticated("unreadable date header: " + std::string(request.date));
  auto skew = clock_.Now() - *date;
  if (skew > options_.max_signature_skew || -skew > options_.max_signature_skew) {
    return Status::Unauthenticated("date header is more than " +
                                   std::to_string(options_.max_signature_skew.count() / 60) +
                                   " minutes from the server clock (" + core::FormatHttpDate(clock_.Now()) + ")");
  }
  auto key = catalog_.FindApiKey(parsed->public_key);
  if (key.status().code() == ErrorCode::kNotFound) return BadCredentials();
  VITRINE_RETURN_IF_ERROR(key.status());
  if (key->key.revoked_at) return Status::Unauthenticated("API key revoked");
  auth::SignedRequestParts parts{request.method, request.content_type, request.date, request.resource};
  if (!auth::VerifyCytomineSignature(key->private_key, parts, parsed->signature)) return BadCredentials();
  VITRINE_RETURN_IF_ERROR(ClaimSignature(request, parsed->public_key));
  return Active(EnabledUser(key->key.user_id));
}

Result<Caller> Authenticator::Active(Result<Caller> caller) const {
  if (caller.ok() && caller->user()) {
    const Timestamp now = clock_.Now();
    std::lock_guard lock(active_mu_);
    last_active_[caller->user_id().value()] = now;
  }
  return caller;
}

std::vector<UserId> Authenticator::ActiveSince(Timestamp since) const {
  std::vector<std::pair<Timestamp, std::int64_t>> recent;
  {
    std::lock_guard lock(active_mu_);
    for (const auto& [user, at] : last_active_) {
      if (at >= since) recent.emplace_back(at, user);
    }
  }
  std::sort(recent.rbegin(), recent.rend());
  std::vector<UserId> users;
  for (const auto& [at, user] : recent) users.emplace_back(user);
  return users;
}

Status Authenticator::ClaimSignature(const SignedRequest& request, std::string_view public_key) const {
  std::string id = std::string(request.authorization) + '\n' + std::string(request.date);
  const Timestamp now = clock_.Now();
  std::lock_guard lock(signatures_mu_);
  auto& of_key = used_signatures_[std::string(public_key)];
  if (of_key.size() >= kMaxSignaturesPerKey || signatures_remembered_ >= kMaxRememberedSignatures) {
    for (auto& [key, entries] : used_signatures_) {
      signatures_remembered_ -= std::erase_if(entries, [&](const auto& entry) { return entry.second.second <= now; });
    }
    std::erase_if(used_signatures_,
                  [&](const auto& entry) { return entry.second.empty() && &entry.second != &of_key; });
  }
  // One key's flood fills only its own share: others' signed requests go on.
  if (of_key.size() >= kMaxSignaturesPerKey || signatures_remembered_ >= kMaxRememberedSignatures) {
    return Status::TooManyRequests("too many distinct signed requests with this key in the last " +
                                       std::to_string(2 * options_.max_signature_skew.count() / 60) + " minutes",
                                   60);
  }
  auto [it, fresh] =
      of_key.try_emplace(std::move(id), std::string(request.client), now + 2 * options_.max_signature_skew);
  if (fresh) {
    ++signatures_remembered_;
  } else if (it->second.first != request.client) {
    return Status::Unauthenticated("this signature was already used from another address: sign each request anew");
  }
  return Status::Ok();
}

bool Authenticator::RecentlyVerified(const std::string& key, const std::string& password_hash) const {
  std::lock_guard lock(verified_mu_);
  auto it = verified_.find(key);
  return it != verified_.end() && it->second.first == password_hash && it->second.second > clock_.Now();
}

void Authenticator::RememberVerified(const std::string& key, const std::string& password_hash) const {
  std::lock_guard lock(verified_mu_);
  if (verified_.size() >= kMaxRememberedPasswords) verified_.clear();
  verified_[key] = {password_hash, clock_.Now() + kRememberPasswordFor};
}

}  // namespace vitrine::service
