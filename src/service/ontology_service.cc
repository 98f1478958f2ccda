#include "service/ontology_service.h"

#include <cctype>

#include "service/pagination.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxName = 100;

Status ValidateName(const std::string& name, const char* what) {
  if (name.empty() || name.size() > kMaxName) {
    return Status::InvalidArgument(std::string(what) + " names must be 1-" + std::to_string(kMaxName) + " characters");
  }
  return Status::Ok();
}

Status ValidateColor(const std::string& color) {
  bool ok = color.size() == 7 && color[0] == '#';
  for (std::size_t i = 1; ok && i < color.size(); ++i) ok = std::isxdigit(static_cast<unsigned char>(color[i]));
  if (!ok) return Status::InvalidArgument("colour must be #rrggbb, not '" + color + "'");
  return Status::Ok();
}

Status RequireSignedIn(const Caller& caller) {
  if (!caller.user() && !caller.is_admin()) return Status::Unauthenticated("sign in first");
  return Status::Ok();
}

}  // namespace

Status OntologyService::RequireEditor(const Caller& caller, OntologyId id) const {
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, catalog_.GetOntology(id));
  if (caller.is_admin() || (caller.user() && ontology.created_by == caller.user_id())) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(std::vector<ProjectId> users, catalog_.ProjectsUsingOntology(id));
  for (ProjectId project : users) {
    if (projects_.Require(caller, project, ProjectRole::kManager).ok()) return Status::Ok();
  }
  return Status::PermissionDenied("only the creator of ontology " + std::to_string(id.value()) +
                                  " or a manager of a project using it may change it");
}

Result<Ontology> OntologyService::Create(const Caller& caller, const std::string& name) {
  VITRINE_RETURN_IF_ERROR(RequireSignedIn(caller));
  VITRINE_RETURN_IF_ERROR(ValidateName(name, "ontology"));
  return catalog_.CreateOntology(name, caller.user_id(), clock_.Now());
}

Result<Ontology> OntologyService::Get(const Caller& caller, OntologyId id) const {
  VITRINE_RETURN_IF_ERROR(RequireSignedIn(caller));
  return catalog_.GetOntology(id);
}

Result<Term> OntologyService::GetTerm(const Caller& caller, TermId id) const {
  VITRINE_RETURN_IF_ERROR(RequireSignedIn(caller));
  return catalog_.GetTerm(id);
}

Result<Page<Ontology>> OntologyService::List(const Caller& caller, const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(RequireSignedIn(caller));
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  return catalog_.ListOntologies(page);
}

Status OntologyService::Delete(const Caller& caller, OntologyId id) {
  VITRINE_ASSIGN_OR_RETURN(Ontology ontology, catalog_.GetOntology(id));
  if (!caller.is_admin() && !(caller.user() && ontology.created_by == caller.user_id())) {
    return Status::PermissionDenied("only the creator of ontology " + std::to_string(id.value()) + " may delete it");
  }
  return catalog_.DeleteOntology(id);
}

Result<Term> OntologyService::CreateTerm(const Caller& caller, OntologyId ontology, const NewTerm& term) {
  VITRINE_RETURN_IF_ERROR(ValidateName(term.name, "term"));
  VITRINE_RETURN_IF_ERROR(ValidateColor(term.color));
  VITRINE_RETURN_IF_ERROR(RequireEditor(caller, ontology));
  return catalog_.CreateTerm(ontology, term);
}

Result<Term> OntologyService::UpdateTerm(const Caller& caller, TermId id, const TermUpdate& update) {
  if (update.name) VITRINE_RETURN_IF_ERROR(ValidateName(*update.name, "term"));
  if (update.color) VITRINE_RETURN_IF_ERROR(ValidateColor(*update.color));
  VITRINE_ASSIGN_OR_RETURN(Term term, catalog_.GetTerm(id));
  VITRINE_RETURN_IF_ERROR(RequireEditor(caller, term.ontology_id));
  return catalog_.UpdateTerm(id, update);
}

Status OntologyService::DeleteTerm(const Caller& caller, TermId id, bool detach) {
  VITRINE_ASSIGN_OR_RETURN(Term term, catalog_.GetTerm(id));
  VITRINE_RETURN_IF_ERROR(RequireEditor(caller, term.ontology_id));
  return catalog_.DeleteTerm(id, detach);
}

Result<std::optional<OntologyId>> OntologyService::ProjectOntology(const Caller& caller, ProjectId project) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  return catalog_.GetProjectOntology(project);
}

Status OntologyService::SetProjectOntology(const Caller& caller, ProjectId project,
                                           std::optional<OntologyId> ontology) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kManager));
  // Attaching makes the project's managers editors of the ontology (RequireEditor), so it takes
  // rights on the ontology itself: without this, any user could attach someone else's ontology
  // to a project of their own and then rewrite its terms.
  if (ontology) VITRINE_RETURN_IF_ERROR(RequireEditor(caller, *ontology));
  return catalog_.SetProjectOntology(project, ontology);
}

}  // namespace vitrine::service
