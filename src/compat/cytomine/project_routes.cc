// Cytomine's users and projects: /api/user*.json, /api/project*.json.
#include <map>
#include <set>

#include "compat/cytomine/cytomine_routes.h"

namespace vitrine::compat::cytomine {
namespace {

// "Online" in Cytomine's user listing: credentials accepted within this long.
constexpr auto kOnlineWindow = std::chrono::minutes(5);

Result<std::vector<Project>> AllProjects(service::Service& service, const Caller& caller) {
  std::vector<Project> all;
  for (std::int64_t offset = 0;; offset += PageRequest::kMaxLimit) {
    VITRINE_ASSIGN_OR_RETURN(auto page, service.projects().List(caller, {}, {PageRequest::kMaxLimit, offset}));
    all.insert(all.end(), page.items.begin(), page.items.end());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) return all;
  }
}

// The users a caller may know about (UserService::ListKnown), as Cytomine's users.
Result<Json> VisibleUsers(service::Service& service, const Caller& caller) {
  VITRINE_ASSIGN_OR_RETURN(auto known, service.users().ListKnown(caller));
  Json users = Json::array();
  for (const User& user : known) users.push_back(UserJson(user));
  return users;
}

Result<HttpResponse> CurrentUser(service::Service&, const Caller& caller, const HttpRequest&, const PathParams&) {
  if (!caller.user()) return Status::Unauthenticated("no user");
  return CytomineJsonResponse(UserJson(*caller.user()));
}

Result<HttpResponse> GetUser(service::Service& service, const Caller& caller, const HttpRequest&,
                             const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(UserId id, IdIn<UserId>(params, "user_id"));
  auto user = service.users().Get(caller, id);
  if (user.ok()) return CytomineJsonResponse(UserJson(*user));
  if (user.status().code() != ErrorCode::kPermissionDenied) return user.status();
  VITRINE_ASSIGN_OR_RETURN(Json visible, VisibleUsers(service, caller));
  for (Json& row : visible) {
    if (row["id"] == id.value()) return CytomineJsonResponse(row);
  }
  return Status::NotFound("user " + std::to_string(id.value()) + " not found");
}

Result<HttpResponse> ListUsers(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  VITRINE_ASSIGN_OR_RETURN(Json users, VisibleUsers(service, caller));
  if (Truthy(query.Get("online"))) {
    std::set<std::int64_t> online;
    for (UserId id : service.auth().ActiveSince(service.clock().Now() - kOnlineWindow)) online.insert(id.value());
    Json kept = Json::array();
    for (Json& row : users) {
      if (online.contains(row["id"].get<std::int64_t>())) kept.push_back(std::move(row));
    }
    users = std::move(kept);
  }
  return CytomineJsonResponse(ListOf(std::move(users), slice));
}

// /api/project/{id}/user.json and /api/project/{id}/admin.json (managers only).
Result<HttpResponse> ListProjectUsers(service::Service& service, const Caller& caller, const HttpRequest& request,
                                      const PathParams& params, bool managers_only) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, IdIn<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  VITRINE_ASSIGN_OR_RETURN(auto members, service.projects().ListMembers(caller, id));
  Json rows = Json::array();
  for (const ProjectMember& m : members) {
    if (!managers_only || m.role == ProjectRole::kManager) {
      Json row = MemberJson(m.user_id, m.username);
      row["role"] = std::string(ProjectRoleName(m.role));
      rows.push_back(std::move(row));
    }
  }
  return CytomineJsonResponse(ListOf(std::move(rows), slice));
}

Result<Json> ProjectRow(service::Service& service, const Caller& caller, const Project& project) {
  VITRINE_ASSIGN_OR_RETURN(auto ontology, service.ontologies().ProjectOntology(caller, project.id));
  std::string ontology_name;
  if (ontology) {
    auto found = service.ontologies().Get(caller, *ontology);
    if (found.ok()) ontology_name = found->name;
  }
  ProjectCounts counts;
  VITRINE_ASSIGN_OR_RETURN(auto images, service.images().List(caller, project.id, {}, {1, 0}));
  counts.images = images.total;
  AnnotationFilter everything;
  everything.project = project.id;
  service::AnnotationOutput count_only;
  count_only.wkt = count_only.properties = count_only.terms = false;
  VITRINE_ASSIGN_OR_RETURN(auto annotations, service.annotations().List(caller, everything, {0, 0}, count_only));
  counts.annotations = annotations.total;
  return ProjectJson(project, ontology, ontology_name, counts);
}

