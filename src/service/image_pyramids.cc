// ImageService's pyramids: a large image without levels of its own gets a tiled pyramid,
// built in the background (pyramid_builds_) at its first view and read by views once ready.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "core/digest.h"
#include "imaging/pyramid.h"
#include "service/image_service.h"

namespace vitrine::service {
namespace {

constexpr std::string_view kPyramidKind = "pyramid";

bool NeedsPyramid(const Image& image) {
  return std::max(image.width, image.height) > imaging::kPyramidThreshold && image.levels <= 1;
}

}  // namespace

Result<ImageService::ViewSourceBlob> ImageService::ViewSource(const Image& image) {
  const ViewSourceBlob original{image.sha256, false};
  if (!NeedsPyramid(image)) return original;
  {
    std::lock_guard lock(pyramids_mu_);
    if (auto it = pyramids_ready_.find(image.id); it != pyramids_ready_.end() && it->second.first == image.sha256) {
      return ViewSourceBlob{it->second.second, true};
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> pyramid, catalog_.GetDerivedBlob(image.id, kPyramidKind));
  if (pyramid) {
    auto path = blobs_.LocalPath(*pyramid);
    if (path.ok()) {
      std::lock_guard lock(pyramids_mu_);
      pyramids_ready_[image.id] = {image.sha256, *pyramid};
      return ViewSourceBlob{*pyramid, true};
    }
    spdlog::warn("image {}: its pyramid is gone ({}); building it again", image.id.value(), path.status().ToString());
  }
  {
    std::lock_guard lock(pyramids_mu_);
    if (!pyramids_building_.contains(image.id) &&
        pyramid_builds_.TrySubmit([this, image] { (void)BuildPyramid(image); })) {
      pyramids_building_.emplace(image.id, -1);
    }
  }
  return original;
}

Status ImageService::BuildPyramid(const Image& image) {
  const auto started = std::chrono::steady_clock::now();
  auto build = [&]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::filesystem::path original, blobs_.LocalPath(image.sha256));
    // Written beside the blob store's own temporary files, on the same disk as the blobs.
    VITRINE_ASSIGN_OR_RETURN(auto scratch, blobs_.StartPut(0));
    const std::filesystem::path file =
        scratch->local_path().parent_path() / (core::RandomUrlToken(12) + ".pyramid.tif");
    scratch.reset();
    struct Remove {
      std::filesystem::path path;
      ~Remove() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
      }
    } remove_after{file};
    auto progress = [this, id = image.id](int percent) {
      std::lock_guard lock(pyramids_mu_);
      pyramids_building_[id] = percent;
    };
    if (stopping_) return Status::Unavailable("shutting down");  // queued builds wait for the next start
    progress(0);
    VITRINE_RETURN_IF_ERROR(imaging::BuildPyramid(original, file, progress));
    VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(file));
    VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, blobs_.Put(*source, std::numeric_limits<std::int64_t>::max()));
    return catalog_.PutDerivedBlob(image.id, kPyramidKind, ref.sha256, clock_.Now());
  };
  Status s = build();
  if (s.ok()) {
    spdlog::info("image {}: pyramid built in {:.1f} s", image.id.value(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } else if (stopping_) {
    spdlog::info("image {}: pyramid not built before shutdown; the next view asks again", image.id.value());
  } else if (s.code() != ErrorCode::kNotFound) {  // kNotFound: the image was deleted meanwhile
    spdlog::warn("image {}: no pyramid: {}", image.id.value(), s.ToString());
  }
  std::lock_guard lock(pyramids_mu_);
  pyramids_building_.erase(image.id);
  return s;
}

Result<ImageService::PyramidState> ImageService::EnsurePyramid(const Caller& caller, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(PyramidState state, PyramidStatusOf(image));
    if (state.status == "native" || state.status == "not_needed" || state.status == "ready") return state;
    bool ours = false;
    if (state.status == "none") {
      std::lock_guard lock(pyramids_mu_);
      ours = pyramids_building_.emplace(id, -1).second;
    }
    if (ours) {
      VITRINE_RETURN_IF_ERROR(BuildPyramid(image));
      continue;
    }
    // Another thread builds it: its entry goes when it ends, whether it succeeded or not.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<ImageService::PyramidState> ImageService::PyramidStatus(const Caller& caller, ImageId id) const {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  return PyramidStatusOf(image);
}

Result<ImageService::PyramidState> ImageService::PyramidStatusOf(const Image& image) const {
  const ImageId id = image.id;
  if (image.levels > 1) return PyramidState{"native", std::nullopt};
  if (!NeedsPyramid(image)) return PyramidState{"not_needed", std::nullopt};
  {
    std::lock_guard lock(pyramids_mu_);
    if (auto it = pyramids_building_.find(id); it != pyramids_building_.end()) {
      if (it->second < 0) return PyramidState{"queued", std::nullopt};
      return PyramidState{"building", it->second};
    }
    if (auto it = pyramids_ready_.find(id); it != pyramids_ready_.end() && it->second.first == image.sha256) {
      return PyramidState{"ready", std::nullopt};
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> pyramid, catalog_.GetDerivedBlob(id, kPyramidKind));
  return PyramidState{pyramid ? "ready" : "none", std::nullopt};
}

}  // namespace vitrine::service
