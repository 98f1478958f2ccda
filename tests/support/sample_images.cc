#include "sample_images.h"

#include <vips/vips.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vitrine::testing {
namespace {

struct Unref {
  void operator()(VipsImage* p) const {
    if (p) g_object_unref(p);
  }
};
using Img = std::unique_ptr<VipsImage, Unref>;

Img Check(int rc, VipsImage* out, const char* what) {
  if (rc != 0 || !out) {
    std::string detail = vips_error_buffer();
    vips_error_clear();
    throw std::runtime_error(std::string(what) + ": " + detail);
  }
  return Img(out);
}

}  // namespace

void WriteSampleImage(const std::filesystem::path& path, const SampleOptions& o) {
  VipsImage* out = nullptr;
  int rc = vips_perlin(&out, o.width, o.height, "cell_size", 32, nullptr);

  Img noise = Check(rc, out, "perlin");
  rc = vips_linear1(noise.get(), &out, o.sixteen_bit ? 20000.0 : 100.0, o.sixteen_bit ? 32768.0 : 128.0, "uchar",
                    !o.sixteen_bit, nullptr);

  Img scaled = Check(rc, out, "linear");
  if (o.sixteen_bit) scaled = Check(vips_cast_ushort(scaled.get(), &out, nullptr), out, "cast");
  Img image = std::move(scaled);
  if (o.bands > 1) {
    VipsImage* bands[4] = {image.get(), image.get(), image.get(), image.get()};
    rc = vips_bandjoin(bands, &out, o.bands, nullptr);

    image = Check(rc, out, "bandjoin");
    VipsInterpretation interp = o.sixteen_bit ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    if (o.bands < 3) interp = o.sixteen_bit ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W;
    rc = vips_copy(image.get(), &out, "interpretation", interp, nullptr);

    image = Check(rc, out, "interpretation");
  } else if (o.sixteen_bit) {
    rc = vips_copy(image.get(), &out, "interpretation", VIPS_INTERPRETATION_GREY16, nullptr);

    image = Check(rc, out, "interp");
  }
  if (o.pixels_per_mm > 0) {
    rc = vips_copy(image.get(), &out, "xres", o.pixels_per_mm, "yres", o.pixels_per_mm, nullptr);

    image = Check(rc, out, "res");
  }
  // Fields written on a private copy: libvips rebuilds the EXIF block from them on save.
  rc = vips_copy(image.get(), &out, nullptr);

  image = Check(rc, out, "copy");
  if (!o.exif_datetime_original.empty()) {
    vips_image_set_string(image.get(), "exif-ifd2-DateTimeOriginal", o.exif_datetime_original.c_str());
  }
  if (!o.exif_user_comment.empty()) {
    vips_image_set_string(image.get(), "exif-ifd2-UserComment", o.exif_user_comment.c_str());
  }
  std::string target = path.string() + o.tiff_options;
  if (vips_image_write_to_file(image.get(), target.c_str(), nullptr) != 0) {
    std::string detail = vips_error_buffer();
    vips_error_clear();
    throw std::runtime_error("cannot write " + target + ": " + detail);
  }
}

void WriteDiscImage(const std::filesystem::path& path, int width, int height,
                    const std::vector<std::pair<int, int>>& centres, int radius) {
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height, 255);
  for (const auto& [cx, cy] : centres) {
    for (int y = std::max(0, cy - radius); y <= std::min(height - 1, cy + radius); ++y) {
      for (int x = std::max(0, cx - radius); x <= std::min(width - 1, cx + radius); ++x) {
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius) {
          pixels[static_cast<std::size_t>(y) * width + x] = 0;
        }
      }
    }
  }
  Img image =
      Check(0, vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width, height, 1, VIPS_FORMAT_UCHAR),
            "wrap pixels");
  if (vips_image_write_to_file(image.get(), path.c_str(), nullptr) != 0) {
    std::string detail = vips_error_buffer();
    vips_error_clear();
    throw std::runtime_error("write " + path.string() + ": " + detail);
  }
}

std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::pair<int, int> DecodedSize(const std::string& bytes) {
  Img image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  if (!image) {
    vips_error_clear();
    return {0, 0};
  }
  return {vips_image_get_width(image.get()), vips_image_get_height(image.get())};
}

}  // namespace vitrine::testing
