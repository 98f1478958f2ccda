// Ontologies (vocabularies of terms for annotations) and which one each project uses.
//
// Any signed-in user may read ontologies and create one. Its terms may be changed by its
// creator, an administrator, or a manager of a project that uses it; the ontology itself is
// deleted by its creator or an administrator. A project's manager chooses its ontology among
// those they may edit: attaching an ontology to a project is the owner's choice to share it with
// that project's managers.
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/caller.h"
#include "service/project_service.h"

namespace vitrine::service {

class OntologyService {
 public:
  OntologyService(catalog::Catalog& catalog, const ProjectService& projects, const core::Clock& clock)
      : catalog_(catalog), projects_(projects), clock_(clock) {}

  Result<Ontology> Create(const Caller& caller, const std::string& name);
  Result<Ontology> Get(const Caller& caller, OntologyId id) const;
  Result<Page<Ontology>> List(const Caller& caller, const PageRequest& page) const;
  Status Delete(const Caller& caller, OntologyId id);

  // Names are 1-100 characters, colours "#rrggbb".
  Result<Term> CreateTerm(const Caller& caller, OntologyId ontology, const NewTerm& term);
  Result<Term> GetTerm(const Caller& caller, TermId id) const;
  Result<Term> UpdateTerm(const Caller& caller, TermId id, const TermUpdate& update);
  // kConflict while annotations carry the term, unless `detach` takes it off them.
  Status DeleteTerm(const Caller& caller, TermId id, bool detach);

  Result<std::optional<OntologyId>> ProjectOntology(const Caller& caller, ProjectId project) const;
  Status SetProjectOntology(const Caller& caller, ProjectId project, std::optional<OntologyId> ontology);

 private:
  Status RequireEditor(const Caller& caller, OntologyId id) const;

  catalog::Catalog& catalog_;
  const ProjectService& projects_;
  const core::Clock& clock_;
};

}  // namespace vitrine::service
