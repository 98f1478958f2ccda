// Helpers shared by the files that implement ImageService (image_*.cc), one job each:
// image_service.cc (access, metadata, listings), image_ingest.cc, image_thumbnails.cc,
// image_pyramids.cc, image_views.cc and image_gc.cc. Not for use outside them.
#pragma once

#include <string>

#include "imaging/thumbnail.h"
#include "vitrine/ids.h"
#include "vitrine/status.h"

namespace vitrine::service::internal_images {

// The derived-blob kind under which a thumbnail of this size and format is cached.
std::string ThumbnailKind(int max_size, EncodedFormat format);

Status ImageNotFound(ImageId id);

}  // namespace vitrine::service::internal_images