Result<HttpResponse> GetProject(service::Service& service, const Caller& caller, const HttpRequest&,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, IdIn<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(Project project, service.projects().Get(caller, id));
  VITRINE_ASSIGN_OR_RETURN(Json row, ProjectRow(service, caller, project));
  return CytomineJsonResponse(row);
}

// Which of the caller's projects a listing shows: all, those using an ontology, or those a
// user is a member of.
struct ProjectSelection {
  std::optional<OntologyId> ontology;
  std::optional<UserId> member;
};

Result<HttpResponse> ListProjects(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const ProjectSelection& selection) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  Status row_error;
  auto row_of = [&](const Project& project) -> Json {
    auto row = ProjectRow(service, caller, project);
    if (!row.ok()) row_error = row.status();
    return row.ok() ? std::move(*row) : Json();
  };
  if (!selection.ontology && !selection.member) {
    // Rows (a few reads each) are made for the page asked only.
    VITRINE_ASSIGN_OR_RETURN(
        Json list, PagedList<Project>(
                       slice, PageRequest::kMaxLimit,
                       [&](const PageRequest& page) { return service.projects().List(caller, {}, page); }, row_of));
    VITRINE_RETURN_IF_ERROR(row_error);
    return CytomineJsonResponse(list);
  }
  VITRINE_ASSIGN_OR_RETURN(auto projects, AllProjects(service, caller));
  std::vector<Project> selected;
  for (const Project& project : projects) {
    if (selection.ontology) {
      VITRINE_ASSIGN_OR_RETURN(auto ontology, service.ontologies().ProjectOntology(caller, project.id));
      if (ontology != selection.ontology) continue;
    }
    // An administrator's listing holds every project: membership is then checked, as for others'.
    if (selection.member && (caller.is_admin() || *selection.member != caller.user_id())) {
      VITRINE_ASSIGN_OR_RETURN(auto members, service.projects().ListMembers(caller, project.id));
      if (std::none_of(members.begin(), members.end(),
                       [&](const ProjectMember& m) { return m.user_id == *selection.member; })) {
        continue;
      }
    }
    selected.push_back(project);
  }
  const auto size = static_cast<std::int64_t>(selected.size());
  const std::int64_t end = slice.max > 0 ? std::min(size, slice.offset + slice.max) : size;
  Json rows = Json::array();
  for (std::int64_t i = slice.offset; i < end; ++i) {
    rows.push_back(row_of(selected[static_cast<std::size_t>(i)]));
    VITRINE_RETURN_IF_ERROR(row_error);
  }
  return CytomineJsonResponse(ListEnvelope(std::move(rows), size, slice.offset, slice.max));
}

// The ontology a create or update names, when it names one.
Result<std::optional<OntologyId>> OntologyField(const Json& body) {
  VITRINE_ASSIGN_OR_RETURN(auto id, OptionalIdField(body, "ontology"));
  if (!id) return std::optional<OntologyId>();
  return std::optional(OntologyId(*id));
}

Result<HttpResponse> CreateProject(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(std::string name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto ontology, OntologyField(body));
  service::CreateProjectRequest create;
  create.name = name;
  VITRINE_ASSIGN_OR_RETURN(Project project, service.projects().Create(caller, create));
  if (ontology) {
    Status attached = service.ontologies().SetProjectOntology(caller, project.id, ontology);
    if (!attached.ok()) {
      // All or nothing, as one Cytomine command: the project goes if its ontology cannot come.
      (void)service.projects().Delete(caller, project.id);
      return attached;
    }
  }
  VITRINE_ASSIGN_OR_RETURN(Json row, ProjectRow(service, caller, project));
  return CytomineJsonResponse(CommandEnvelope("project", "added", std::move(row)));
}

