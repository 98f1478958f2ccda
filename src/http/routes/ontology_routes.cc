// /api/v1/ontologies, /api/v1/terms, and /api/v1/projects/{id}/ontology.
#include "http/routes/route_helpers.h"
#include "wire/annotation_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

Result<std::optional<TermId>> ParentField(const wire::Json& body) {
  if (!body.contains("parent_id")) return std::optional<TermId>();
  if (body["parent_id"].is_null()) return std::optional<TermId>(TermId());  // make it a root
  VITRINE_ASSIGN_OR_RETURN(auto parent, wire::OptionalInt(body, "parent_id"));
  if (!parent || *parent <= 0) return Status::InvalidArgument("parent_id must be a term id or null");
  return std::optional<TermId>(TermId(*parent));
}

Result<HttpResponse> CreateOntology(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(std::string name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(Ontology created, service.ontologies().Create(caller, name));
  return JsonResponse(201, wire::ToJson(created));
}

Result<HttpResponse> ListOntologies(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  VITRINE_ASSIGN_OR_RETURN(Page<Ontology> found, service.ontologies().List(caller, page));
  wire::Json items = wire::Json::array();
  for (const auto& o : found.items) items.push_back(wire::ToJson(o));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
}

Result<HttpResponse> GetOntology(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, PathId<OntologyId>(params, "ontology_id"));
  VITRINE_ASSIGN_OR_RETURN(Ontology found, service.ontologies().Get(caller, id));
  return JsonResponse(200, wire::ToJson(found));
}

Result<HttpResponse> DeleteOntology(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, PathId<OntologyId>(params, "ontology_id"));
  return NoContentOr(service.ontologies().Delete(caller, id));
}

Result<HttpResponse> CreateTerm(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, PathId<OntologyId>(params, "ontology_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  NewTerm term;
  VITRINE_ASSIGN_OR_RETURN(term.name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto color, wire::OptionalString(body, "color"));
  if (color) term.color = *color;
  VITRINE_ASSIGN_OR_RETURN(auto parent, ParentField(body));
  if (parent && parent->valid()) term.parent_id = *parent;
  VITRINE_ASSIGN_OR_RETURN(Term created, service.ontologies().CreateTerm(caller, id, term));
  return JsonResponse(201, wire::ToJson(created));
}

Result<HttpResponse> UpdateTerm(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId id, PathId<TermId>(params, "term_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  TermUpdate update;
  VITRINE_ASSIGN_OR_RETURN(update.name, wire::OptionalString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(update.color, wire::OptionalString(body, "color"));
  VITRINE_ASSIGN_OR_RETURN(update.parent_id, ParentField(body));
  VITRINE_ASSIGN_OR_RETURN(Term updated, service.ontologies().UpdateTerm(caller, id, update));
  return JsonResponse(200, wire::ToJson(updated));
}

Result<HttpResponse> DeleteTerm(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId id, PathId<TermId>(params, "term_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(bool detach, BoolParam(query, "detach"));
  return NoContentOr(service.ontologies().DeleteTerm(caller, id, detach));
}

wire::Json OntologyIdJson(std::optional<OntologyId> ontology) {
  return wire::Json{{"ontology_id", ontology ? wire::Json(ontology->value()) : wire::Json(nullptr)}};
}

Result<HttpResponse> GetProjectOntology(service::Service& service, const Caller& caller, const HttpRequest&,
                                        const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(auto ontology, service.ontologies().ProjectOntology(caller, id));
  return JsonResponse(200, OntologyIdJson(ontology));
}

Result<HttpResponse> SetProjectOntology(service::Service& service, const Caller& caller, const HttpRequest& request,
                                        const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId id, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  if (!body.contains("ontology_id")) return Status::InvalidArgument("ontology_id is required (or null)");
  std::optional<OntologyId> ontology;
  if (!body["ontology_id"].is_null()) {
    VITRINE_ASSIGN_OR_RETURN(auto value, wire::OptionalInt(body, "ontology_id"));
    if (!value || *value <= 0) return Status::InvalidArgument("ontology_id must be an id or null");
    ontology = OntologyId(*value);
  }
  VITRINE_RETURN_IF_ERROR(service.ontologies().SetProjectOntology(caller, id, ontology));
  return JsonResponse(200, OntologyIdJson(ontology));
}

}  // namespace

void AddOntologyRoutes(Router& router, service::Service& service) {
  router.Add("POST", "/api/v1/ontologies", Authed(service, CreateOntology));
  router.Add("GET", "/api/v1/ontologies", Authed(service, ListOntologies));
  router.Add("GET", "/api/v1/ontologies/{ontology_id}", Authed(service, GetOntology));
  router.Add("DELETE", "/api/v1/ontologies/{ontology_id}", AuthedWork(service, DeleteOntology));

  router.Add("POST", "/api/v1/ontologies/{ontology_id}/terms", Authed(service, CreateTerm));
  router.Add("PATCH", "/api/v1/terms/{term_id}", Authed(service, UpdateTerm));
  router.Add("DELETE", "/api/v1/terms/{term_id}", AuthedWork(service, DeleteTerm));

  router.Add("GET", "/api/v1/projects/{project_id}/ontology", Authed(service, GetProjectOntology));
  router.Add("PUT", "/api/v1/projects/{project_id}/ontology", AuthedWork(service, SetProjectOntology));
}

}  // namespace vitrine::http::routes
