// Views of stored images: any region, at any output size, rotated by quarter turns, mirrored,
// in colour, grey or black-and-white, one plane or channel of a stack, through a contrast
// window. What regions, IIIF and Deep Zoom tiles are made of.
//
// The source is read at the coarsest resolution that still has enough pixels: a level of a
// pyramidal TIFF or an OpenSlide file, or JPEG shrink-on-load (1/2, 1/4, 1/8). Only the
// region's area of that level is decoded where the format allows it (tiled TIFF, OpenSlide).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "imaging/thumbnail.h"
#include "vitrine/status.h"

namespace vitrine::imaging {

// The encoded view. Every format but kTiff is 8-bit for display (a window, else the full range of
// the source type, scaled); kTiff keeps the source's values unless a window or a quality asks
// otherwise. kInvalidArgument for a region outside the image or an impossible size;
// kUnsupported when the file cannot be decoded.
Result<std::string> RenderView(const std::filesystem::path& file, const ViewRequest& view);

}  // namespace vitrine::imaging
