#include "catalog/sqlite/ontology_queries.h"

namespace vitrine::catalog::sqlite::ontologies {
namespace {

Term ReadTerm(const Statement& q) {
  Term t;
  t.id = TermId(q.Int(0));
  t.ontology_id = OntologyId(q.Int(1));
  t.name = q.Text(2);
  t.color = q.Text(3);
  if (auto parent = q.OptionalInt(4)) t.parent_id = TermId(*parent);
  return t;
}

Result<Term> GetTermOn(Connection& conn, TermId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn.Prepare("SELECT id, ontology_id, name, color, parent_id FROM terms WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("term " + std::to_string(id.value()) + " not found");
  return ReadTerm(q);
}

Status LoadTerms(Connection& conn, Ontology& ontology) {
  VITRINE_ASSIGN_OR_RETURN(
      Statement q,
      conn.Prepare("SELECT id, ontology_id, name, color, parent_id FROM terms WHERE ontology_id = ? ORDER BY id"));
  q.Bind(ontology.id.value());
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::Ok();
    ontology.terms.push_back(ReadTerm(q));
  }
}

Result<Ontology> GetOn(Connection& conn, OntologyId id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn.Prepare("SELECT id, name, created_by, created_at FROM ontologies WHERE id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id.value()).Step());
  if (!row) return Status::NotFound("ontology " + std::to_string(id.value()) + " not found");
  Ontology o{OntologyId(q.Int(0)), q.Text(1), UserId(q.OptionalInt(2).value_or(0)), FromMicros(q.Int(3)), {}};
  q.Reset();
  VITRINE_RETURN_IF_ERROR(LoadTerms(conn, o));
  return o;
}

Result<std::optional<OntologyId>> ProjectOntologyOn(Connection& conn, ProjectId project) {
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn.Prepare("SELECT ontology_id FROM project_ontologies WHERE project_id = ?"));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(project.value()).Step());
  return row ? std::optional<OntologyId>(OntologyId(q.Int(0))) : std::nullopt;
}

Result<std::int64_t> CountOne(Connection& conn, const char* sql, std::int64_t id) {
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn.Prepare(sql));
  VITRINE_ASSIGN_OR_RETURN(bool row, q.Bind(id).Step());
  return row ? q.Int(0) : 0;
}

// A term whose name clashes, or whose parent is missing or elsewhere.
Status CheckParent(Connection& conn, OntologyId ontology, std::optional<TermId> parent, std::optional<TermId> self) {
  if (!parent) return Status::Ok();
  auto found = GetTermOn(conn, *parent);
  if (!found.ok() || found->ontology_id != ontology) {
    return Status::InvalidArgument("parent term " + std::to_string(parent->value()) + " is not in this ontology");
  }
  // Walking up from the new parent must not meet the term itself.
  for (std::optional<TermId> at = parent; at && self;) {
    if (*at == *self) return Status::InvalidArgument("a term cannot be its own ancestor");
    VITRINE_ASSIGN_OR_RETURN(Term up, GetTermOn(conn, *at));
    at = up.parent_id;
  }
  return Status::Ok();
}

Status NameClash(const Status& s, const std::string& name) {
  if (s.code() == ErrorCode::kConflict) return Status::Conflict("the ontology already has a term named '" + name + "'");
  return s;
}

}  // namespace

Result<Ontology> Create(ConnectionPool& pool, const std::string& name, UserId created_by, Timestamp created_at) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO ontologies(name, created_by, created_at) VALUES (?, ?, ?)"));
  std::optional<std::int64_t> creator;
  if (created_by.valid()) creator = created_by.value();
  VITRINE_RETURN_IF_ERROR(q.Bind(name, creator, Micros(created_at)).Run());
  return Ontology{OntologyId(conn->last_insert_id()), name, created_by, created_at, {}};
}

Result<Ontology> Get(ConnectionPool& pool, OntologyId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetOn(*conn, id);
}

