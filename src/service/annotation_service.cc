#include "service/annotation_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "service/pagination.h"
#include "service/properties.h"

namespace vitrine::service {
namespace {

std::string Item(std::size_t index) { return "annotation " + std::to_string(index) + ": "; }

Status ValidateAlgorithm(const NewAnnotation& a) {
  if (a.algorithm_version && !a.algorithm)
    return Status::InvalidArgument("an algorithm version needs an algorithm name");
  if (a.algorithm && (a.algorithm->empty() || a.algorithm->size() > kMaxAlgorithmName)) {
    return Status::InvalidArgument("algorithm names must be 1-" + std::to_string(kMaxAlgorithmName) + " bytes");
  }
  if (a.algorithm_version && a.algorithm_version->size() > kMaxAlgorithmName) {
    return Status::InvalidArgument("algorithm versions must be at most " + std::to_string(kMaxAlgorithmName) +
                                   " bytes");
  }
  return Status::Ok();
}

// Validates and measures one annotation into `row` (safe to run on any thread).
Status ToRow(const NewAnnotation& in, ProjectId project, UserId creator, Timestamp now, geometry::ParseOptions options,
             catalog::AnnotationRow& row) {
  VITRINE_RETURN_IF_ERROR(ValidateProperties(in.properties));
  VITRINE_RETURN_IF_ERROR(ValidateAlgorithm(in));
  if (in.wkt.empty() == in.geojson.empty()) {
    return Status::InvalidArgument("give the geometry as exactly one of wkt or geojson");
  }
  options.repair = in.repair;
  auto shape = in.wkt.empty() ? geometry::Parse(in.geojson, geometry::TextFormat::kGeoJson, options)
                              : geometry::Parse(in.wkt, geometry::TextFormat::kWkt, options);
  if (!shape.ok()) return shape.status();
  Annotation& a = row.annotation;
  a.project_id = project;
  a.image_id = in.image_id;
  a.geometry_type = std::move(shape->type);
  a.bbox = shape->bbox;
  a.area = shape->area;
  a.perimeter = shape->perimeter;
  a.centroid = shape->centroid;
  a.vertex_count = shape->vertex_count;
  a.terms = in.terms;
  a.properties = in.properties;
  a.created_by = creator;
  a.algorithm = in.algorithm;
  a.algorithm_version = in.algorithm_version;
  a.created_at = now;
  a.updated_at = now;
  row.wkb = std::move(shape->wkb);
  return Status::Ok();
}

}  // namespace

Result<std::vector<AnnotationId>> AnnotationService::Create(const Caller& caller,
                                                            const std::vector<NewAnnotation>& annotations) {
  if (annotations.empty()) return Status::InvalidArgument("no annotations given");
  const auto start = std::chrono::steady_clock::now();
  VITRINE_ASSIGN_OR_RETURN(std::vector<catalog::AnnotationRow> rows, Prepare(caller, annotations));
  const auto prepared = std::chrono::steady_clock::now();
  auto ids = catalog_.InsertAnnotations(rows);
  using Ms = std::chrono::duration<double, std::milli>;
  spdlog::debug("create {} annotations: prepare {:.1f} ms, store {:.1f} ms", rows.size(), Ms(prepared - start).count(),
                Ms(std::chrono::steady_clock::now() - prepared).count());
  return ids;
}

Result<std::map<ImageId, ProjectId>> AnnotationService::ProjectsToAddTo(
    const Caller& caller, const std::vector<NewAnnotation>& annotations) const {
  // Each image once: its project, and the caller's right to add to it.
  std::map<ImageId, ProjectId> projects;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    ImageId image_id = annotations[i].image_id;
    if (projects.contains(image_id)) continue;
    auto image = images_.ImageIfCallerHolds(caller, image_id, ProjectRole::kContributor);
    if (!image.ok()) return Status(image.status().code(), Item(i) + image.status().message());
    projects.emplace(image_id, image->project_id);
  }
  return projects;
}

