// Annotations: shapes on images with properties, drawn by people or produced by algorithms.
// Geometry arrives as WKT or GeoJSON, is validated (or repaired when asked) with GEOS, and is
// stored with its bounding box, area, perimeter, centroid and vertex count.
//
// Rights: viewers read; contributors create and delete their own; managers delete any, and
// delete in bulk.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/executor.h"
#include "geometry/geometry.h"
#include "service/caller.h"
#include "service/image_service.h"
#include "service/project_service.h"

namespace vitrine::service {

using vitrine::NewAnnotation;
using AnnotationOutput = vitrine::AnnotationView;

// Algorithm names and versions, on annotations and runs.
inline constexpr std::size_t kMaxAlgorithmName = 256;

// A change to one annotation. Each part given replaces the stored one; terms may instead be
// added and removed one by one, and properties change key by key (a nullopt value removes the
// key), so that concurrent changes of different terms or keys all hold.
struct AnnotationChange {
  std::optional<std::string> wkt{};
  bool repair = false;  // make an invalid shape valid (GEOS MakeValid) instead of refusing it
  std::optional<std::vector<TermId>> terms{};
  std::vector<TermId> add_terms{};
  std::vector<TermId> remove_terms{};
  std::map<std::string, std::optional<std::string>> properties{};
};

struct AnnotationLimits {
  std::size_t max_per_request = 100'000;
  std::int64_t max_vertices = 1'000'000;
  std::int64_t max_page = 10'000;
};

class AnnotationService {
 public:
  // Bulk requests are validated in parallel on `executor`'s request lane.
  AnnotationService(catalog::Catalog& catalog, const ProjectService& projects, const ImageService& images,
                    const core::Clock& clock, core::Executor& executor, AnnotationLimits limits = {})
      : catalog_(catalog), projects_(projects), images_(images), clock_(clock), executor_(executor), limits_(limits) {}

  // All or nothing, in one transaction: ids in input order. An error names the offending item
  // by its index.
  Result<std::vector<AnnotationId>> Create(const Caller& caller, const std::vector<NewAnnotation>& annotations);
  Result<Annotation> Get(const Caller& caller, AnnotationId id, const AnnotationOutput& output = {}) const;
  // `page.limit` 0 counts without reading rows. The filter must name a project or images.
  Result<Page<Annotation>> List(const Caller& caller, const AnnotationFilter& filter, const PageRequest& page,
                                const AnnotationOutput& output = {}) const;
  // Same rights as Delete: contributors change their own, managers any. Returns the annotation
  // as stored afterwards (with WKT, terms and properties).
  Result<Annotation> Update(const Caller& caller, AnnotationId id, const AnnotationChange& change);
  Status Delete(const Caller& caller, AnnotationId id);
  // Deletes every match (managers only), or with `dry_run` only counts them.
  Result<std::int64_t> DeleteMatching(const Caller& caller, const AnnotationFilter& filter, bool dry_run);

  // Validates and measures a batch without storing it: the catalog rows, or an error naming the
  // offending item. The caller must be a contributor on every image's project.
  Result<std::vector<catalog::AnnotationRow>> Prepare(const Caller& caller,
                                                      const std::vector<NewAnnotation>& annotations) const;

  const AnnotationLimits& limits() const { return limits_; }

 private:
  // Checks the filter is well formed and the caller may read every project and image it
  // names; returns those projects.
  Result<std::set<ProjectId>> ReadableScope(const Caller& caller, const AnnotationFilter& filter) const;
  // The annotation if the caller may read it; kNotFound when they cannot see its project.
  Result<catalog::AnnotationRow> VisibleAnnotation(const Caller& caller, AnnotationId id) const;
  // The project of each image annotated, once the caller may add to it; errors name the item.
  Result<std::map<ImageId, ProjectId>> ProjectsToAddTo(const Caller& caller,
                                                       const std::vector<NewAnnotation>& annotations) const;
  // kInvalidArgument (naming the item) for a term outside its project's ontology, or unknown.
  Status CheckTerms(const std::vector<NewAnnotation>& annotations, const std::map<ImageId, ProjectId>& projects) const;
  Status Render(catalog::AnnotationRow& row, const AnnotationOutput& output) const;

  catalog::Catalog& catalog_;
  const ProjectService& projects_;
  const ImageService& images_;
  const core::Clock& clock_;
  core::Executor& executor_;
  AnnotationLimits limits_;
};

}  // namespace vitrine::service