Result<Page<Ontology>> List(ConnectionPool& pool, const PageRequest& page) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  Page<Ontology> out;
  std::vector<OntologyId> ids;
  {
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("SELECT id FROM ontologies ORDER BY id LIMIT ? OFFSET ?"));
    q.Bind(page.limit, page.offset);
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ids.emplace_back(q.Int(0));
    }
  }
  for (OntologyId id : ids) {
    VITRINE_ASSIGN_OR_RETURN(Ontology o, GetOn(*conn, id));
    out.items.push_back(std::move(o));
  }
  VITRINE_ASSIGN_OR_RETURN(Statement count, conn->Prepare("SELECT COUNT(*) FROM ontologies"));
  VITRINE_ASSIGN_OR_RETURN(bool row, count.Step());
  out.total = row ? count.Int(0) : 0;
  return out;
}

Status Delete(ConnectionPool& pool, OntologyId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_RETURN_IF_ERROR(GetOn(*conn, id).status());
  VITRINE_ASSIGN_OR_RETURN(
      std::int64_t projects,
      CountOne(*conn, "SELECT COUNT(*) FROM project_ontologies WHERE ontology_id = ?", id.value()));
  if (projects > 0) {
    return Status::Conflict("ontology " + std::to_string(id.value()) + " is used by " + std::to_string(projects) +
                            " project(s)");
  }
  VITRINE_ASSIGN_OR_RETURN(std::int64_t uses, CountOne(*conn,
                                                       "SELECT COUNT(*) FROM annotation_terms WHERE term_id IN "
                                                       "(SELECT id FROM terms WHERE ontology_id = ?)",
                                                       id.value()));
  if (uses > 0) return Status::Conflict("annotations carry terms of ontology " + std::to_string(id.value()));
  {
    // Children before parents: the self-reference has no cascade.
    VITRINE_ASSIGN_OR_RETURN(Statement unlink,
                             conn->Prepare("UPDATE terms SET parent_id = NULL WHERE ontology_id = ?"));
    VITRINE_RETURN_IF_ERROR(unlink.Bind(id.value()).Run());
  }
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM ontologies WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  return tx.Commit();
}

Result<Term> CreateTerm(ConnectionPool& pool, OntologyId ontology, const NewTerm& term) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_RETURN_IF_ERROR(GetOn(*conn, ontology).status());
  VITRINE_RETURN_IF_ERROR(CheckParent(*conn, ontology, term.parent_id, std::nullopt));
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("INSERT INTO terms(ontology_id, name, color, parent_id) VALUES (?, ?, ?, ?)"));
  std::optional<std::int64_t> parent;
  if (term.parent_id) parent = term.parent_id->value();
  VITRINE_RETURN_IF_ERROR(NameClash(q.Bind(ontology.value(), term.name, term.color, parent).Run(), term.name));
  Term created{TermId(conn->last_insert_id()), ontology, term.name, term.color, term.parent_id};
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return created;
}

Result<Term> GetTerm(ConnectionPool& pool, TermId id) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return GetTermOn(*conn, id);
}

Result<Term> UpdateTerm(ConnectionPool& pool, TermId id, const TermUpdate& update) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_ASSIGN_OR_RETURN(Term term, GetTermOn(*conn, id));
  if (update.name) term.name = *update.name;
  if (update.color) term.color = *update.color;
  if (update.parent_id) {
    term.parent_id = update.parent_id->valid() ? update.parent_id : std::nullopt;
    VITRINE_RETURN_IF_ERROR(CheckParent(*conn, term.ontology_id, term.parent_id, id));
  }
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("UPDATE terms SET name = ?, color = ?, parent_id = ? WHERE id = ?"));
  std::optional<std::int64_t> parent;
  if (term.parent_id) parent = term.parent_id->value();
  VITRINE_RETURN_IF_ERROR(NameClash(q.Bind(term.name, term.color, parent, id.value()).Run(), term.name));
  VITRINE_RETURN_IF_ERROR(tx.Commit());
  return term;
}

