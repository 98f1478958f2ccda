// Sticky Pi's tokens and users. A Sticky Pi user is a Vitrine user; what Sticky Pi calls its
// roles are the user's role in the Sticky Pi project: admin = manager (or a Vitrine
// administrator), read_write_user = contributor, read_only_user = viewer.
#include <map>

#include "compat/stickypi/stickypi_routes.h"

namespace vitrine::compat::stickypi {
namespace {

struct UserRoles {
  std::map<UserId, ProjectRole> in_project;
};

Result<UserRoles> RolesOf(StickyPi& sticky) {
  UserRoles roles;
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  if (!project) return roles;
  VITRINE_ASSIGN_OR_RETURN(auto members, sticky.service.projects().ListMembers(Caller::LocalOperator(), *project));
  for (const ProjectMember& m : members) roles.in_project[m.user_id] = m.role;
  return roles;
}

Json UserRow(const User& user, const UserRoles& roles) {
  auto role = roles.in_project.find(user.id);
  const bool manager = role != roles.in_project.end() && role->second == ProjectRole::kManager;
  const bool writer = role != roles.in_project.end() && role->second >= ProjectRole::kContributor;
  return Json{{"id", user.id.value()},
              {"username", user.username},
              {"email", user.email.empty() ? Json(nullptr) : Json(user.email)},
              {"password_hash", "***********"},
              {"is_admin", user.admin || manager},
              {"can_write", user.admin || writer},
              {"datetime_created", FormatTime(user.created_at)},
              {"api_version", "vitrine"},
              {"api_user_id", nullptr}};
}

// Whether `user` matches one of upstream's filter dicts: LIKE on text columns, equality on
// the others; an empty dict matches everyone.
Result<bool> Matches(const User& user, const UserRoles& roles, const Json& filter) {
  for (const auto& [key, value] : filter.items()) {
    if (key == "username" || key == "email") {
      if (!value.is_string() || value.get<std::string>().size() > kMaxLikePattern) {
        return Status::InvalidArgument("'" + key + "' must be a LIKE pattern of at most " +
                                       std::to_string(kMaxLikePattern) + " bytes");
      }
      if (!Like(value.get<std::string>(), key == "username" ? user.username : user.email)) return false;
    } else if (key == "id") {
      if (!value.is_number_integer() || value.get<std::int64_t>() != user.id.value()) return false;
    } else if (key == "is_admin") {
      if (!value.is_boolean() || value.get<bool>() != UserRow(user, roles)["is_admin"].get<bool>()) return false;
    } else {
      return Status::InvalidArgument("users are found by username, email, id or is_admin, not '" + key + "'");
    }
  }
  return true;
}

Result<std::vector<User>> MatchingUsers(StickyPi& sticky, const Caller& caller, const UserRoles& roles,
                                        const Json& info) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> filters, Objects(info));
  if (filters.size() > kMaxLikeFilters) {
    return Status::TooLarge("send at most " + std::to_string(kMaxLikeFilters) + " filters at once");
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<User> known, sticky.service.users().ListKnown(caller));
  std::vector<User> out;
  for (const User& user : known) {
    for (const Json& filter : filters) {
      VITRINE_ASSIGN_OR_RETURN(bool match, Matches(user, roles, filter));
      if (match) {
        out.push_back(user);
        break;
      }
    }
  }
  return out;
}

// Basic username:password (or a token) → a token for `token:` Basic, valid 24 h as upstream's.
Result<Json> GetToken(StickyPi& sticky, const Caller& caller, const Json&, const HttpRequest&, const PathParams&) {
  if (!caller.user()) return Status::Unauthenticated("sign in with a username and password");
  VITRINE_ASSIGN_OR_RETURN(NewBearerToken token,
                           sticky.service.users().IssueToken(caller, caller.user_id(), std::chrono::hours(24)));
  return Json{{"token", token.token},
              {"expiration",
               std::chrono::duration_cast<std::chrono::seconds>(token.info.expires_at.time_since_epoch()).count()}};
}

Result<Json> GetUsers(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&, const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(UserRoles roles, RolesOf(sticky));
  VITRINE_ASSIGN_OR_RETURN(std::vector<User> users, MatchingUsers(sticky, caller, roles, info));
  Json rows = Json::array();
  for (const User& user : users) rows.push_back(UserRow(user, roles));
  return rows;
}

