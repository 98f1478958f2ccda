// ImageService's thumbnails: served from the derived-blob cache, else made from the original
// and stored in the background (cache_writes_).
#include <spdlog/spdlog.h>

#include "core/digest.h"
#include "imaging/thumbnail.h"
#include "service/image_service.h"
#include "service/image_service_internal.h"

namespace vitrine::service {
namespace internal_images {

std::string ThumbnailKind(int max_size, EncodedFormat format) {
  return "thumbnail:" + std::to_string(max_size) + ":" + std::string(ExtensionOf(format));
}

}  // namespace internal_images

namespace {

constexpr std::size_t kMaxCachedThumbnailBytes = 64 * 1024 * 1024;

}  // namespace

using internal_images::ThumbnailKind;

Result<EncodedImage> ImageService::Thumbnail(const Caller& caller, ImageId id, int max_size, std::string_view format,
                                             bool may_render) {
  VITRINE_ASSIGN_OR_RETURN(EncodedFormat encoded, EncodedFormatFromName(format));
  if (max_size < 1 || max_size > imaging::kMaxThumbnailSize) {
    return Status::InvalidArgument("max_size must be between 1 and " + std::to_string(imaging::kMaxThumbnailSize));
  }
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  std::string kind = ThumbnailKind(max_size, encoded);
  EncodedImage out{"", std::string(MimeTypeOf(encoded)), "\"" + image.sha256.substr(0, 32) + "-" + kind + "\""};
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> cached, catalog_.GetDerivedBlob(id, kind));
  if (cached) {
    auto source = blobs_.Open(*cached, {});
    if (source.ok()) {
      VITRINE_ASSIGN_OR_RETURN(out.bytes, core::ReadAll(**source, kMaxCachedThumbnailBytes));
      // Cache blobs are content-addressed: a damaged one is noticed here, and remade.
      if (core::Sha256Hex(out.bytes) == *cached) return out;
      spdlog::warn("image {}: cached {} is damaged; making it again", id.value(), kind);
    } else {
      spdlog::warn("image {}: cached {} is gone ({}); making it again", id.value(), kind, source.status().ToString());
    }
  }
  if (!may_render) {
    out.bytes.clear();
    out.needs_render = true;
    return out;
  }
  VITRINE_ASSIGN_OR_RETURN(std::filesystem::path file, blobs_.LocalPath(image.sha256));
  VITRINE_ASSIGN_OR_RETURN(out.bytes, imaging::MakeThumbnail(file, max_size, encoded));
  // Stored after the answer goes out: caching must not slow down the request that fills it.
  cache_writes_.TrySubmit([this, id, kind, bytes = out.bytes] {
    core::StringSource source(bytes);
    auto ref = blobs_.Put(source, static_cast<std::int64_t>(bytes.size()));
    Status s = ref.ok() ? catalog_.PutDerivedBlob(id, kind, ref->sha256, clock_.Now()) : ref.status();
    // kNotFound: the image was deleted meanwhile; its orphaned cache blob goes at the next GC.
    if (!s.ok() && s.code() != ErrorCode::kNotFound) {
      spdlog::warn("image {}: {} not cached: {}", id.value(), kind, s.ToString());
    }
  });
  return out;
}

}  // namespace vitrine::service
