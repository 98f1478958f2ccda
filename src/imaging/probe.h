// What an image file is: format, geometry, pixel type, pyramid, physical size, capture
// metadata. Reads headers only (and a few pages' headers for pyramids), never pixels.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::imaging {

struct ImageInfo {
  std::string format;  // "jpeg", "png", "tiff", "webp", "jp2k", "heif", "openslide", ...
  std::string mime_type;
  std::int64_t width = 0;
  std::int64_t height = 0;
  int channels = 0;
  int bit_depth = 0;
  int planes = 1;  // pages that are not pyramid levels
  int levels = 1;  // pyramid levels, 1 for a flat image
  std::optional<double> pixel_size_x_um;
  std::optional<double> pixel_size_y_um;
  std::optional<double> magnification;
  std::optional<Timestamp> captured_at;           // EXIF DateTimeOriginal, read as UTC
  std::map<std::string, std::string> properties;  // e.g. Sticky Pi sensor values from EXIF
};

// kUnsupported when libvips has no (trusted) loader for the file or cannot read its header.
Result<ImageInfo> Probe(const std::filesystem::path& file);

}  // namespace vitrine::imaging
