#include "service/user_service.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "auth/password.h"
#include "core/digest.h"
#include "service/authenticator.h"
#include "service/pagination.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxNameLength = 256;
constexpr std::string_view kTokenPrefix = "vt_";

Status ValidateProfileField(std::string_view field, const std::optional<std::string>& value) {
  if (value && value->size() > kMaxNameLength) {
    return Status::InvalidArgument(std::string(field) + " must be at most " + std::to_string(kMaxNameLength) +
                                   " characters");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateUsername(std::string_view username) {
  auto valid_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  };
  bool ok = !username.empty() && username.size() <= 64 && std::isalnum(static_cast<unsigned char>(username[0]));
  for (char c : username) ok = ok && valid_char(c);
  if (!ok) {
    return Status::InvalidArgument(
        "username must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return Status::Ok();
}

Status UserService::RequireSelfOrAdmin(const Caller& caller, UserId id) const {
  // A job's token reads its owner's account but never changes it nor mints credentials: it
  // must not outlive its job or reach past its project.
  if (caller.project_scope()) return Status::PermissionDenied("a job's token cannot act on user accounts");
  if (caller.is_admin() || caller.user_id() == id) return Status::Ok();
  return Status::PermissionDenied("only an administrator may act on another user's account");
}

Result<User> UserService::Create(const Caller& caller, const CreateUserRequest& request) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may create users");
  VITRINE_RETURN_IF_ERROR(ValidateUsername(request.username));
  VITRINE_RETURN_IF_ERROR(ValidateProfileField("name", request.name));
  VITRINE_RETURN_IF_ERROR(ValidateProfileField("email", request.email));
  VITRINE_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(request.password, options_.password_hashing));
  return catalog_.CreateUser(
      {request.username, request.name, request.email, request.admin, std::move(hash), clock_.Now()});
}

Result<User> UserService::Get(const Caller& caller, UserId id) const {
  if (!(caller.project_scope() && caller.user_id() == id)) VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, id));
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord record, catalog_.GetUser(id));
  return record.user;
}

Result<User> UserService::FindByUsername(const Caller& caller, std::string_view username) const {
  // Checked before the lookup, so that "not found" versus "forbidden" reveals no usernames.
  if (!caller.is_admin() &&
      !(caller.user() && strcasecmp(caller.user()->username.c_str(), std::string(username).c_str()) == 0)) {
    return Status::PermissionDenied("only an administrator may look up other users");
  }
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord record, catalog_.FindUserByUsername(username));
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, record.user.id));
  return record.user;
}

Result<Page<User>> UserService::List(const Caller& caller, const PageRequest& page) const {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may list users");
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  return catalog_.ListUsers(page);
}

Result<std::vector<User>> UserService::ListKnown(const Caller& caller) const {
  std::vector<User> known;
  constexpr std::int64_t kPage = PageRequest::kMaxLimit;
  if (caller.is_admin()) {
    for (std::int64_t offset = 0;; offset += kPage) {
      VITRINE_ASSIGN_OR_RETURN(auto page, catalog_.ListUsers({kPage, offset}));
      known.insert(known.end(), page.items.begin(), page.items.end());
      if (static_cast<std::int64_t>(page.items.size()) < kPage) return known;
    }
  }
  if (!caller.user()) return known;
  std::map<std::int64_t, std::string> members;
  // A job's token reaches one project: its members, not those of the user's other projects.
  if (caller.project_scope()) {
    VITRINE_ASSIGN_OR_RETURN(auto listed, catalog_.ListMembers(*caller.project_scope()));
    for (const ProjectMember& m : listed) members.emplace(m.user_id.value(), m.username);
  } else {
    for (std::int64_t offset = 0;; offset += kPage) {
      VITRINE_ASSIGN_OR_RETURN(auto page, catalog_.ListProjects(caller.user_id(), {}, {kPage, offset}));
      for (const Project& project : page.items) {
        VITRINE_ASSIGN_OR_RETURN(auto listed, catalog_.ListMembers(project.id));
        for (const ProjectMember& m : listed) members.emplace(m.user_id.value(), m.username);
      }
      if (static_cast<std::int64_t>(page.items.size()) < kPage) break;
    }
  }
  members.erase(caller.user_id().value());
  known.push_back(*caller.user());
  for (const auto& [id, username] : members) {
    User user;
    user.id = UserId(id);
    user.username = username;
    known.push_back(std::move(user));
  }
  std::sort(known.begin(), known.end(), [](const User& a, const User& b) { return a.id < b.id; });
  return known;
}

