// Deep Zoom (DZI), as OpenSeadragon reads it: the descriptor and the arithmetic of levels and
// tiles. Level 0 is 1 x 1 pixel, the last level is the full image, each level halves the one
// above (sizes rounded up); tiles are `tile_size` square plus `overlap` pixels on every inner
// side. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "core/view_request.h"

namespace vitrine::http::deep_zoom {

struct Geometry {
  int tile_size = 256;
  int overlap = 0;
};
// The classic form (deepzoom.py's, and this server's before tiles followed the stored ones):
// 254 px plus 1 px of overlap, 256 px in all inside the image.
inline constexpr Geometry kClassicGeometry{254, 1};

int MaxLevel(std::int64_t width, std::int64_t height);  // ceil(log2(max side))

// The view that makes tile (col, row) of `level`; kNotFound outside the pyramid.
Result<ViewRequest> Tile(std::int64_t width, std::int64_t height, int level, std::int64_t col, std::int64_t row,
                         EncodedFormat format, Geometry geometry);

// <Image xmlns=... TileSize Overlap Format><Size Width Height/></Image>
std::string Descriptor(std::int64_t width, std::int64_t height, EncodedFormat format, Geometry geometry);

}  // namespace vitrine::http::deep_zoom
