#include "catalog/postgres/ontology_queries.h"

#include "catalog/postgres/image_queries.h"

namespace vitrine::catalog::postgres::ontologies {
namespace {

constexpr const char* kTermColumns = "SELECT id, ontology_id, name, color, parent_id FROM terms";

Term ReadTerm(const Rows& q, int r) {
  Term t;
  t.id = TermId(q.Int(r, 0));
  t.ontology_id = OntologyId(q.Int(r, 1));
  t.name = q.Text(r, 2);
  t.color = q.Text(r, 3);
  if (auto parent = q.OptionalInt(r, 4)) t.parent_id = TermId(*parent);
  return t;
}

Result<Term> GetTermOn(Connection& conn, TermId id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string(kTermColumns) + " WHERE id = $1", id.value()));
  if (q.empty()) return Status::NotFound("term " + std::to_string(id.value()) + " not found");
  return ReadTerm(q, 0);
}

// The ontology with its terms; `lock` takes its row for the rest of the transaction, so that
// changes to one ontology's terms (names, parents) are made one after the other.
Result<Ontology> GetOn(Connection& conn, OntologyId id, bool lock = false) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(std::string("SELECT id, name, created_by, created_at FROM ontologies"
                                                          " WHERE id = $1") +
                                                  (lock ? " FOR UPDATE" : ""),
                                              id.value()));
  if (q.empty()) return Status::NotFound("ontology " + std::to_string(id.value()) + " not found");
  Ontology o{
      OntologyId(q.Int(0, 0)), q.Text(0, 1), UserId(q.OptionalInt(0, 2).value_or(0)), FromMicros(q.Int(0, 3)), {}};
  VITRINE_ASSIGN_OR_RETURN(auto terms,
                           conn.Query(std::string(kTermColumns) + " WHERE ontology_id = $1 ORDER BY id", id.value()));
  for (int r = 0; r < terms.size(); ++r) o.terms.push_back(ReadTerm(terms, r));
  return o;
}

Result<std::optional<OntologyId>> ProjectOntologyOn(Connection& conn, ProjectId project) {
  VITRINE_ASSIGN_OR_RETURN(
      auto q, conn.Query("SELECT ontology_id FROM project_ontologies WHERE project_id = $1", project.value()));
  return q.empty() ? std::nullopt : std::optional<OntologyId>(OntologyId(q.Int(0, 0)));
}

Result<std::int64_t> CountOne(Connection& conn, const char* sql, std::int64_t id) {
  VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query(sql, id));
  return q.Int(0, 0);
}

// A parent that is missing or in another ontology, or that would make a cycle.
Status CheckParent(Connection& conn, OntologyId ontology, std::optional<TermId> parent, std::optional<TermId> self) {
  if (!parent) return Status::Ok();
  auto found = GetTermOn(conn, *parent);
  if (!found.ok() && found.status().code() != ErrorCode::kNotFound) return found.status();
  if (!found.ok() || found->ontology_id != ontology) {
    return Status::InvalidArgument("parent term " + std::to_string(parent->value()) + " is not in this ontology");
  }
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
  return pool.Run<Ontology>([&](Connection& conn) -> Result<Ontology> {
    std::optional<std::int64_t> creator;
    if (created_by.valid()) creator = created_by.value();
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("INSERT INTO ontologies(name, created_by, created_at)"
                                                " VALUES ($1, $2, $3) RETURNING id",
                                                name, creator, Micros(created_at)));
    return Ontology{OntologyId(q.Int(0, 0)), name, created_by, created_at, {}};
  });
}

Result<Ontology> Get(ConnectionPool& pool, OntologyId id) {
  return pool.Run<Ontology>([&](Connection& conn) { return GetOn(conn, id); });
}

Result<Page<Ontology>> List(ConnectionPool& pool, const PageRequest& page) {
  return pool.Run<Page<Ontology>>([&](Connection& conn) -> Result<Page<Ontology>> {
    Page<Ontology> out;
    VITRINE_ASSIGN_OR_RETURN(
        auto q, conn.Query("SELECT id FROM ontologies ORDER BY id LIMIT $1 OFFSET $2", page.limit, page.offset));
    for (int r = 0; r < q.size(); ++r) {
      VITRINE_ASSIGN_OR_RETURN(Ontology o, GetOn(conn, OntologyId(q.Int(r, 0))));
      out.items.push_back(std::move(o));
    }
    VITRINE_ASSIGN_OR_RETURN(auto count, conn.Query("SELECT COUNT(*) FROM ontologies"));
    out.total = count.Int(0, 0);
    return out;
  });
}