Status DeleteTerm(ConnectionPool& pool, TermId id, bool detach) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  VITRINE_RETURN_IF_ERROR(GetTermOn(*conn, id).status());
  VITRINE_ASSIGN_OR_RETURN(std::int64_t children,
                           CountOne(*conn, "SELECT COUNT(*) FROM terms WHERE parent_id = ?", id.value()));
  if (children > 0) {
    return Status::Conflict("term " + std::to_string(id.value()) + " has " + std::to_string(children) +
                            " child term(s): delete or move them first");
  }
  VITRINE_ASSIGN_OR_RETURN(std::int64_t uses,
                           CountOne(*conn, "SELECT COUNT(*) FROM annotation_terms WHERE term_id = ?", id.value()));
  if (uses > 0 && !detach) {
    return Status::Conflict("term " + std::to_string(id.value()) + " is on " + std::to_string(uses) +
                            " annotation(s); send detach=true to take it off them and delete it");
  }
  {
    VITRINE_ASSIGN_OR_RETURN(Statement off, conn->Prepare("DELETE FROM annotation_terms WHERE term_id = ?"));
    VITRINE_RETURN_IF_ERROR(off.Bind(id.value()).Run());
  }
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM terms WHERE id = ?"));
  VITRINE_RETURN_IF_ERROR(q.Bind(id.value()).Run());
  return tx.Commit();
}

Result<std::vector<TermId>> WithDescendants(ConnectionPool& pool, const std::vector<TermId>& terms) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  std::string sql =
      "WITH RECURSIVE below(id) AS (SELECT id FROM terms WHERE id IN (" + Placeholders(terms.size()) +
      ") UNION SELECT t.id FROM terms t JOIN below b ON t.parent_id = b.id) SELECT id FROM below ORDER BY id";
  VITRINE_ASSIGN_OR_RETURN(Statement q, conn->PrepareDynamic(sql));
  for (std::size_t i = 0; i < terms.size(); ++i) q.BindAt(static_cast<int>(i + 1), terms[i].value());
  std::vector<TermId> out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.emplace_back(q.Int(0));
  }
}

Status SetProjectOntology(ConnectionPool& pool, ProjectId project, std::optional<OntologyId> ontology) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*conn));
  if (ontology) {
    VITRINE_RETURN_IF_ERROR(GetOn(*conn, *ontology).status());
  }
  VITRINE_ASSIGN_OR_RETURN(
      std::int64_t tagged,
      CountOne(*conn,
               "SELECT COUNT(*) FROM annotation_terms t JOIN annotations a ON a.id = t.annotation_id"
               " WHERE a.project_id = ?",
               project.value()));
  VITRINE_ASSIGN_OR_RETURN(auto current, ProjectOntologyOn(*conn, project));
  if (tagged > 0 && current != ontology) {
    return Status::Conflict("annotations of project " + std::to_string(project.value()) +
                            " carry terms of its ontology: take the terms off them first");
  }
  if (ontology) {
    VITRINE_ASSIGN_OR_RETURN(
        Statement q, conn->Prepare("INSERT INTO project_ontologies(project_id, ontology_id) VALUES (?, ?)"
                                   " ON CONFLICT(project_id) DO UPDATE SET ontology_id = excluded.ontology_id"));
    Status s = q.Bind(project.value(), ontology->value()).Run();
    if (s.code() == ErrorCode::kConflict)
      return Status::NotFound("project " + std::to_string(project.value()) + " not found");
    VITRINE_RETURN_IF_ERROR(s);
  } else {
    VITRINE_ASSIGN_OR_RETURN(Statement q, conn->Prepare("DELETE FROM project_ontologies WHERE project_id = ?"));
    VITRINE_RETURN_IF_ERROR(q.Bind(project.value()).Run());
  }
  return tx.Commit();
}

Result<std::optional<OntologyId>> GetProjectOntology(ConnectionPool& pool, ProjectId project) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  return ProjectOntologyOn(*conn, project);
}

Result<std::vector<ProjectId>> ProjectsUsing(ConnectionPool& pool, OntologyId ontology) {
  VITRINE_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  VITRINE_ASSIGN_OR_RETURN(Statement q,
                           conn->Prepare("SELECT project_id FROM project_ontologies WHERE ontology_id = ? ORDER BY 1"));
  q.Bind(ontology.value());
  std::vector<ProjectId> out;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.emplace_back(q.Int(0));
  }
}

}  // namespace vitrine::catalog::sqlite::ontologies
