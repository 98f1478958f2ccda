// Deep Zoom (DZI), as OpenSeadragon reads it: the descriptor and the arithmetic of levels and
// tiles. Level 0 is 1 x 1 pixel, the last level is the full image, each level halves the one
// above (sizes rounded up); tiles are kTileSize square plus kOverlap pixels on every inner
// side. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "core/view_request.h"

namespace vitrine::http::deep_zoom {

inline constexpr int kTileSize = 254;
inline constexpr int kOverlap = 1;

int MaxLevel(std::int64_t width, std::int64_t height);  // ceil(log2(max side))

// The view that makes tile (col, row) of `level`; kNotFound outside the pyramid.
Result<ViewRequest> Tile(std::int64_t width, std::int64_t height, int level, std::int64_t col, std::int64_t row,
                         EncodedFormat format);

// <Image xmlns=... TileSize Overlap Format><Size Width Height/></Image>
std::string Descriptor(std::int64_t width, std::int64_t height, EncodedFormat format);

}  // namespace vitrine::http::deep_zoom
