#include <set>

#include "http/routes/route_helpers.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

// Rejects fields the route does not know, so a typo is an error rather than silently ignored.
// Read-only fields of the returned object are accepted and ignored, so a fetched object can be
// sent back as it is.
Status OnlyKnownFields(const wire::Json& body, const std::set<std::string, std::less<>>& known) {
  for (const auto& [key, value] : body.items()) {
    if (!known.contains(key)) return Status::InvalidArgument("unknown field '" + key + "'");
  }
  return Status::Ok();
}

Result<service::UpdateUserRequest> ParseUserUpdate(std::string_view text) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(text));
  VITRINE_RETURN_IF_ERROR(OnlyKnownFields(body, {"name", "email", "password", "current_password", "admin", "enabled",
                                                 "worker", "id", "username", "created_at"}));
  service::UpdateUserRequest update;
  VITRINE_ASSIGN_OR_RETURN(update.name, wire::OptionalString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(update.email, wire::OptionalString(body, "email"));
  VITRINE_ASSIGN_OR_RETURN(update.password, wire::OptionalString(body, "password"));
  VITRINE_ASSIGN_OR_RETURN(update.current_password, wire::OptionalString(body, "current_password"));
  VITRINE_ASSIGN_OR_RETURN(update.admin, wire::OptionalBool(body, "admin"));
  VITRINE_ASSIGN_OR_RETURN(update.enabled, wire::OptionalBool(body, "enabled"));
  VITRINE_ASSIGN_OR_RETURN(update.worker, wire::OptionalBool(body, "worker"));
  return update;
}

Result<service::CreateUserRequest> ParseUserCreate(std::string_view text) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(text));
  VITRINE_RETURN_IF_ERROR(OnlyKnownFields(body, {"username", "password", "name", "email", "admin"}));
  service::CreateUserRequest create;
  VITRINE_ASSIGN_OR_RETURN(create.username, wire::RequiredString(body, "username"));
  VITRINE_ASSIGN_OR_RETURN(create.password, wire::RequiredString(body, "password"));
  VITRINE_ASSIGN_OR_RETURN(auto name, wire::OptionalString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto email, wire::OptionalString(body, "email"));
  VITRINE_ASSIGN_OR_RETURN(auto admin, wire::OptionalBool(body, "admin"));
  create.name = name.value_or("");
  create.email = email.value_or("");
  create.admin = admin.value_or(false);
  return create;
}

wire::Json KeyList(const std::vector<ApiKey>& keys) {
  wire::Json items = wire::Json::array();
  for (const auto& k : keys) items.push_back(wire::ToJson(k));
  return {{"items", std::move(items)}, {"total", keys.size()}};
}

Result<HttpResponse> GetMe(service::Service&, const Caller& caller, const HttpRequest&, const PathParams&) {
  return JsonResponse(200, wire::ToJson(*caller.user()));
}

Result<HttpResponse> UpdateMe(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams&) {
  if (!request.on_worker) return RunOnWorker();  // a new password is hashed
  VITRINE_ASSIGN_OR_RETURN(auto update, ParseUserUpdate(request.body));
  return JsonOr(200, service.users().Update(caller, caller.user_id(), update, BearerTokenOf(request), request.client));
}

Result<HttpResponse> ListKeys(service::Service& service, const Caller& caller, const HttpRequest&,
                              const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId subject, SubjectUser(caller, params));
  VITRINE_ASSIGN_OR_RETURN(auto keys, service.users().ListApiKeys(caller, subject));
  return JsonResponse(200, KeyList(keys));
}

Result<HttpResponse> CreateKey(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId subject, SubjectUser(caller, params));
  return JsonOr(201, service.users().CreateApiKey(caller, subject));
}

Result<HttpResponse> RevokeKey(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId subject, SubjectUser(caller, params));
  VITRINE_ASSIGN_OR_RETURN(ApiKeyId key, PathId<ApiKeyId>(params, "key_id"));
  return NoContentOr(service.users().RevokeApiKey(caller, subject, key));
}

// All users a page at a time, or the one `username` names.
Result<HttpResponse> ListUsers(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  if (auto username = query.Get("username")) {
    VITRINE_ASSIGN_OR_RETURN(User user, service.users().FindByUsername(caller, *username));
    return JsonResponse(200, wire::ToJson(Page<User>{{user}, 1}));
  }
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  return JsonOr(200, service.users().List(caller, page));
}

Result<HttpResponse> CreateUser(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams&) {
  if (!request.on_worker) return RunOnWorker();  // the password is hashed
  VITRINE_ASSIGN_OR_RETURN(auto create, ParseUserCreate(request.body));
  return JsonOr(201, service.users().Create(caller, create));
}

Result<HttpResponse> GetUser(service::Service& service, const Caller& caller, const HttpRequest&,
                             const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId id, PathId<UserId>(params, "user_id"));
  return JsonOr(200, service.users().Get(caller, id));
}

Result<HttpResponse> UpdateUser(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId id, PathId<UserId>(params, "user_id"));
  if (!request.on_worker) return RunOnWorker();  // a new password is hashed
  VITRINE_ASSIGN_OR_RETURN(auto update, ParseUserUpdate(request.body));
  return JsonOr(200, service.users().Update(caller, id, update, BearerTokenOf(request), request.client));
}

}  // namespace

void AddUserRoutes(Router& router, service::Service& service) {
  router.Add("GET", "/api/v1/users/me", Authed(service, GetMe));
  router.Add("PATCH", "/api/v1/users/me", Authed(service, UpdateMe));

  // One's own keys under /users/me, anyone's (for an administrator) under /users/{user_id}.
  for (const std::string base : {"/api/v1/users/me", "/api/v1/users/{user_id}"}) {
    router.Add("GET", base + "/keys", Authed(service, ListKeys));
    router.Add("POST", base + "/keys", Authed(service, CreateKey));
    router.Add("DELETE", base + "/keys/{key_id}", Authed(service, RevokeKey));
  }

  router.Add("GET", "/api/v1/users", Authed(service, ListUsers));
  router.Add("POST", "/api/v1/users", Authed(service, CreateUser));
  router.Add("GET", "/api/v1/users/{user_id}", Authed(service, GetUser));
  router.Add("PATCH", "/api/v1/users/{user_id}", Authed(service, UpdateUser));
}

}  // namespace vitrine::http::routes
