#include "imaging/probe.h"

#include <cmath>
#include <cstring>

#include "imaging/exif.h"
#include "imaging/levels.h"
#include "imaging/vips_handles.h"

namespace vitrine::imaging {
namespace {

struct FormatName {
  const char* loader_prefix;
  const char* format;
  const char* mime;
};

constexpr FormatName kFormats[] = {
    {"jpegload", "jpeg", "image/jpeg"},
    {"pngload", "png", "image/png"},
    {"tiffload", "tiff", "image/tiff"},
    {"webpload", "webp", "image/webp"},
    {"jp2kload", "jp2k", "image/jp2"},
    {"heifload", "heif", "image/heif"},
    {"openslideload", "openslide", "application/octet-stream"},
    {"gifload", "gif", "image/gif"},
    {"jxlload", "jxl", "image/jxl"},
    {"fitsload", "fits", "image/fits"},
    {"vipsload", "vips", "application/octet-stream"},
    {"ppmload", "ppm", "image/x-portable-anymap"},
};

const FormatName* FormatOf(const char* loader) {
  for (const auto& f : kFormats) {
    if (std::strncmp(loader, f.loader_prefix, std::strlen(f.loader_prefix)) == 0) return &f;
  }
  return nullptr;
}

int BitDepth(VipsBandFormat format) {
  switch (format) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR:
      return 8;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
      return 16;
    case VIPS_FORMAT_UINT:
    case VIPS_FORMAT_INT:
    case VIPS_FORMAT_FLOAT:
      return 32;
    case VIPS_FORMAT_DOUBLE:
    case VIPS_FORMAT_COMPLEX:
      return 64;
    case VIPS_FORMAT_DPCOMPLEX:
      return 128;
    default:
      return 0;
  }
}

std::optional<std::string> StringField(VipsImage* image, const char* name) {
  if (vips_image_get_typeof(image, name) == 0) return std::nullopt;
  const char* value = nullptr;
  if (vips_image_get_string(image, name, &value) != 0 || !value) {
    vips_error_clear();
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<double> NumberField(VipsImage* image, const char* name) {
  auto text = StringField(image, name);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}

void ReadPhysicalSize(VipsImage* image, const char* loader, ImageInfo& info) {
  if (std::strncmp(loader, "openslideload", 13) == 0) {
    info.pixel_size_x_um = NumberField(image, "openslide.mpp-x");
    info.pixel_size_y_um = NumberField(image, "openslide.mpp-y");
    info.magnification = NumberField(image, "openslide.objective-power");
    return;
  }
  // libvips reports resolution in pixels per millimetre and invents one when a file has none;
  // only a TIFF that states its unit is trusted to mean a physical size.
  if (std::strncmp(loader, "tiffload", 8) == 0 && StringField(image, "resolution-unit")) {
    double xres = image->Xres, yres = image->Yres;
    if (xres > 1.0 && yres > 1.0 && std::abs(xres - 72.0 / 25.4) > 1e-3) {
      info.pixel_size_x_um = 1000.0 / xres;
      info.pixel_size_y_um = 1000.0 / yres;
    }
  }
  if (auto mag = NumberField(image, "aperio.AppMag")) info.magnification = mag;
}

// libvips cuts its text of a long EXIF string short (the 2020 Sticky Pi dicts lose their end),
// so the whole dict is read from the raw EXIF block, where the text begins the same way.
std::string LegacyMakeDict(VipsImage* image, const std::string& vips_text) {
  const void* data = nullptr;
  std::size_t size = 0;
  if (vips_image_get_typeof(image, VIPS_META_EXIF_NAME) == 0 ||
      vips_image_get_blob(image, VIPS_META_EXIF_NAME, &data, &size) != 0) {
    vips_error_clear();
    return vips_text;
  }
  std::string_view raw(static_cast<const char*>(data), size);
  std::string_view head = std::string_view(vips_text).substr(0, 32);
  auto start = raw.find(head);
  if (start == std::string_view::npos) return vips_text;
  auto end = raw.find('}', start);
  if (end == std::string_view::npos) return vips_text;
  return std::string(raw.substr(start, end - start + 1));
}

void ReadExif(VipsImage* image, ImageInfo& info) {
  for (const char* field : {"exif-ifd2-DateTimeOriginal", "exif-ifd0-DateTime"}) {
    if (auto text = StringField(image, field)) {
      if (auto t = ParseExifDateTime(ExifValue(*text))) {
        info.captured_at = t;
        break;
      }
    }
  }
  if (auto comment = StringField(image, "exif-ifd2-UserComment")) {
    for (auto& [k, v] : ParseStickyPiUserComment(ExifValue(*comment))) info.properties[k] = v;
  }
  if (auto make = StringField(image, "exif-ifd0-Make"); make && make->starts_with("{'")) {
    // The UserComment lines are the newer firmware's: they win where both speak.
    for (auto& [k, v] : ParseStickyPiLegacyMake(LegacyMakeDict(image, *make))) info.properties.emplace(k, v);
  }
}

}  // namespace

Result<ImageInfo> Probe(const std::filesystem::path& file) {
  const std::optional<std::string> nickname = LoaderNickname(file);
  if (!nickname) return Status::Unsupported("not an image format Vitrine can read");
  const char* loader = nickname->c_str();
  const FormatName* format = FormatOf(loader);
  VipsImagePtr image(vips_image_new_from_file(file.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!image) return VipsError("the image header cannot be read");
  ImageInfo info;
  info.format = format ? format->format : std::string(loader);
  info.mime_type = format ? format->mime : "application/octet-stream";
  info.width = vips_image_get_width(image.get());
  info.height = vips_image_get_height(image.get());
  info.channels = vips_image_get_bands(image.get());
  info.bit_depth = BitDepth(vips_image_get_format(image.get()));
  int pages = std::max(1, vips_image_get_n_pages(image.get()));
  const int levels = static_cast<int>(LevelWidths(file, *nickname, image.get()).size());
  // A TIFF is a pyramid only if every page is a level; otherwise its pages are planes.
  if (*nickname == "openslideload" || levels == pages) info.levels = levels;
  info.planes = info.levels > 1 ? 1 : pages;
  if (info.width <= 0 || info.height <= 0) return Status::Unsupported("the image has no pixels");
  ReadPhysicalSize(image.get(), loader, info);
  ReadExif(image.get(), info);
  return info;
}

}  // namespace vitrine::imaging
