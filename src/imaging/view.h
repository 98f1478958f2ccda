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
#include <vector>

#include "imaging/thumbnail.h"
#include "vitrine/status.h"

namespace vitrine::imaging {

// The encoded view. Every format but kTiff is 8-bit for display (a window, else the full range of
// the source type, scaled); kTiff keeps the source's values unless a window or a quality asks
// otherwise. kInvalidArgument for a region outside the image or an impossible size;
// kUnsupported when the file cannot be decoded.
Result<std::string> RenderView(const std::filesystem::path& file, const ViewRequest& view);

// Decoded 8-bit pixels, row by row, the bands of a pixel together (grey: 1; colour: 3, RGB).
struct DecodedPixels {
  int width = 0;
  int height = 0;
  int bands = 0;
  std::vector<std::uint8_t> values;  // width * height * bands
};

// The same view decoded instead of encoded, for analyses: 8-bit for display as RenderView makes
// it (a window, else the source type's full range scaled), alpha dropped, then one band when the
// quality is grey or bitonal, three (RGB) otherwise. `view.format` is ignored.
Result<DecodedPixels> DecodeView(const std::filesystem::path& file, const ViewRequest& view);

// A label image (a mask: one whole number per pixel, first band) read at full resolution, cut to
// `region` and scaled to `width` x `height` by nearest neighbour, so no label is invented.
// kUnsupported for fractional pixel types.
struct DecodedLabels {
  int width = 0;
  int height = 0;
  std::vector<std::int32_t> labels;
};
Result<DecodedLabels> DecodeLabels(const std::filesystem::path& file, const PixelRect& region, int width, int height);

}  // namespace vitrine::imaging
