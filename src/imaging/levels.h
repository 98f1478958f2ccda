// Resolution levels as a file stores them: OpenSlide's levels, or the pages of a TIFF that each
// halve the one before. The probe counts them at ingest; views pick one to read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/vips_handles.h"

namespace vitrine::imaging {

// libvips' name for the loader of `file` ("jpegload", "tiffload", "openslideload", ...), or
// nullopt when nothing reads it.
std::optional<std::string> LoaderNickname(const std::filesystem::path& file);

// The width of each level, full resolution first: {width} for a flat image. A TIFF's pages are
// levels while each is about half the width of the one before; from the first that is not, the
// pages are planes. `full` is the file opened by `loader` at full resolution.
std::vector<int> LevelWidths(const std::filesystem::path& file, const std::string& loader, VipsImage* full);

}  // namespace vitrine::imaging
