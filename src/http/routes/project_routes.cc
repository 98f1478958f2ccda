// /api/v1/projects and their members.
#include "http/routes/route_helpers.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;
using service::Service;

wire::Json MemberList(const std::vector<ProjectMember>& members) {
  wire::Json items = wire::Json::array();
  for (const auto& m : members) items.push_back(wire::ToJson(m));
  return {{"items", std::move(items)}, {"total", members.size()}};
}

Result<HttpResponse> CreateProject(Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  service::CreateProjectRequest create;
  VITRINE_ASSIGN_OR_RETURN(create.name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto description, wire::OptionalString(body, "description"));
  create.description = description.value_or("");
  if (auto it = body.find("properties"); it != body.end() && !it->is_null()) {
    VITRINE_ASSIGN_OR_RETURN(create.properties, wire::PropertiesFromJson(*it));
  }
  VITRINE_ASSIGN_OR_RETURN(auto owner_id, wire::OptionalInt(body, "owner_id"));
  std::optional<UserId> owner;
  if (owner_id) owner = UserId(*owner_id);
  return JsonOr(201, service.projects().Create(caller, create, owner));
}

Result<HttpResponse> ListProjects(Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  ProjectFilter filter;
  VITRINE_ASSIGN_OR_RETURN(filter.property, ParsePropertyFilter(query));
  return JsonOr(200, service.projects().List(caller, filter, page));
}

Result<HttpResponse> GetProject(Service& service, const Caller& caller, const HttpRequest&, const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  return JsonOr(200, service.projects().Get(caller, id));
}

Result<HttpResponse> UpdateProject(Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  service::UpdateProjectRequest update;
  VITRINE_ASSIGN_OR_RETURN(update.name, wire::OptionalString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(update.description, wire::OptionalString(body, "description"));
  if (auto it = body.find("properties"); it != body.end()) {
    VITRINE_ASSIGN_OR_RETURN(update.properties, wire::PropertyChangesFromJson(*it));
  }
  return JsonOr(200, service.projects().Update(caller, id, update));
}

Result<HttpResponse> DeleteProject(Service& service, const Caller& caller, const HttpRequest&,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  return NoContentOr(service.projects().Delete(caller, id));
}

Result<HttpResponse> ListMembers(Service& service, const Caller& caller, const HttpRequest&, const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(auto members, service.projects().ListMembers(caller, id));
  return JsonResponse(200, MemberList(members));
}

Result<HttpResponse> PutMember(Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(UserId user, PathId<UserId>(params, "user_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(std::string role_name, wire::RequiredString(body, "role"));
  auto role = ProjectRoleFromName(role_name);
  if (!role) return Status::InvalidArgument("role must be viewer, contributor or manager");
  return JsonOr(200, service.projects().PutMember(caller, id, user, *role));
}

Result<HttpResponse> RemoveMember(Service& service, const Caller& caller, const HttpRequest&,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(UserId user, PathId<UserId>(params, "user_id"));
  return NoContentOr(service.projects().RemoveMember(caller, id, user));
}

}  // namespace

void AddProjectRoutes(Router& router, Service& service) {
  router.Add("POST", "/api/v1/projects", Authed(service, CreateProject));
  router.Add("GET", "/api/v1/projects", Authed(service, ListProjects));
  router.Add("GET", "/api/v1/projects/{project_id}", Authed(service, GetProject));
  router.Add("PATCH", "/api/v1/projects/{project_id}", Authed(service, UpdateProject));
  router.Add("DELETE", "/api/v1/projects/{project_id}", AuthedWork(service, DeleteProject));

  router.Add("GET", "/api/v1/projects/{project_id}/members", Authed(service, ListMembers));
  router.Add("PUT", "/api/v1/projects/{project_id}/members/{user_id}", Authed(service, PutMember));
  router.Add("DELETE", "/api/v1/projects/{project_id}/members/{user_id}", Authed(service, RemoveMember));
}

}  // namespace vitrine::http::routes
