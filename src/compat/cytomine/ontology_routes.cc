// Cytomine's ontologies, terms and parent relations between terms.
#include "compat/cytomine/cytomine_routes.h"

namespace vitrine::compat::cytomine {
namespace {

Result<std::vector<Ontology>> AllOntologies(service::Service& service, const Caller& caller) {
  std::vector<Ontology> all;
  for (std::int64_t offset = 0;; offset += PageRequest::kMaxLimit) {
    VITRINE_ASSIGN_OR_RETURN(auto page, service.ontologies().List(caller, {PageRequest::kMaxLimit, offset}));
    all.insert(all.end(), page.items.begin(), page.items.end());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) return all;
  }
}

Result<HttpResponse> ListOntologies(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  VITRINE_ASSIGN_OR_RETURN(Json list,
                           PagedList<Ontology>(
                               slice, PageRequest::kMaxLimit,
                               [&](const PageRequest& page) { return service.ontologies().List(caller, page); },
                               [](const Ontology& o) { return OntologyJson(o); }));
  return CytomineJsonResponse(list);
}

Result<HttpResponse> GetOntology(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, IdIn<OntologyId>(params, "ontology_id"));
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, service.ontologies().Get(caller, id));
  return CytomineJsonResponse(OntologyJson(ontology));
}

Result<HttpResponse> CreateOntology(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(std::string name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, service.ontologies().Create(caller, name));
  return CytomineJsonResponse(CommandEnvelope("ontology", "added", OntologyJson(ontology)));
}

// Vitrine's ontologies keep their names: an update may send the object back unchanged.
Result<HttpResponse> UpdateOntology(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, IdIn<OntologyId>(params, "ontology_id"));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, service.ontologies().Get(caller, id));
  if (auto name = body.find("name"); name != body.end() && name->is_string() && *name != ontology.name) {
    return Status::InvalidArgument("an ontology cannot be renamed in Vitrine; create one with the new name");
  }
  return CytomineJsonResponse(CommandEnvelope("ontology", "edited", OntologyJson(ontology)));
}

Result<HttpResponse> DeleteOntology(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(OntologyId id, IdIn<OntologyId>(params, "ontology_id"));
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, service.ontologies().Get(caller, id));
  VITRINE_RETURN_IF_ERROR(service.ontologies().Delete(caller, id));
  return CytomineJsonResponse(CommandEnvelope("ontology", "deleted", OntologyJson(ontology)));
}

Json TermRows(const std::vector<Term>& terms) {
  Json rows = Json::array();
  for (const Term& term : terms) rows.push_back(TermJson(term));
  return rows;
}

// Terms of an annotation, of one ontology, of a project's ontology, or of every ontology.
Result<HttpResponse> ListTerms(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  std::optional<OntologyId> ontology;
  if (params.contains("annotation_id")) {
    VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
    service::AnnotationOutput terms_only;
    terms_only.wkt = terms_only.properties = false;
    VITRINE_ASSIGN_OR_RETURN(Annotation a, service.annotations().Get(caller, id, terms_only));
    std::vector<Term> terms;
    for (TermId term : a.terms) {
      VITRINE_ASSIGN_OR_RETURN(terms.emplace_back(), service.ontologies().GetTerm(caller, term));
    }
    return CytomineJsonResponse(ListOf(TermRows(terms), slice));
  }
  if (params.contains("ontology_id")) {
    VITRINE_ASSIGN_OR_RETURN(ontology, IdIn<OntologyId>(params, "ontology_id"));
  } else if (params.contains("project_id")) {
    VITRINE_ASSIGN_OR_RETURN(ProjectId project, IdIn<ProjectId>(params, "project_id"));
    VITRINE_ASSIGN_OR_RETURN(ontology, service.ontologies().ProjectOntology(caller, project));
    if (!ontology) return CytomineJsonResponse(ListOf(Json::array(), slice));
  }
  if (ontology) {
    VITRINE_ASSIGN_OR_RETURN(Ontology o, service.ontologies().Get(caller, *ontology));
    return CytomineJsonResponse(ListOf(TermRows(o.terms), slice));
  }
  VITRINE_ASSIGN_OR_RETURN(auto ontologies, AllOntologies(service, caller));
  Json rows = Json::array();
  for (const Ontology& o : ontologies) {
    for (const Term& term : o.terms) rows.push_back(TermJson(term));
  }
  return CytomineJsonResponse(ListOf(std::move(rows), slice));
}

Result<HttpResponse> GetTerm(service::Service& service, const Caller& caller, const HttpRequest&,
                             const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId id, IdIn<TermId>(params, "term_id"));
  VITRINE_ASSIGN_OR_RETURN(Term term, service.ontologies().GetTerm(caller, id));
  return CytomineJsonResponse(TermJson(term));
}

