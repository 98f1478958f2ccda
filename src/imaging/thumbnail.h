// Thumbnails: the whole image scaled so its longest side is at most max_size, aspect kept,
// decoded with shrink-on-load (JPEG DCT scaling, pyramid levels, OpenSlide levels), so a
// 100-megapixel image is never decoded in full.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/view_request.h"
#include "vitrine/status.h"

namespace vitrine::imaging {

inline constexpr int kMaxThumbnailSize = 4096;

// The encoded thumbnail. Truncated or corrupt pixel data is an error (kUnsupported), so this
// doubles as a check that a file decodes.
Result<std::string> MakeThumbnail(const std::filesystem::path& file, int max_size, EncodedFormat format);

}  // namespace vitrine::imaging
