// Accounts and their credentials: users, API key pairs, bearer tokens. Safe for concurrent use.
//
// Rights: admins (and the local operator) manage every account; a user reads and edits their
// own profile, keys and tokens. Others' accounts answer kPermissionDenied (user ids are not
// secret: managers need them to add members).
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/authenticator.h"
#include "service/caller.h"
#include "service/options.h"
#include "vitrine/requests.h"

namespace vitrine::service {

using CreateUserRequest = vitrine::NewUser;
using UpdateUserRequest = vitrine::UserUpdate;

// What a first start prints once: the account it made and its password.
struct BootstrapAdmin {
  User user;
  std::string password;
};

class UserService {
 public:
  UserService(catalog::Catalog& catalog, const Authenticator& auth, const core::Clock& clock,
              const ServiceOptions& options)
      : catalog_(catalog), auth_(auth), clock_(clock), options_(options) {}

  Result<User> Create(const Caller& caller, const CreateUserRequest& request);
  Result<User> Get(const Caller& caller, UserId id) const;
  Result<User> FindByUsername(const Caller& caller, std::string_view username) const;
  Result<Page<User>> List(const Caller& caller, const PageRequest& page) const;
  // The accounts a caller may know of, by id: every account for an administrator; else their
  // own and the members of their projects, of whom only the id and username are filled in (what
  // a project's member list shows them already).
  Result<std::vector<User>> ListKnown(const Caller& caller) const;
  // A new password revokes the user's bearer tokens, all but `current_token` (the one the
  // request came with, if any). kConflict when it would leave no enabled administrator.
  // `current_password` is checked under the sign-in limits of `client` (kTooManyRequests).
  Result<User> Update(const Caller& caller, UserId id, const UpdateUserRequest& request,
                      std::string_view current_token = {}, std::string_view client = {});

  // On an empty catalog, creates the account "admin" with a random password; nullopt otherwise.
  Result<std::optional<BootstrapAdmin>> EnsureAdmin();

  // Bearer tokens. `lifetime` defaults to options.default_token_lifetime.
  // `client`: the address the attempt came from, for the sign-in limits (see SignInLimiter).
  Result<NewBearerToken> SignIn(std::string_view username, std::string_view password,
                                std::optional<std::chrono::seconds> lifetime, std::string_view client = {});
  Result<NewBearerToken> IssueToken(const Caller& caller, UserId for_user,
                                    std::optional<std::chrono::seconds> lifetime);
  // Revokes the given token if it belongs to the caller (or the caller is an admin).
  Status RevokeToken(const Caller& caller, std::string_view token);

  // API key pairs.
  Result<NewApiKey> CreateApiKey(const Caller& caller, UserId for_user);
  Result<std::vector<ApiKey>> ListApiKeys(const Caller& caller, UserId of_user) const;
  Status RevokeApiKey(const Caller& caller, UserId of_user, ApiKeyId key);

 private:
  Status RequireSelfOrAdmin(const Caller& caller, UserId id) const;
  Result<NewBearerToken> MintToken(UserId user, std::optional<std::chrono::seconds> lifetime);

  catalog::Catalog& catalog_;
  const Authenticator& auth_;
  const core::Clock& clock_;
  const ServiceOptions& options_;
};

// kInvalidArgument unless 1–64 characters of [A-Za-z0-9._-] starting with a letter or digit.
Status ValidateUsername(std::string_view username);

}  // namespace vitrine::service