Status AnnotationService::CheckTerms(const std::vector<NewAnnotation>& annotations,
                                     const std::map<ImageId, ProjectId>& projects) const {
  // Terms must come from the ontology of the annotation's project.
  std::map<ProjectId, std::optional<OntologyId>> ontologies;
  std::map<TermId, OntologyId> term_ontology;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    if (annotations[i].terms.empty()) continue;
    ProjectId project = projects.at(annotations[i].image_id);
    if (!ontologies.contains(project)) {
      VITRINE_ASSIGN_OR_RETURN(ontologies[project], catalog_.GetProjectOntology(project));
    }
    for (TermId term : annotations[i].terms) {
      if (!term_ontology.contains(term)) {
        auto found = catalog_.GetTerm(term);
        if (!found.ok()) return Status::InvalidArgument(Item(i) + found.status().message());
        term_ontology[term] = found->ontology_id;
      }
      if (ontologies[project] != term_ontology[term]) {
        return Status::InvalidArgument(Item(i) + "term " + std::to_string(term.value()) +
                                       " is not in the ontology of project " + std::to_string(project.value()));
      }
    }
  }
  return Status::Ok();
}

Result<std::vector<catalog::AnnotationRow>> AnnotationService::Prepare(
    const Caller& caller, const std::vector<NewAnnotation>& annotations) const {
  if (annotations.size() > limits_.max_per_request) {
    return Status::TooLarge("at most " + std::to_string(limits_.max_per_request) + " annotations per request");
  }
  VITRINE_ASSIGN_OR_RETURN(auto projects, ProjectsToAddTo(caller, annotations));
  VITRINE_RETURN_IF_ERROR(CheckTerms(annotations, projects));

  std::vector<catalog::AnnotationRow> rows(annotations.size());
  std::vector<Status> errors(annotations.size());
  const Timestamp now = clock_.Now();
  geometry::ParseOptions parse_options;
  parse_options.max_vertices = limits_.max_vertices;
  // GEOS validation is the costly part of a bulk create: 512 shapes a share, on free request threads.
  core::ParallelFor(executor_, core::Lane::kRequests, annotations.size(), 512, [&](std::size_t i) {
    const NewAnnotation& in = annotations[i];
    errors[i] = ToRow(in, projects.at(in.image_id), caller.user_id(), now, parse_options, rows[i]);
  });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].ok()) return Status(errors[i].code(), Item(i) + errors[i].message());
  }
  return rows;
}

Status AnnotationService::Render(catalog::AnnotationRow& row, const AnnotationOutput& output) const {
  if (!output.wkt && !output.geojson) return Status::Ok();
  std::string wkb = std::move(row.wkb);
  if (output.simplify) {
    VITRINE_ASSIGN_OR_RETURN(wkb, geometry::Simplify(wkb, *output.simplify));
  }
  if (output.wkt) {
    VITRINE_ASSIGN_OR_RETURN(row.annotation.wkt, geometry::ToWkt(wkb));
  }
  if (output.geojson) {
    VITRINE_ASSIGN_OR_RETURN(row.annotation.geojson, geometry::ToGeoJson(wkb));
  }
  return Status::Ok();
}

Result<catalog::AnnotationRow> AnnotationService::VisibleAnnotation(const Caller& caller, AnnotationId id) const {
  VITRINE_ASSIGN_OR_RETURN(catalog::AnnotationRow row, catalog_.GetAnnotation(id));
  Status allowed = projects_.Require(caller, row.annotation.project_id, ProjectRole::kViewer);
  if (allowed.code() == ErrorCode::kNotFound) {
    return Status::NotFound("annotation " + std::to_string(id.value()) + " not found");
  }
  VITRINE_RETURN_IF_ERROR(allowed);
  return row;
}

Result<Annotation> AnnotationService::Get(const Caller& caller, AnnotationId id, const AnnotationOutput& output) const {
  VITRINE_ASSIGN_OR_RETURN(catalog::AnnotationRow row, VisibleAnnotation(caller, id));
  VITRINE_RETURN_IF_ERROR(Render(row, output));
  if (!output.properties) row.annotation.properties.clear();
  if (!output.terms) row.annotation.terms.clear();
  return std::move(row.annotation);
}

