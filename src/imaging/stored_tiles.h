// Tiles as a tiled TIFF stores them. When a view is exactly one tile of one of the file's
// resolution levels (what Deep Zoom and IIIF viewers ask for once the announced tile geometry is
// the file's own), it is read straight from the file instead of through the general renderer:
// - a whole JPEG tile, asked at the default quality, goes out as it is stored, the TIFF's shared
//   JPEG tables merged in: a complete JFIF stream, no decode, no encode;
// - a JPEG tile cut at the image's edge, stored with RGB components, or asked at another quality,
//   is decoded and encoded alone with libjpeg-turbo;
// - a tile stored otherwise (deflate, LZW, uncompressed: the pyramids Vitrine builds of lossless
//   sources), 8-bit RGB or grey, is decoded by libtiff and encoded alone with libjpeg-turbo.
// Anything else (other compressions, rotations, windows, planes...) is left to RenderView.
//
// A level is a tiled page whose size is the full image's halved k times, rounded up, as Deep
// Zoom and IIIF count levels. Stored files are named by their content and never change, so what
// is found of a file's layout is kept (bounded) and a tile costs one pread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/view_request.h"
#include "vitrine/status.h"

namespace vitrine::imaging {

// The side of the square tiles of a tiled TIFF's first page; nullopt for any other file;
// kUnavailable when the file cannot be opened now.
Result<std::optional<int>> StoredTileSide(const std::filesystem::path& file);

// The tile the view is, exactly as stored (tables merged), when it can go out so: a whole JPEG
// tile, YCbCr or grey, asked as JPEG at the default quality with no other option. nullopt when
// it cannot (the view is another one). Without `read_layout`, nullopt too for a file whose layout
// is not known yet (reading it takes milliseconds for a large slide: not on a network thread).
Result<std::optional<std::string>> PassThroughTile(const std::filesystem::path& file, const ViewRequest& view,
                                                   bool read_layout = true);

// The tile the view is, decoded and encoded on its own: any view that is one tile (or its part at
// the image's edge) of a stored 8-bit level, as JPEG with no rotation, window, plane or channel.
// nullopt when the view is not one.
Result<std::optional<std::string>> TranscodeTile(const std::filesystem::path& file, const ViewRequest& view);

}  // namespace vitrine::imaging