// The client sends back every field it fetched: only name and ontology are Vitrine's to change.
Result<HttpResponse> UpdateProject(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, IdIn<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(Project project, service.projects().Get(caller, id));
  if (auto name = body.find("name"); name != body.end() && name->is_string() && *name != project.name) {
    service::UpdateProjectRequest update;
    update.name = name->get<std::string>();
    VITRINE_ASSIGN_OR_RETURN(project, service.projects().Update(caller, id, update));
  }
  VITRINE_ASSIGN_OR_RETURN(auto ontology, OntologyField(body));
  if (ontology) {
    VITRINE_ASSIGN_OR_RETURN(auto current, service.ontologies().ProjectOntology(caller, id));
    if (current != ontology) VITRINE_RETURN_IF_ERROR(service.ontologies().SetProjectOntology(caller, id, ontology));
  }
  VITRINE_ASSIGN_OR_RETURN(Json row, ProjectRow(service, caller, project));
  return CytomineJsonResponse(CommandEnvelope("project", "edited", std::move(row)));
}

Result<HttpResponse> DeleteProject(service::Service& service, const Caller& caller, const HttpRequest&,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, IdIn<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(Project project, service.projects().Get(caller, id));
  VITRINE_ASSIGN_OR_RETURN(Json row, ProjectRow(service, caller, project));
  VITRINE_RETURN_IF_ERROR(service.projects().Delete(caller, id));
  return CytomineJsonResponse(CommandEnvelope("project", "deleted", std::move(row)));
}

}  // namespace

void AddUserRoutes(http::Router& router, service::Service& service) {
  router.Add("GET", "/api/user/current.json", Cytomine(service, CurrentUser));
  router.Add("GET", "/api/user.json", Cytomine(service, ListUsers, /*heavy=*/true));
  router.Add("GET", "/api/user/{user_id}.json", Cytomine(service, GetUser, /*heavy=*/true));
  router.Add("GET", "/api/project/{project_id}/user.json",
             Cytomine(service, [](auto& s, const Caller& c, const HttpRequest& r, const PathParams& p) {
               return ListProjectUsers(s, c, r, p, false);
             }));
  router.Add("GET", "/api/project/{project_id}/admin.json",
             Cytomine(service, [](auto& s, const Caller& c, const HttpRequest& r, const PathParams& p) {
               return ListProjectUsers(s, c, r, p, true);
             }));
}

void AddProjectRoutes(http::Router& router, service::Service& service) {
  router.Add(
      "GET", "/api/project.json",
      Cytomine(
          service,
          [](auto& s, const Caller& c, const HttpRequest& r, const PathParams&) { return ListProjects(s, c, r, {}); },
          /*heavy=*/true));
  router.Add("GET", "/api/ontology/{ontology_id}/project.json",
             Cytomine(
                 service,
                 [](auto& s, const Caller& c, const HttpRequest& r, const PathParams& p) -> Result<HttpResponse> {
                   VITRINE_ASSIGN_OR_RETURN(OntologyId id, IdIn<OntologyId>(p, "ontology_id"));
                   return ListProjects(s, c, r, {.ontology = id});
                 },
                 /*heavy=*/true));
  router.Add("GET", "/api/user/{user_id}/project.json",
             Cytomine(
                 service,
                 [](auto& s, const Caller& c, const HttpRequest& r, const PathParams& p) -> Result<HttpResponse> {
                   VITRINE_ASSIGN_OR_RETURN(UserId id, IdIn<UserId>(p, "user_id"));
                   return ListProjects(s, c, r, {.member = id});
                 },
                 /*heavy=*/true));
  router.Add("POST", "/api/project.json", Cytomine(service, CreateProject));
  router.Add("GET", "/api/project/{project_id}.json", Cytomine(service, GetProject, /*heavy=*/true));
  router.Add("PUT", "/api/project/{project_id}.json", Cytomine(service, UpdateProject));
  router.Add("DELETE", "/api/project/{project_id}.json", Cytomine(service, DeleteProject, /*heavy=*/true));
}

}  // namespace vitrine::compat::cytomine
