// Annotation runs: one version of one algorithm over one image, stored as a unit (Sticky Pi's
// per-image detector results). A run holds its annotations and its own metadata; there is at
// most one per (image, algorithm, version), so re-running a detector is either refused or an
// explicit replacement, never a silent duplicate.
//
// Rights: viewers read; contributors store runs and delete the runs they stored; managers
// delete any.
#pragma once

#include "catalog/catalog.h"
#include "core/clock.h"
#include "service/annotation_service.h"
#include "service/caller.h"
#include "service/image_service.h"
#include "service/project_service.h"

namespace vitrine::service {

// What a detector worker asks for: images of `project` in a series that have no run of
// `algorithm` at `min_version` or later, and that no other worker holds.
struct AnnotationLeaseRequest {
  ProjectId project;
  std::string algorithm;
  std::string min_version;
  std::optional<std::string> device_like{};  // SQL LIKE
  std::optional<Timestamp> from{};           // capture time in [from, to)
  std::optional<Timestamp> to{};
  std::int64_t limit = 8;
};

class AnnotationRunService {
 public:
  AnnotationRunService(catalog::Catalog& catalog, const ProjectService& projects, const ImageService& images,
                       const AnnotationService& annotations, const core::Clock& clock)
      : catalog_(catalog), projects_(projects), images_(images), annotations_(annotations), clock_(clock) {}

  // All or nothing. kConflict when the image already has a run of this algorithm and version
  // (unless `replace`); kInvalidArgument when `image_md5` is given and is not the image's.
  Result<CreatedAnnotationRun> Create(const Caller& caller, const NewAnnotationRun& run);
  Result<AnnotationRun> Get(const Caller& caller, AnnotationRunId id) const;
  // In order of the image's capture time; without a project or images, across every project
  // the caller can read.
  Result<Page<AnnotationRun>> List(const Caller& caller, const AnnotationRunFilter& filter,
                                   const PageRequest& page) const;
  // Deletes the run with its annotations.
  Status Delete(const Caller& caller, AnnotationRunId id);

  // Sticky Pi's work leases: up to `limit` (at most kMaxLeased) images by capture time, each now
  // held for the caller and `algorithm` for kLeaseLifetime, so that workers sharing a series do
  // not annotate an image twice. A lease ends when it expires; a run stored meanwhile is what
  // keeps the image from being leased again. Contributors.
  static constexpr std::chrono::hours kLeaseLifetime{6};
  static constexpr std::int64_t kMaxLeased = 100;
  Result<std::vector<Image>> LeaseImages(const Caller& caller, const AnnotationLeaseRequest& request);

 private:
  Result<AnnotationRun> VisibleRun(const Caller& caller, AnnotationRunId id) const;

  catalog::Catalog& catalog_;
  const ProjectService& projects_;
  const ImageService& images_;
  const AnnotationService& annotations_;
  const core::Clock& clock_;
};

}  // namespace vitrine::service