Result<User> UserService::Update(const Caller& caller, UserId id, const UpdateUserRequest& request,
                                 std::string_view current_token, std::string_view client) {
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, id));
  if ((request.admin || request.enabled || request.worker) && !caller.is_admin()) {
    return Status::PermissionDenied("only an administrator may change 'admin', 'enabled' or 'worker'");
  }
  if (caller.user_id() == id && request.enabled == false) {
    return Status::InvalidArgument("you cannot disable your own account");
  }
  VITRINE_RETURN_IF_ERROR(ValidateProfileField("name", request.name));
  VITRINE_RETURN_IF_ERROR(ValidateProfileField("email", request.email));
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord current, catalog_.GetUser(id));
  catalog::UserChanges changes{request.name,    request.email,  request.admin,
                               request.enabled, request.worker, std::nullopt};
  if (request.password) {
    if (!caller.is_admin()) {
      if (!request.current_password) {
        return Status::InvalidArgument("changing your password needs 'current_password'");
      }
      // Through the sign-in limits: a stolen token must not be a way to guess the password.
      auto confirmed = auth_.WithPassword(current.user.username, *request.current_password, client);
      if (confirmed.status().code() == ErrorCode::kTooManyRequests) return confirmed.status();
      if (!confirmed.ok()) return Status::PermissionDenied("current_password is wrong");
    }
    VITRINE_ASSIGN_OR_RETURN(changes.password_hash, auth::HashPassword(*request.password, options_.password_hashing));
    changes.revoke_tokens_at = clock_.Now();
    if (!current_token.empty()) changes.keep_token_hash = HashBearerToken(current_token);
  }
  return catalog_.UpdateUser(id, changes);
}

Result<std::optional<BootstrapAdmin>> UserService::EnsureAdmin() {
  VITRINE_ASSIGN_OR_RETURN(std::int64_t users, catalog_.CountUsers());
  if (users > 0) return std::optional<BootstrapAdmin>();
  std::string password = core::RandomUrlToken(15);
  auto user = Create(Caller::LocalOperator(), {"admin", password, "Administrator", "", /*admin=*/true});
  // Servers sharing a new catalog start together: one of them makes the administrator.
  if (user.status().code() == ErrorCode::kConflict) return std::optional<BootstrapAdmin>();
  if (!user.ok()) return user.status();
  return std::optional<BootstrapAdmin>(BootstrapAdmin{std::move(*user), std::move(password)});
}

Result<NewBearerToken> UserService::MintToken(UserId user, std::optional<std::chrono::seconds> lifetime) {
  auto life = lifetime.value_or(options_.default_token_lifetime);
  if (life.count() <= 0 || life > options_.max_token_lifetime) {
    return Status::InvalidArgument("token lifetime must be between 1 second and " +
                                   std::to_string(options_.max_token_lifetime.count()) + " seconds");
  }
  std::string token = std::string(kTokenPrefix) + core::RandomUrlToken(32);
  Timestamp now = clock_.Now();
  VITRINE_ASSIGN_OR_RETURN(BearerToken info, catalog_.CreateToken(user, HashBearerToken(token), now, now + life));
  return NewBearerToken{info, std::move(token)};
}

Result<NewBearerToken> UserService::SignIn(std::string_view username, std::string_view password,
                                           std::optional<std::chrono::seconds> lifetime, std::string_view client) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, auth_.WithPassword(username, password, client));
  return MintToken(caller.user_id(), lifetime);
}

Result<NewBearerToken> UserService::IssueToken(const Caller& caller, UserId for_user,
                                               std::optional<std::chrono::seconds> lifetime) {
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, for_user));
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord record, catalog_.GetUser(for_user));
  if (!record.user.enabled) return Status::InvalidArgument("user '" + record.user.username + "' is disabled");
  return MintToken(for_user, lifetime);
}

Status UserService::RevokeToken(const Caller& caller, std::string_view token) {
  auto found = catalog_.FindTokenByHash(HashBearerToken(token));
  if (!found.ok()) return found.status();
  if (!caller.is_admin() && found->user_id != caller.user_id()) return Status::NotFound("token not found");
  return catalog_.RevokeToken(found->id, clock_.Now());
}

Result<NewApiKey> UserService::CreateApiKey(const Caller& caller, UserId for_user) {
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, for_user));
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord record, catalog_.GetUser(for_user));
  std::string public_key = core::RandomUrlToken(18);
  std::string private_key = core::RandomUrlToken(32);
  VITRINE_ASSIGN_OR_RETURN(ApiKey key, catalog_.CreateApiKey(record.user.id, public_key, private_key, clock_.Now()));
  return NewApiKey{std::move(key), std::move(private_key)};
}

Result<std::vector<ApiKey>> UserService::ListApiKeys(const Caller& caller, UserId of_user) const {
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, of_user));
  VITRINE_ASSIGN_OR_RETURN(catalog::UserRecord record, catalog_.GetUser(of_user));
  return catalog_.ListApiKeys(record.user.id);
}

Status UserService::RevokeApiKey(const Caller& caller, UserId of_user, ApiKeyId key) {
  VITRINE_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, of_user));
  return catalog_.RevokeApiKey(of_user, key, clock_.Now());
}

}  // namespace vitrine::service