Result<std::set<ProjectId>> AnnotationService::ReadableScope(const Caller& caller,
                                                             const AnnotationFilter& filter) const {
  if (!filter.project && filter.images.empty()) {
    return Status::InvalidArgument("name a project or at least one image (project=ID or image=ID)");
  }
  if (filter.bbox) {
    const auto& b = *filter.bbox;
    for (double v : b) {
      if (!std::isfinite(v)) return Status::InvalidArgument("bbox must be four finite numbers x0,y0,x1,y1");
    }
    if (b[0] > b[2] || b[1] > b[3]) return Status::InvalidArgument("bbox must have x0 <= x1 and y0 <= y1");
  }
  std::set<ProjectId> scope;
  if (filter.project) {
    VITRINE_RETURN_IF_ERROR(projects_.Require(caller, *filter.project, ProjectRole::kViewer));
    scope.insert(*filter.project);
  }
  for (ImageId image_id : filter.images) {
    VITRINE_ASSIGN_OR_RETURN(Image image, images_.ImageIfCallerHolds(caller, image_id, ProjectRole::kViewer));
    scope.insert(image.project_id);
  }
  return scope;
}

Result<Page<Annotation>> AnnotationService::List(const Caller& caller, const AnnotationFilter& filter,
                                                 const PageRequest& page, const AnnotationOutput& output) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page, {.max_limit = limits_.max_page, .count_only = true}));
  if (output.simplify && !(*output.simplify >= 0 && std::isfinite(*output.simplify))) {
    return Status::InvalidArgument("simplify must be a non-negative number of pixels");
  }
  VITRINE_RETURN_IF_ERROR(ReadableScope(caller, filter).status());
  AnnotationFilter expanded = filter;
  if (filter.term_descendants && !filter.terms.empty()) {
    VITRINE_ASSIGN_OR_RETURN(expanded.terms, catalog_.WithDescendants(filter.terms));
    // The terms become one IN list: past a few thousand, the store would refuse the query.
    constexpr std::size_t kMaxExpandedTerms = 5'000;
    if (expanded.terms.size() > kMaxExpandedTerms) {
      return Status::InvalidArgument("these terms have " + std::to_string(expanded.terms.size()) +
                                     " descendants; at most " + std::to_string(kMaxExpandedTerms) +
                                     " terms in one filter: name fewer, or deeper terms");
    }
  }
  catalog::AnnotationColumns columns{.geometry = output.wkt || output.geojson,
                                     .properties = output.properties,
                                     .terms = output.terms,
                                     .total = output.count_total,
                                     .total_up_to = output.count_up_to};

  Page<catalog::AnnotationRow> rows;
  if (filter.bbox && filter.exact) {
    // The exact test needs every candidate's geometry, and the total counts them all: they are
    // read a chunk at a time after the last id seen (no offsets, no counts), and only the page
    // of hits is kept.
    constexpr std::int64_t kChunk = 5'000;
    catalog::AnnotationColumns chunk_columns = columns;
    chunk_columns.geometry = true;
    chunk_columns.total = false;
    geometry::BoxTest box(*filter.bbox);
    std::int64_t hits = 0;
    AnnotationFilter chunk_filter = expanded;
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(auto candidates, catalog_.ListAnnotations(chunk_filter, {kChunk, 0}, chunk_columns));
      for (auto& row : candidates.items) {
        VITRINE_ASSIGN_OR_RETURN(bool hit, box.Intersects(row.wkb));
        if (!hit) continue;
        if (hits >= page.offset && static_cast<std::int64_t>(rows.items.size()) < page.limit) {
          rows.items.push_back(std::move(row));
        }
        ++hits;
      }
      if (static_cast<std::int64_t>(candidates.items.size()) < kChunk) break;
      // Without a total to give, or with the count at its cap, a full page is the end of the work.
      const bool counted = !output.count_total || (output.count_up_to > 0 && hits >= output.count_up_to);
      if (counted && static_cast<std::int64_t>(rows.items.size()) >= page.limit) break;
      chunk_filter.after = candidates.items.back().annotation.id;
    }
    if (output.count_up_to > 0) hits = std::min(hits, output.count_up_to);
    rows.total = output.count_total ? hits : -1;
  } else {
    VITRINE_ASSIGN_OR_RETURN(rows, catalog_.ListAnnotations(expanded, page, columns));
  }

  Page<Annotation> out;
  out.total = rows.total;
  out.items.reserve(rows.items.size());
  for (auto& row : rows.items) {
    VITRINE_RETURN_IF_ERROR(Render(row, output));
    out.items.push_back(std::move(row.annotation));
  }
  return out;
}