Status Delete(ConnectionPool& pool, OntologyId id) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    // Locked: a project taking it up or an annotation tagged meanwhile waits (their foreign keys
    // share-lock the rows they name) and then fails.
    VITRINE_RETURN_IF_ERROR(GetOn(conn, id, /*lock=*/true).status());
    VITRINE_RETURN_IF_ERROR(conn.Query("SELECT 1 FROM terms WHERE ontology_id = $1 FOR UPDATE", id.value()).status());
    VITRINE_ASSIGN_OR_RETURN(
        std::int64_t projects,
        CountOne(conn, "SELECT COUNT(*) FROM project_ontologies WHERE ontology_id = $1", id.value()));
    if (projects > 0) {
      return Status::Conflict("ontology " + std::to_string(id.value()) + " is used by " + std::to_string(projects) +
                              " project(s)");
    }
    VITRINE_ASSIGN_OR_RETURN(std::int64_t uses, CountOne(conn,
                                                         "SELECT COUNT(*) FROM annotation_terms WHERE term_id IN "
                                                         "(SELECT id FROM terms WHERE ontology_id = $1)",
                                                         id.value()));
    if (uses > 0) return Status::Conflict("annotations carry terms of ontology " + std::to_string(id.value()));
    VITRINE_RETURN_IF_ERROR(
        conn.Query("UPDATE terms SET parent_id = NULL WHERE ontology_id = $1", id.value()).status());
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM ontologies WHERE id = $1", id.value()).status());
    return tx.Commit();
  });
}

Result<Term> CreateTerm(ConnectionPool& pool, OntologyId ontology, const NewTerm& term) {
  return pool.Run<Term>([&](Connection& conn) -> Result<Term> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_RETURN_IF_ERROR(GetOn(conn, ontology, /*lock=*/true).status());
    VITRINE_RETURN_IF_ERROR(CheckParent(conn, ontology, term.parent_id, std::nullopt));
    std::optional<std::int64_t> parent;
    if (term.parent_id) parent = term.parent_id->value();
    auto q = conn.Query("INSERT INTO terms(ontology_id, name, color, parent_id) VALUES ($1, $2, $3, $4) RETURNING id",
                        ontology.value(), term.name, term.color, parent);
    VITRINE_RETURN_IF_ERROR(NameClash(q.status(), term.name));
    Term created{TermId(q->Int(0, 0)), ontology, term.name, term.color, term.parent_id};
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return created;
  });
}

Result<Term> GetTerm(ConnectionPool& pool, TermId id) {
  return pool.Run<Term>([&](Connection& conn) { return GetTermOn(conn, id); });
}

Result<Term> UpdateTerm(ConnectionPool& pool, TermId id, const TermUpdate& update) {
  return pool.Run<Term>([&](Connection& conn) -> Result<Term> {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(Term term, GetTermOn(conn, id));
    VITRINE_RETURN_IF_ERROR(GetOn(conn, term.ontology_id, /*lock=*/true).status());
    VITRINE_ASSIGN_OR_RETURN(term, GetTermOn(conn, id));  // as it is now the ontology is ours
    if (update.name) term.name = *update.name;
    if (update.color) term.color = *update.color;
    if (update.parent_id) {
      term.parent_id = update.parent_id->valid() ? update.parent_id : std::nullopt;
      VITRINE_RETURN_IF_ERROR(CheckParent(conn, term.ontology_id, term.parent_id, id));
    }
    std::optional<std::int64_t> parent;
    if (term.parent_id) parent = term.parent_id->value();
    VITRINE_RETURN_IF_ERROR(NameClash(conn.Query("UPDATE terms SET name = $1, color = $2, parent_id = $3 WHERE id = $4",
                                                 term.name, term.color, parent, id.value())
                                          .status(),
                                      term.name));
    VITRINE_RETURN_IF_ERROR(tx.Commit());
    return term;
  });
}

