#include "imaging/encode.h"

namespace vitrine::imaging {

// Thumbnails are for eyes: 8-bit sRGB (or grey), whatever the source's pixel type.
Result<VipsImagePtr> ToDisplayable(VipsImagePtr in) {
  VipsImage* out = nullptr;
  if (vips_image_get_format(in.get()) != VIPS_FORMAT_UCHAR) {
    VipsInterpretation target =
        vips_image_get_bands(in.get()) >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    if (vips_colourspace(in.get(), &out, target, nullptr) != 0)
      return VipsError("cannot convert the image for display");
    in.reset(out);
    if (vips_image_get_format(in.get()) != VIPS_FORMAT_UCHAR) {
      if (vips_cast_uchar(in.get(), &out, nullptr) != 0) return VipsError("cannot convert the image to 8 bits");
      in.reset(out);
    }
  }
  int bands = vips_image_get_bands(in.get());
  if (bands == 2 || bands > 4) {  // grey+alpha is fine for PNG/WebP but not JPEG; keep it simple
    if (vips_extract_band(in.get(), &out, 0, "n", bands > 4 ? 3 : 1, nullptr) != 0) {
      return VipsError("cannot pick display bands");
    }
    in.reset(out);
  }
  return in;
}

Result<std::string> Encode(VipsImagePtr image, EncodedFormat format, int quality) {
  void* buffer = nullptr;
  size_t length = 0;
  int rc = 0;
  switch (format) {
    case EncodedFormat::kJpeg:
      if (vips_image_hasalpha(image.get())) {
        VipsImage* flat = nullptr;
        if (vips_flatten(image.get(), &flat, nullptr) != 0) return VipsError("cannot flatten alpha");
        image.reset(flat);
      }
      rc = vips_jpegsave_buffer(image.get(), &buffer, &length, "Q", quality, "strip", TRUE, nullptr);
      break;
    case EncodedFormat::kPng:
      rc = vips_pngsave_buffer(image.get(), &buffer, &length, "strip", TRUE, "compression", 6, nullptr);
      break;
    case EncodedFormat::kWebp:
      rc = vips_webpsave_buffer(image.get(), &buffer, &length, "Q", quality, "strip", TRUE, nullptr);
      break;
    case EncodedFormat::kTiff:
      rc = vips_tiffsave_buffer(image.get(), &buffer, &length, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
                                "strip", TRUE, nullptr);
      break;
  }
  if (rc != 0) return VipsError("the image cannot be decoded");
  std::unique_ptr<void, GFree> owner(buffer);
  return std::string(static_cast<const char*>(buffer), length);
}

}  // namespace vitrine::imaging
