// The last steps of every picture Vitrine sends: made displayable (8-bit sRGB or grey, at most
// an alpha band besides) and encoded. Shared by thumbnails, regions, IIIF and Deep Zoom tiles.
#pragma once

#include <string>

#include "imaging/thumbnail.h"
#include "imaging/vips_handles.h"

namespace vitrine::imaging {

Result<VipsImagePtr> ToDisplayable(VipsImagePtr in);

// `quality` is the JPEG/WebP quality (1-100). Pixel faults of a lazily decoded source surface
// here, when the pixels are pulled: kUnsupported.
Result<std::string> Encode(VipsImagePtr image, EncodedFormat format, int quality);

}  // namespace vitrine::imaging