Result<HttpResponse> CreateTerm(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(std::string name, wire::RequiredString(body, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto ontology, OptionalIdField(body, "ontology"));
  if (!ontology) return Status::InvalidArgument("a term needs its ontology");
  NewTerm term;
  term.name = name;
  if (auto color = body.find("color"); color != body.end() && color->is_string()) term.color = *color;
  VITRINE_ASSIGN_OR_RETURN(auto parent, OptionalIdField(body, "parent"));
  if (parent) term.parent_id = TermId(*parent);
  VITRINE_ASSIGN_OR_RETURN(Term created, service.ontologies().CreateTerm(caller, OntologyId(*ontology), term));
  return CytomineJsonResponse(CommandEnvelope("term", "added", TermJson(created)));
}

// Name, colour and parent change; the rest of what the client echoes back is ignored.
Result<HttpResponse> UpdateTerm(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId id, IdIn<TermId>(params, "term_id"));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(Term current, service.ontologies().GetTerm(caller, id));
  TermUpdate update;
  if (auto name = body.find("name"); name != body.end() && name->is_string() && *name != current.name) {
    update.name = name->get<std::string>();
  }
  if (auto color = body.find("color"); color != body.end() && color->is_string() && *color != current.color) {
    update.color = color->get<std::string>();
  }
  if (body.contains("parent")) {
    VITRINE_ASSIGN_OR_RETURN(auto parent, OptionalIdField(body, "parent"));
    std::optional<TermId> wanted = parent ? std::optional(TermId(*parent)) : std::nullopt;
    if (wanted != current.parent_id) update.parent_id = wanted.value_or(TermId());
  }
  Term term = current;
  if (update.name || update.color || update.parent_id) {
    VITRINE_ASSIGN_OR_RETURN(term, service.ontologies().UpdateTerm(caller, id, update));
  }
  return CytomineJsonResponse(CommandEnvelope("term", "edited", TermJson(term)));
}

Result<HttpResponse> DeleteTerm(service::Service& service, const Caller& caller, const HttpRequest&,
                                const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId id, IdIn<TermId>(params, "term_id"));
  VITRINE_ASSIGN_OR_RETURN(Term term, service.ontologies().GetTerm(caller, id));
  VITRINE_RETURN_IF_ERROR(service.ontologies().DeleteTerm(caller, id, /*detach=*/false));
  return CytomineJsonResponse(CommandEnvelope("term", "deleted", TermJson(term)));
}

// A "parent" RelationTerm is the child term's parent link: its id is the child's.
Json RelationJson(TermId parent, TermId child) {
  return Json{{"id", child.value()},
              {"class", "be.cytomine.domain.ontology.RelationTerm"},
              {"relation", {{"name", "parent"}}},
              {"term1", parent.value()},
              {"term2", child.value()}};
}

Result<HttpResponse> CreateRelation(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(auto parent, OptionalIdField(body, "term1"));
  VITRINE_ASSIGN_OR_RETURN(auto child, OptionalIdField(body, "term2"));
  if (!parent || !child) return Status::InvalidArgument("a relation needs term1 (the parent) and term2 (the child)");
  TermUpdate update;
  update.parent_id = TermId(*parent);
  VITRINE_RETURN_IF_ERROR(service.ontologies().UpdateTerm(caller, TermId(*child), update).status());
  return CytomineJsonResponse(CommandEnvelope("relationterm", "added", RelationJson(TermId(*parent), TermId(*child))));
}

// The relation term1 → term2 when it holds; kNotFound otherwise.
Result<std::pair<TermId, TermId>> StoredRelation(service::Service& service, const Caller& caller,
                                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TermId parent, IdIn<TermId>(params, "parent_id"));
  VITRINE_ASSIGN_OR_RETURN(TermId child, IdIn<TermId>(params, "child_id"));
  VITRINE_ASSIGN_OR_RETURN(Term term, service.ontologies().GetTerm(caller, child));
  if (term.parent_id != parent) {
    return Status::NotFound("term " + std::to_string(parent.value()) + " is not the parent of term " +
                            std::to_string(child.value()));
  }
  return std::pair(parent, child);
}

Result<HttpResponse> GetRelation(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(auto relation, StoredRelation(service, caller, params));
  return CytomineJsonResponse(RelationJson(relation.first, relation.second));
}

Result<HttpResponse> DeleteRelation(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(auto relation, StoredRelation(service, caller, params));
  TermUpdate update;
  update.parent_id = TermId();  // a root again
  VITRINE_RETURN_IF_ERROR(service.ontologies().UpdateTerm(caller, relation.second, update).status());
  return CytomineJsonResponse(
      CommandEnvelope("relationterm", "deleted", RelationJson(relation.first, relation.second)));
}

}  // namespace

void AddOntologyRoutes(http::Router& router, service::Service& service) {
  router.Add("GET", "/api/ontology.json", Cytomine(service, ListOntologies, /*heavy=*/true));
  router.Add("POST", "/api/ontology.json", Cytomine(service, CreateOntology));
  router.Add("GET", "/api/ontology/{ontology_id}.json", Cytomine(service, GetOntology));
  router.Add("PUT", "/api/ontology/{ontology_id}.json", Cytomine(service, UpdateOntology));
  router.Add("DELETE", "/api/ontology/{ontology_id}.json", Cytomine(service, DeleteOntology, /*heavy=*/true));

  router.Add("GET", "/api/term.json", Cytomine(service, ListTerms, /*heavy=*/true));
  router.Add("GET", "/api/ontology/{ontology_id}/term.json", Cytomine(service, ListTerms));
  router.Add("GET", "/api/project/{project_id}/term.json", Cytomine(service, ListTerms));
  router.Add("GET", "/api/annotation/{annotation_id}/term.json", Cytomine(service, ListTerms));
  router.Add("POST", "/api/term.json", Cytomine(service, CreateTerm));
  router.Add("GET", "/api/term/{term_id}.json", Cytomine(service, GetTerm));
  router.Add("PUT", "/api/term/{term_id}.json", Cytomine(service, UpdateTerm));
  router.Add("DELETE", "/api/term/{term_id}.json", Cytomine(service, DeleteTerm, /*heavy=*/true));

  router.Add("POST", "/api/relation/parent/term.json", Cytomine(service, CreateRelation));
  const char* relation = "/api/relation/parent/term1/{parent_id}/term2/{child_id}.json";
  router.Add("GET", relation, Cytomine(service, GetRelation));
  router.Add("DELETE", relation, Cytomine(service, DeleteRelation));
}

}  // namespace vitrine::compat::cytomine
