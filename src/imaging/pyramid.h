// Pyramids for large images that have none: a tiled, pyramidal TIFF made with libvips, which
// views then read level by level instead of decoding the whole original for every tile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "vitrine/status.h"

namespace vitrine::imaging {

// Images with a side above this get a pyramid, unless they have levels of their own.
inline constexpr std::int64_t kPyramidThreshold = 4096;
// The tiles of the pyramids built here, which Deep Zoom and IIIF then announce.
inline constexpr int kPyramidTileSide = 256;

// Writes `destination`: kPyramidTileSide tiles, each level half the one before. Lossless (deflate) unless
// the original is itself a JPEG (then JPEG at quality 90, as lossy as the source already was).
// Streams the source: memory stays bounded for any size. `progress` hears the percentage done
// as it changes. A build cannot be stopped part way: libvips 8.14 crashes in TIFFClose when a
// tiffsave is killed.
using PyramidProgress = std::function<void(int percent)>;
Status BuildPyramid(const std::filesystem::path& source, const std::filesystem::path& destination,
                    const PyramidProgress& progress = nullptr);

}  // namespace vitrine::imaging