Status DeleteTerm(ConnectionPool& pool, TermId id, bool detach) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    VITRINE_ASSIGN_OR_RETURN(Term term, GetTermOn(conn, id));
    VITRINE_RETURN_IF_ERROR(GetOn(conn, term.ontology_id, /*lock=*/true).status());
    // Locked: an annotation being tagged with it meanwhile waits, then fails.
    VITRINE_ASSIGN_OR_RETURN(auto locked, conn.Query("SELECT 1 FROM terms WHERE id = $1 FOR UPDATE", id.value()));
    if (locked.empty()) return Status::NotFound("term " + std::to_string(id.value()) + " not found");
    VITRINE_ASSIGN_OR_RETURN(std::int64_t children,
                             CountOne(conn, "SELECT COUNT(*) FROM terms WHERE parent_id = $1", id.value()));
    if (children > 0) {
      return Status::Conflict("term " + std::to_string(id.value()) + " has " + std::to_string(children) +
                              " child term(s): delete or move them first");
    }
    VITRINE_ASSIGN_OR_RETURN(std::int64_t uses,
                             CountOne(conn, "SELECT COUNT(*) FROM annotation_terms WHERE term_id = $1", id.value()));
    if (uses > 0 && !detach) {
      return Status::Conflict("term " + std::to_string(id.value()) + " is on " + std::to_string(uses) +
                              " annotation(s); send detach=true to take it off them and delete it");
    }
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM annotation_terms WHERE term_id = $1", id.value()).status());
    VITRINE_RETURN_IF_ERROR(conn.Query("DELETE FROM terms WHERE id = $1", id.value()).status());
    return tx.Commit();
  });
}

Result<std::vector<TermId>> WithDescendants(ConnectionPool& pool, const std::vector<TermId>& terms) {
  return pool.Run<std::vector<TermId>>([&](Connection& conn) -> Result<std::vector<TermId>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("WITH RECURSIVE below(id) AS (SELECT id FROM terms"
                                                " WHERE id = ANY($1::bigint[]) UNION SELECT t.id FROM terms t"
                                                " JOIN below b ON t.parent_id = b.id) SELECT id FROM below ORDER BY id",
                                                images::IdArray(terms)));
    std::vector<TermId> out;
    for (int r = 0; r < q.size(); ++r) out.emplace_back(q.Int(r, 0));
    return out;
  });
}

Status SetProjectOntology(ConnectionPool& pool, ProjectId project, std::optional<OntologyId> ontology) {
  return pool.RunStatus([&](Connection& conn) -> Status {
    VITRINE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    // The project's row, locked: changes of one project's ontology go one after the other.
    VITRINE_ASSIGN_OR_RETURN(auto found,
                             conn.Query("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", project.value()));
    if (found.empty()) return Status::NotFound("project " + std::to_string(project.value()) + " not found");
    if (ontology) VITRINE_RETURN_IF_ERROR(GetOn(conn, *ontology).status());
    VITRINE_ASSIGN_OR_RETURN(std::int64_t tagged, CountOne(conn,
                                                           "SELECT COUNT(*) FROM annotation_terms t JOIN annotations a"
                                                           " ON a.id = t.annotation_id WHERE a.project_id = $1",
                                                           project.value()));
    VITRINE_ASSIGN_OR_RETURN(auto current, ProjectOntologyOn(conn, project));
    if (tagged > 0 && current != ontology) {
      return Status::Conflict("annotations of project " + std::to_string(project.value()) +
                              " carry terms of its ontology: take the terms off them first");
    }
    if (ontology) {
      VITRINE_RETURN_IF_ERROR(conn.Query("INSERT INTO project_ontologies(project_id, ontology_id) VALUES ($1, $2)"
                                         " ON CONFLICT (project_id) DO UPDATE SET ontology_id = excluded.ontology_id",
                                         project.value(), ontology->value())
                                  .status());
    } else {
      VITRINE_RETURN_IF_ERROR(
          conn.Query("DELETE FROM project_ontologies WHERE project_id = $1", project.value()).status());
    }
    return tx.Commit();
  });
}

Result<std::optional<OntologyId>> GetProjectOntology(ConnectionPool& pool, ProjectId project) {
  return pool.Run<std::optional<OntologyId>>([&](Connection& conn) { return ProjectOntologyOn(conn, project); });
}

Result<std::vector<ProjectId>> ProjectsUsing(ConnectionPool& pool, OntologyId ontology) {
  return pool.Run<std::vector<ProjectId>>([&](Connection& conn) -> Result<std::vector<ProjectId>> {
    VITRINE_ASSIGN_OR_RETURN(auto q, conn.Query("SELECT project_id FROM project_ontologies WHERE ontology_id = $1"
                                                " ORDER BY 1",
                                                ontology.value()));
    std::vector<ProjectId> out;
    for (int r = 0; r < q.size(); ++r) out.emplace_back(q.Int(r, 0));
    return out;
  });
}

}  // namespace vitrine::catalog::postgres::ontologies
