// ImageService's views: regions, IIIF requests and Deep Zoom tiles, named by an ETag that
// covers every input of their bytes, and kept in the view cache.
#include <spdlog/fmt/fmt.h>

#include "imaging/pyramid.h"
#include "imaging/stored_tiles.h"
#include "service/image_service.h"

namespace vitrine::service {
namespace {

std::string PixelOptionsTag(const ViewRequest& view) {
  std::string tag;
  if (view.plane != 0) tag += "-z" + std::to_string(view.plane);
  if (view.channel >= 0) tag += "-c" + std::to_string(view.channel);
  if (view.window) tag += fmt::format("-w{},{}", view.window->low, view.window->high);
  return tag;
}

// Names every input of the rendered bytes: the content, the source read, and the view.
std::string ViewETag(const Image& image, const ViewRequest& view, bool from_pyramid) {
  const auto& r = view.region;
  const char* qualities[] = {"c", "g", "b"};
  return "\"" + image.sha256.substr(0, 32) + "-v" + std::to_string(r.x) + "," + std::to_string(r.y) + "," +
         std::to_string(r.width) + "," + std::to_string(r.height) + "-" + std::to_string(view.width) + "x" +
         std::to_string(view.height) + "-" + (view.mirror ? "m" : "") + std::to_string(view.rotation) + "-" +
         qualities[static_cast<int>(view.quality)] + std::to_string(view.compression_quality) + "." +
         std::string(ExtensionOf(view.format)) + (from_pyramid ? "-p" : "") + PixelOptionsTag(view) + "\"";
}

}  // namespace

Result<EncodedImage> ImageService::View(const Caller& caller, ImageId id, const ViewPlan& plan,
                                        const std::function<bool(std::string_view etag)>& already_have,
                                        bool may_render) {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageWithoutPropertiesIfViewer(caller, id));
  VITRINE_ASSIGN_OR_RETURN(ViewRequest view, plan(image));
  // A pyramid is made of the first plane only.
  VITRINE_ASSIGN_OR_RETURN(ViewSourceBlob source,
                           view.plane == 0 ? ViewSource(image) : Result<ViewSourceBlob>(ViewSourceBlob{image.sha256}));
  EncodedImage out;
  out.mime_type = std::string(MimeTypeOf(view.format));
  out.etag = ViewETag(image, view, source.pyramid);
  if (already_have && already_have(out.etag)) {
    out.not_modified = true;
    return out;
  }
  auto render = [&]() -> Result<std::string> {
    auto path = blobs_.LocalPath(source.sha256);
    if (!path.ok() && source.pyramid) {  // gone since it was found: looked up (and rebuilt) next time
      std::lock_guard lock(pyramids_mu_);
      pyramids_ready_.erase(id);
    }
    VITRINE_RETURN_IF_ERROR(path.status());
    return imaging::RenderView(*path, view);
  };
  // A tile that goes out as stored costs one read: less than writing it to the cache, and no
  // more than reading it back (which network threads do).
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> stored, PassThroughTile(source.sha256, view, may_render));
  if (stored) {
    out.bytes = std::move(*stored);
    return out;
  }
  if (!may_render) {
    auto stored = view_cache_ ? view_cache_->Find(id, out.etag) : std::nullopt;
    if (stored) {
      out.bytes = std::move(*stored);
    } else {
      out.needs_render = true;
    }
  } else if (view_cache_) {
    VITRINE_ASSIGN_OR_RETURN(out.bytes, view_cache_->GetOrRender(id, out.etag, render));
  } else {
    VITRINE_ASSIGN_OR_RETURN(out.bytes, render());
  }
  return out;
}

Result<std::optional<std::string>> ImageService::PassThroughTile(const std::string& sha256, const ViewRequest& view,
                                                                 bool may_read) {
  std::optional<std::filesystem::path> file;
  {
    std::lock_guard lock(stored_tile_files_mu_);
    if (auto it = stored_tile_files_.find(sha256); it != stored_tile_files_.end()) file = it->second;
  }
  if (!file) {
    if (!may_read) return std::optional<std::string>();
    auto path = blobs_.LocalPath(sha256);
    if (!path.ok()) return std::optional<std::string>();  // the renderer says why
    file = *path;
    std::lock_guard lock(stored_tile_files_mu_);
    if (stored_tile_files_.size() >= 4096) stored_tile_files_.clear();  // a bound; refilled by workers
    stored_tile_files_.emplace(sha256, *file);
  }
  return imaging::PassThroughTile(*file, view, may_read);
}

Result<std::optional<int>> ImageService::TileSide(const Image& image, bool may_read) const {
  if (image.levels <= 1) return std::optional<int>(imaging::kPyramidTileSide);
  {
    std::lock_guard lock(tile_sides_mu_);
    if (auto it = tile_sides_.find(image.sha256); it != tile_sides_.end()) return std::optional<int>(it->second);
  }
  if (!may_read) return std::optional<int>();
  VITRINE_ASSIGN_OR_RETURN(std::filesystem::path path, blobs_.LocalPath(image.sha256));
  VITRINE_ASSIGN_OR_RETURN(std::optional<int> stored, imaging::StoredTileSide(path));
  const int side = stored.value_or(imaging::kPyramidTileSide);
  std::lock_guard lock(tile_sides_mu_);
  if (tile_sides_.size() >= 65536) tile_sides_.clear();  // a bound; each is read again once
  tile_sides_.emplace(image.sha256, side);
  return std::optional<int>(side);
}

Result<imaging::DecodedPixels> ImageService::Pixels(const std::string& source_sha256, const PixelRect& region,
                                                    int width, int height, bool grey) const {
  VITRINE_ASSIGN_OR_RETURN(std::filesystem::path path, blobs_.LocalPath(source_sha256));
  ViewRequest view;
  view.region = region;
  view.width = width;
  view.height = height;
  view.quality = grey ? ViewQuality::kGray : ViewQuality::kColor;
  return imaging::DecodeView(path, view);
}

Result<imaging::DecodedLabels> ImageService::Labels(const Image& image, const PixelRect& region, int width,
                                                    int height) const {
  VITRINE_ASSIGN_OR_RETURN(std::filesystem::path path, blobs_.LocalPath(image.sha256));
  return imaging::DecodeLabels(path, region, width, height);
}

}  // namespace vitrine::service
