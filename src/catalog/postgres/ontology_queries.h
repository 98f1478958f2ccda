// Ontologies, terms and which ontology each project uses, in the PostgreSQL catalog.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "catalog/postgres/connection.h"

namespace vitrine::catalog::postgres::ontologies {

Result<Ontology> Create(ConnectionPool& pool, const std::string& name, UserId created_by, Timestamp created_at);
Result<Ontology> Get(ConnectionPool& pool, OntologyId id);
Result<Page<Ontology>> List(ConnectionPool& pool, const PageRequest& page);
Status Delete(ConnectionPool& pool, OntologyId id);
Result<Term> CreateTerm(ConnectionPool& pool, OntologyId ontology, const NewTerm& term);
Result<Term> GetTerm(ConnectionPool& pool, TermId id);
Result<Term> UpdateTerm(ConnectionPool& pool, TermId id, const TermUpdate& update);
Status DeleteTerm(ConnectionPool& pool, TermId id, bool detach);
Result<std::vector<TermId>> WithDescendants(ConnectionPool& pool, const std::vector<TermId>& terms);
Status SetProjectOntology(ConnectionPool& pool, ProjectId project, std::optional<OntologyId> ontology);
Result<std::optional<OntologyId>> GetProjectOntology(ConnectionPool& pool, ProjectId project);
Result<std::vector<ProjectId>> ProjectsUsing(ConnectionPool& pool, OntologyId ontology);

}  // namespace vitrine::catalog::postgres::ontologies
