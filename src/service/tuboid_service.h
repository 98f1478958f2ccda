// Sticky Pi's tuboids: insects tracked across a trap's shots, kept as series (one matcher run
// over one device and time range) of tuboids, each with its tiles image and its context image
// (Vitrine images of the project, viewable like any) and its shots; and the taxonomic labels a
// classifier gives them (ITC labels).
//
// Rights: viewers read; contributors store tuboids and labels; managers delete series.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/tuboid_shots.h"
#include "service/caller.h"
#include "service/image_service.h"
#include "service/project_service.h"

namespace vitrine::service {

// A tuboid to store, its images already ingested into `series.project_id`.
struct NewTuboid {
  TuboidSeries series;  // device, start, end, algorithm, algorithm_version, n_images, n_tuboids
  std::string name;     // "<device>.<series start>.<series end>.<algorithm version>.<NNNN>"
  std::string shots;    // "<device>.<YYYY-MM-DD_hh-mm-ss>,<x>,<y>,<scale>" per line
  ImageId tiles_image_id;
  ImageId context_image_id;
};

class TuboidService {
 public:
  static constexpr std::size_t kMaxShotsBytes = 256 << 10;
  static constexpr std::size_t kMaxLabelsPerTuboid = 100;

  TuboidService(catalog::Catalog& catalog, const ProjectService& projects, ImageService& images,
                const core::Clock& clock)
      : catalog_(catalog), projects_(projects), images_(images), clock_(clock) {}

  // A tuboid's two images arrive as uploads the caller streams (BeginImage, then the upload's
  // Write), marked sticky_pi=tuboid-tiles or tuboid-context. FinishImage adds the image made to
  // `ingested`, and is kConflict when the project holds those bytes as an image already: a
  // tuboid's images are its own, deleted with its series. Discard deletes what a refused upload
  // ingested.
  Result<std::unique_ptr<ImageUpload>> BeginImage(const Caller& caller, ProjectId project, bool tiles);
  Result<ImageId> FinishImage(ImageUpload& upload, bool tiles, std::vector<ImageId>& ingested);
  void Discard(const std::vector<ImageId>& ingested);

  // The name must agree with the series (device, start, end, version) and end with the index;
  // the shots must lie inside the series' range. kConflict for a name already stored or a
  // series that holds its n_tuboids.
  Result<Tuboid> Create(const Caller& caller, const NewTuboid& tuboid);
  // The tuboid with its labels and its shots.
  Result<Tuboid> Get(const Caller& caller, TuboidId id) const;
  // In order of series start, then index, each with its labels but without its shots; without
  // a project, across every project the caller can read.
  Result<Page<Tuboid>> List(const Caller& caller, const TuboidFilter& filter, const PageRequest& page) const;
  // The series, its tuboids, their labels and their images.
  Status DeleteSeries(const Caller& caller, TuboidSeriesId id);

  // kConflict when the tuboid has a label of this algorithm and version; kTooLarge when it has
  // kMaxLabelsPerTuboid.
  Result<ItcLabel> CreateLabel(const Caller& caller, const ItcLabel& label);
  // The labels of those of `tuboids` the caller can read.
  Result<std::vector<ItcLabel>> Labels(const Caller& caller, const std::vector<TuboidId>& tuboids) const;

 private:
  Result<Page<Tuboid>> WithLabels(Page<Tuboid> page) const;

  catalog::Catalog& catalog_;
  const ProjectService& projects_;
  ImageService& images_;
  const core::Clock& clock_;
};

}  // namespace vitrine::service
