// Small images of every format, made with libvips inside the test (no binary fixtures).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vitrine::testing {

struct SampleOptions {
  int width = 320;
  int height = 240;
  int bands = 3;
  bool sixteen_bit = false;
  std::string exif_datetime_original;  // "YYYY:MM:DD HH:MM:SS"
  std::string exif_user_comment;
  std::string tiff_options;  // e.g. "[bigtiff]", "[tile,pyramid]"
  double pixels_per_mm = 0;  // TIFF resolution, 0 for none
};

// Writes a textured (not flat) image to `path`, its format chosen by the extension
// (.jpg .png .tif .webp .jp2 .heic .avif). Throws std::runtime_error on failure.
void WriteSampleImage(const std::filesystem::path& path, const SampleOptions& options = {});

// Writes a white grey-level image with black discs of `radius` pixels centred on `centres`
// (x, y), for detectors that should find exactly those objects. The extension picks the format.
void WriteDiscImage(const std::filesystem::path& path, int width, int height,
                    const std::vector<std::pair<int, int>>& centres, int radius);

std::string ReadFileBytes(const std::filesystem::path& path);

// Width and height of an encoded image held in memory.
std::pair<int, int> DecodedSize(const std::string& bytes);

}  // namespace vitrine::testing
