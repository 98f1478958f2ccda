#include "imaging/levels.h"

#include <cstdlib>
#include <memory>

#include "core/parse_integer.h"

namespace vitrine::imaging {
namespace {

// An integer field, whether libvips holds it as a number ("n-pages") or as text (OpenSlide's
// properties, such as "openslide.level-count").
int IntField(VipsImage* image, const char* name, int fallback) {
  if (vips_image_get_typeof(image, name) == 0) return fallback;
  char* text = nullptr;
  if (vips_image_get_as_string(image, name, &text) != 0) return fallback;
  std::unique_ptr<char, GFree> owner(text);
  return core::ParseInteger<int>(text).value_or(fallback);
}

}  // namespace

std::optional<std::string> LoaderNickname(const std::filesystem::path& file) {
  const char* type_name = vips_foreign_find_load(file.c_str());
  if (!type_name) {
    vips_error_clear();
    return std::nullopt;
  }
  // libvips answers with a GType name ("VipsForeignLoadJpegFile"); its nickname is "jpegload".
  const char* nickname = vips_nickname_find(g_type_from_name(type_name));
  return std::string(nickname ? nickname : type_name);
}

std::vector<int> LevelWidths(const std::filesystem::path& file, const std::string& loader, VipsImage* full) {
  std::vector<int> widths{vips_image_get_width(full)};
  if (loader == "openslideload") {
    const int levels = IntField(full, "openslide.level-count", 1);
    for (int level = 1; level < levels; ++level) {
      const std::string key = "openslide.level[" + std::to_string(level) + "].width";
      const int width = IntField(full, key.c_str(), 0);
      if (width <= 0) break;
      widths.push_back(width);
    }
  } else if (loader == "tiffload") {
    const int pages = IntField(full, "n-pages", 1);
    for (int page = 1; page < pages; ++page) {
      VipsImage* raw = nullptr;
      if (vips_call(loader.c_str(), file.c_str(), &raw, "page", page, nullptr) != 0 || !raw) {
        vips_error_clear();
        break;
      }
      VipsImagePtr level(raw);
      const int width = vips_image_get_width(level.get());
      if (std::abs(width * 2 - widths.back()) > 2) break;
      widths.push_back(width);
    }
  }
  return widths;
}

}  // namespace vitrine::imaging
