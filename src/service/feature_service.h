// Feature extraction: a descriptor of the catalogue (features/descriptor.h) over a list of
// resources (an image or a region of it, with a mask image or an annotation), one table of rows
// in request order. A resource that cannot be described gets a row with its error status (404
// for an image the caller may not see, 400 for an input the descriptor does not take, 415 for
// pixels it cannot read) rather than failing the request. The resources of one request are
// computed on the executor's request lane, on threads that are free (never network threads).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/executor.h"
#include "features/feature_table.h"
#include "service/annotation_service.h"
#include "service/caller.h"
#include "service/image_service.h"
#include "vitrine/features.h"

namespace vitrine::service {

struct FeatureResource {
  std::optional<ImageId> image;     // may be left out when an annotation names its image
  std::optional<PixelRect> region;  // full-resolution pixels of the image; the whole image when absent
  std::optional<ImageId> mask;      // a label image of the image's size
  std::optional<AnnotationId> annotation;
};

// Images larger than this (width or height, in pixels, of the region read) are described at
// this size, read from their pyramid level; FeatureRequest::max_size overrides it.
inline constexpr int kDefaultFeatureMaxSize = 2048;
inline constexpr int kMaxFeatureSize = 8192;
inline constexpr std::size_t kMaxFeatureResources = 10000;
// Rows in one answer built whole (HDF5, and small CSV or JSON answers; an HDF5 row holds 6 KB of
// names) at most: a request for more (keypoints of many images, masks of many labels) is
// refused, to be split or streamed.
inline constexpr std::size_t kMaxFeatureRows = 20000;
// Labels of one mask at most (each is a row).
inline constexpr std::size_t kMaxMaskLabels = 1000;

struct FeatureRequest {
  std::vector<FeatureResource> resources;
  int max_size = kDefaultFeatureMaxSize;
  // Rows are kept per (descriptor and its version, the pixels' blob, region, size, mask image or
  // annotation geometry) in the view cache and served from there; false computes afresh.
  bool use_cache = true;
};

// A request as clients make it (vitrine/features.h).
FeatureRequest FeatureRequestOf(const std::vector<vitrine::FeatureResource>& resources, const FeatureOptions& options);

// What one resource's rows depend on (feature_service.cc).
struct FeaturePlan;

class FeatureService {
 public:
  FeatureService(ImageService& images, const AnnotationService& annotations, core::Executor& executor)
      : images_(images), annotations_(annotations), executor_(executor) {}

  // kNotFound for a name not in the catalogue.
  Result<const features::Descriptor*> Find(std::string_view name) const;
  // kInvalidArgument for an empty or oversized request (each problem of one resource is its row's).
  Result<features::Table> Extract(const Caller& caller, std::string_view name, const FeatureRequest& request);

  // For answers made a batch at a time (streamed): what Extract refuses before any work, and the
  // rows of resources [first, first + count) of a checked request, in order; kInvalidArgument
  // when they come to more than max_rows.
  Result<const features::Descriptor*> Check(std::string_view name, const FeatureRequest& request) const;
  Result<std::vector<features::TableRow>> ExtractRows(const Caller& caller, const features::Descriptor& descriptor,
                                                      const FeatureRequest& request, std::size_t first,
                                                      std::size_t count, std::size_t max_rows);

 private:
  Result<FeaturePlan> PlanOf(const Caller& caller, const features::Descriptor& descriptor,
                             const FeatureResource& resource, int max_size);
  Result<std::vector<features::Row>> Compute(const features::Descriptor& descriptor, const FeaturePlan& plan);
  std::vector<features::TableRow> Describe(const Caller& caller, const features::Descriptor& descriptor,
                                           const FeatureResource& resource, int max_size, bool use_cache);

  ImageService& images_;
  const AnnotationService& annotations_;
  core::Executor& executor_;
};

}  // namespace vitrine::service