Result<Annotation> AnnotationService::Update(const Caller& caller, AnnotationId id, const AnnotationChange& change) {
  VITRINE_RETURN_IF_ERROR(ValidatePropertyChanges(change.properties));
  std::optional<geometry::Shape> shape;
  if (change.wkt) {
    geometry::ParseOptions options;
    options.max_vertices = limits_.max_vertices;
    options.repair = change.repair;
    VITRINE_ASSIGN_OR_RETURN(shape, geometry::Parse(*change.wkt, geometry::TextFormat::kWkt, options));
  }
  NewAnnotation added;
  added.terms = change.terms.value_or(std::vector<TermId>());
  added.terms.insert(added.terms.end(), change.add_terms.begin(), change.add_terms.end());
  // Read, change, and write only if nobody wrote in between: a concurrent change (another
  // term, another key) is read again and kept, never overwritten. Each retry follows a write
  // that succeeded, so the loop ends; the bound only keeps a hot row from holding a thread.
  constexpr int kAttempts = 16;
  for (int attempt = 1;; ++attempt) {
    VITRINE_ASSIGN_OR_RETURN(catalog::AnnotationRow row, VisibleAnnotation(caller, id));
    Annotation& a = row.annotation;
    const bool own = caller.user() && a.created_by == caller.user_id();
    VITRINE_RETURN_IF_ERROR(
        projects_.Require(caller, a.project_id, own ? ProjectRole::kContributor : ProjectRole::kManager));
    if (!added.terms.empty()) {
      added.image_id = a.image_id;
      VITRINE_RETURN_IF_ERROR(CheckTerms({added}, {{a.image_id, a.project_id}}));
    }
    std::set<TermId> terms(a.terms.begin(), a.terms.end());
    if (change.terms) terms = {change.terms->begin(), change.terms->end()};
    terms.insert(change.add_terms.begin(), change.add_terms.end());
    for (TermId term : change.remove_terms) terms.erase(term);
    a.terms.assign(terms.begin(), terms.end());
    for (const auto& [key, value] : change.properties) {
      if (value) {
        a.properties[key] = *value;
      } else {
        a.properties.erase(key);
      }
    }
    VITRINE_RETURN_IF_ERROR(ValidateProperties(a.properties));
    if (shape) {
      a.geometry_type = shape->type;
      a.bbox = shape->bbox;
      a.area = shape->area;
      a.perimeter = shape->perimeter;
      a.centroid = shape->centroid;
      a.vertex_count = shape->vertex_count;
      row.wkb = shape->wkb;
    }
    const Timestamp seen = a.updated_at;
    a.updated_at = std::max(clock_.Now(), seen + std::chrono::microseconds(1));  // always a new version
    Status replaced = catalog_.ReplaceAnnotation(row, seen);
    if (replaced.code() == ErrorCode::kConflict && attempt < kAttempts) continue;
    VITRINE_RETURN_IF_ERROR(replaced);
    return Get(caller, id);
  }
}

Status AnnotationService::Delete(const Caller& caller, AnnotationId id) {
  VITRINE_ASSIGN_OR_RETURN(catalog::AnnotationRow row, VisibleAnnotation(caller, id));
  const ProjectId project = row.annotation.project_id;
  bool own = caller.user() && row.annotation.created_by == caller.user_id();
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, own ? ProjectRole::kContributor : ProjectRole::kManager));
  return catalog_.DeleteAnnotation(id);
}

Result<std::int64_t> AnnotationService::DeleteMatching(const Caller& caller, const AnnotationFilter& filter,
                                                       bool dry_run) {
  VITRINE_ASSIGN_OR_RETURN(std::set<ProjectId> scope, ReadableScope(caller, filter));
  if (filter.exact) return Status::InvalidArgument("bulk deletion matches bounding boxes only: leave out exact");
  if (dry_run) {
    VITRINE_ASSIGN_OR_RETURN(auto counted, catalog_.ListAnnotations(filter, {0, 0}, {false, false, false}));
    return counted.total;
  }
  for (ProjectId project : scope) VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kManager));
  return catalog_.DeleteAnnotations(filter);
}

}  // namespace vitrine::service
