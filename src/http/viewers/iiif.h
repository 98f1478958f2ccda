// IIIF Image API 3.0, compliance level 2: the parameters of an image request turned into a
// view of the image, every form the specification defines, and the info.json document.
// Pure: no I/O. https://iiif.io/api/image/3.0/
//
// Errors: kInvalidArgument (answer 400) for a malformed or impossible request, naming the
// parameter; kUnsupported (answer 501) for what the specification allows a level-2 server to
// leave out (rotation by other than quarter turns, tif/gif/jp2/pdf).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/view_request.h"
#include "wire/json.h"

namespace vitrine::http::iiif {

inline constexpr int kMaxWidth = kMaxViewSide;
inline constexpr int kMaxHeight = kMaxViewSide;

Result<PixelRect> ParseRegion(std::string_view region, std::int64_t image_width, std::int64_t image_height);
// The output size for a region of `region_width` x `region_height`.
Result<std::pair<int, int>> ParseSize(std::string_view size, std::int64_t region_width, std::int64_t region_height);
// → rotation in degrees (0, 90, 180, 270) and whether mirrored.
Result<std::pair<int, bool>> ParseRotation(std::string_view rotation);
// "default.jpg" → quality and format.
Result<std::pair<ViewQuality, EncodedFormat>> ParseQualityFormat(std::string_view quality_format);

// All four, in the order the specification applies them.
Result<ViewRequest> ParseImageRequest(std::string_view region, std::string_view size, std::string_view rotation,
                                      std::string_view quality_format, std::int64_t image_width,
                                      std::int64_t image_height);

// info.json for an image served at `id` (the base URI, without "/info.json"), announcing square
// tiles of `tile_side` at every halving down to one tile.
wire::Json InfoJson(const std::string& id, std::int64_t image_width, std::int64_t image_height, int tile_side);

}  // namespace vitrine::http::iiif