// Accounts are Vitrine's, so making and ending them takes a Vitrine administrator (a manager of
// the Sticky Pi project is Sticky Pi's admin for images, not for accounts).
Status RequireAccountAdmin(const Caller& caller) {
  if (caller.user() && caller.is_admin()) return Status::Ok();
  return Status::PermissionDenied("making and deleting users takes a Vitrine administrator");
}

// Each new user joins the Sticky Pi project: manager if is_admin, contributor if can_write
// (the default), else viewer.
Result<Json> PutUsers(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&, const PathParams&) {
  VITRINE_RETURN_IF_ERROR(RequireAccountAdmin(caller));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  struct NewUser {
    service::CreateUserRequest request;
    ProjectRole role;
  };
  // Every item is read, and every name checked, before the first account is made: a list with a
  // bad item makes none (one that fails while being made still leaves those before it).
  std::vector<NewUser> wanted;
  for (const Json& item : items) {
    NewUser user;
    VITRINE_ASSIGN_OR_RETURN(user.request.username, StringField(item, "username"));
    VITRINE_ASSIGN_OR_RETURN(user.request.password, StringField(item, "password"));
    VITRINE_ASSIGN_OR_RETURN(auto email, wire::OptionalString(item, "email"));
    VITRINE_ASSIGN_OR_RETURN(auto is_admin, wire::OptionalBool(item, "is_admin"));
    VITRINE_ASSIGN_OR_RETURN(auto can_write, wire::OptionalBool(item, "can_write"));
    user.request.email = email.value_or("");
    user.role = is_admin.value_or(false)   ? ProjectRole::kManager
                : can_write.value_or(true) ? ProjectRole::kContributor
                                           : ProjectRole::kViewer;
    VITRINE_RETURN_IF_ERROR(service::ValidateUsername(user.request.username));
    if (sticky.service.users().FindByUsername(Caller::LocalOperator(), user.request.username).ok()) {
      return Status::Conflict("a user named '" + user.request.username + "' exists already");
    }
    wanted.push_back(std::move(user));
  }
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectForWriting(sticky, caller));
  Json rows = Json::array();
  for (const NewUser& item : wanted) {
    VITRINE_ASSIGN_OR_RETURN(User user, sticky.service.users().Create(caller, item.request));
    VITRINE_RETURN_IF_ERROR(sticky.service.projects().PutMember(caller, project, user.id, item.role).status());
    rows.push_back(UserRow(user, UserRoles{{{user.id, item.role}}}));
  }
  return rows;
}

// Vitrine keeps accounts (their images and annotations name them): "deleting" one disables it,
// which ends its sign-ins and tokens. Only members of the Sticky Pi project are reached, never
// the caller nor an administrator, so that a broad pattern cannot lock everyone out.
Result<Json> DeleteUsers(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                         const PathParams&) {
  VITRINE_RETURN_IF_ERROR(RequireAccountAdmin(caller));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> filters, Objects(info));
  for (const Json& filter : filters) {
    if (filter.empty()) return Status::InvalidArgument("name the users to delete: an empty filter would match all");
  }
  VITRINE_ASSIGN_OR_RETURN(UserRoles roles, RolesOf(sticky));
  VITRINE_ASSIGN_OR_RETURN(std::vector<User> users, MatchingUsers(sticky, caller, roles, info));
  Json rows = Json::array();
  for (const User& user : users) {
    if (user.admin || user.id == caller.user_id() || !roles.in_project.contains(user.id) || !user.enabled) continue;
    service::UpdateUserRequest disable;
    disable.enabled = false;
    VITRINE_ASSIGN_OR_RETURN(User disabled, sticky.service.users().Update(caller, user.id, disable));
    rows.push_back(UserRow(disabled, roles));
  }
  return rows;
}

}  // namespace

void AddUserRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/get_token", Route(sticky, GetToken));
  router.Add("POST", "/get_users", Route(sticky, GetUsers));
  router.Add("POST", "/put_users", Route(sticky, PutUsers));
  router.Add("POST", "/delete_users", Route(sticky, DeleteUsers));
}

}  // namespace vitrine::compat::stickypi
