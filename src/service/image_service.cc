#include "service/image_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "service/image_service_internal.h"
#include "service/pagination.h"
#include "service/properties.h"

namespace vitrine::service {
namespace internal_images {

Status ImageNotFound(ImageId id) { return Status::NotFound("image " + std::to_string(id.value()) + " not found"); }

}  // namespace internal_images

namespace {

constexpr std::size_t kMaxFilename = 1024;

}  // namespace

using internal_images::ImageNotFound;

Status ValidateFilename(std::string_view filename) {
  if (filename.empty()) return Status::InvalidArgument("a filename is required (?filename=NAME)");
  if (filename.size() > kMaxFilename) return Status::InvalidArgument("filename is longer than 1024 bytes");
  for (unsigned char c : filename) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
      return Status::InvalidArgument("filename must not contain path separators or control characters");
    }
  }
  if (filename == "." || filename == "..") return Status::InvalidArgument("filename must name a file");
  return Status::Ok();
}

ImageService::ImageService(catalog::Catalog& catalog, blob::BlobStore& blobs, ProjectService& projects,
                           const core::Clock& clock, core::Executor& executor, ImageOptions options)
    : catalog_(catalog),
      blobs_(blobs),
      projects_(projects),
      clock_(clock),
      options_(std::move(options)),
      cache_writes_(executor, core::Lane::kCacheWrites),
      pyramid_builds_(executor, core::Lane::kPyramids) {
  if (options_.view_cache_dir.empty()) return;
  auto cache = ViewCache::Open(options_.view_cache_dir, options_.view_cache_bytes);
  if (cache.ok()) {
    view_cache_ = std::move(*cache);
  } else {
    spdlog::warn("views are not cached: {}", cache.status().ToString());
  }
}

ImageService::~ImageService() { stopping_ = true; }

Result<Image> ImageService::ImageIfCallerHolds(const Caller& caller, ImageId id, ProjectRole needed) const {
  auto image = catalog_.GetImage(id);
  if (!image.ok()) return image.status();
  Status allowed = projects_.Require(caller, image->project_id, needed);
  // An image in a project the caller cannot see does not exist for them.
  if (allowed.code() == ErrorCode::kNotFound) return ImageNotFound(id);
  VITRINE_RETURN_IF_ERROR(allowed);
  return image;
}

Result<Image> ImageService::ImageWithoutPropertiesIfViewer(const Caller& caller, ImageId id) const {
  VITRINE_ASSIGN_OR_RETURN(catalog::Catalog::ImageAccess access, catalog_.GetImageAccess(id, caller.user_id()));
  if (caller.project_scope()) {  // a job's token: its project's images only
    if (access.image.project_id != *caller.project_scope()) return ImageNotFound(id);
    if (caller.user()->admin) return std::move(access.image);
  }
  // Every member may view; to anyone else the image does not exist.
  if (!caller.is_admin() && !access.role) return ImageNotFound(id);
  return std::move(access.image);
}

Result<Image> ImageService::Get(const Caller& caller, ImageId id) const {
  return ImageIfCallerHolds(caller, id, ProjectRole::kViewer);
}

Result<ImageFile> ImageService::OpenFile(const Caller& caller, ImageId id, blob::ByteRange range) const {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  if (range.offset < 0 || range.offset > image.size_bytes ||
      (range.offset == image.size_bytes && image.size_bytes > 0)) {
    return Status::InvalidArgument("range starts past the end of the file");
  }
  std::int64_t length =
      range.length < 0 ? image.size_bytes - range.offset : std::min(range.length, image.size_bytes - range.offset);
  VITRINE_ASSIGN_OR_RETURN(auto body, blobs_.Open(image.sha256, {range.offset, length}));
  return ImageFile{std::move(image), std::move(body), range.offset, length};
}

Result<std::optional<std::string>> ImageService::DirectDownloadUrl(const Caller& caller, ImageId id) const {
  if (options_.redirect_downloads.count() <= 0) return std::optional<std::string>();
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  return blobs_.PresignedGetUrl(image.sha256, options_.redirect_downloads);
}

Result<Image> ImageService::Update(const Caller& caller, ImageId id, const catalog::ImageChanges& changes) {
  VITRINE_RETURN_IF_ERROR(ImageIfCallerHolds(caller, id, ProjectRole::kContributor).status());
  if (changes.filename) VITRINE_RETURN_IF_ERROR(ValidateFilename(*changes.filename));
  VITRINE_RETURN_IF_ERROR(ValidatePropertyChanges(changes.properties));
  return catalog_.UpdateImage(id, changes);
}

Status ImageService::Delete(const Caller& caller, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kContributor));
  bool own = caller.user_id().valid() && caller.user_id() == image.created_by;
  if (!own) VITRINE_RETURN_IF_ERROR(projects_.Require(caller, image.project_id, ProjectRole::kManager));
  // The blob stays until garbage collection finds nothing referring to it: another project may
  // hold the same content, or an upload of it may be committing right now.
  VITRINE_RETURN_IF_ERROR(catalog_.DeleteImage(id));
  if (view_cache_) view_cache_->EraseImage(id);
  {
    std::lock_guard lock(pyramids_mu_);
    pyramids_ready_.erase(id);
  }
  return Status::Ok();
}

Result<Page<Image>> ImageService::List(const Caller& caller, ProjectId project, const ImageFilter& filter,
                                       const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  return catalog_.ListImages({project, std::nullopt}, filter, page);
}

Result<Page<Image>> ImageService::ListAcrossProjects(const Caller& caller, const ImageFilter& filter,
                                                     const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  catalog::ImageScope scope;
  if (caller.project_scope()) {
    scope.project = caller.project_scope();
  } else if (!caller.is_admin()) {
    scope.member = caller.user_id();
  }
  return catalog_.ListImages(scope, filter, page);
}

Result<std::map<std::string, ImageId>> ImageService::FindByHash(const Caller& caller, ProjectId project,
                                                                const std::vector<std::string>& sha256s) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  if (sha256s.size() > kMaxHashLookup) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxHashLookup) + " hashes per lookup");
  }
  for (const auto& sha : sha256s) {
    if (!blob::IsSha256Hex(sha)) return Status::InvalidArgument("'" + sha + "' is not a lowercase hex SHA-256");
  }
  return catalog_.FindImagesByHash(project, sha256s);
}

}  // namespace vitrine::service
