#include "imaging/thumbnail.h"

#include "imaging/vips_handles.h"

namespace vitrine::imaging {

Result<EncodedFormat> EncodedFormatFromName(std::string_view name) {
  if (name == "jpg" || name == "jpeg") return EncodedFormat::kJpeg;
  if (name == "png") return EncodedFormat::kPng;
  if (name == "webp") return EncodedFormat::kWebp;
  return Status::InvalidArgument("format must be jpg, png or webp, not '" + std::string(name) + "'");
}

std::string_view MimeTypeOf(EncodedFormat format) {
  switch (format) {
    case EncodedFormat::kJpeg: return "image/jpeg";
    case EncodedFormat::kPng: return "image/png";
    case EncodedFormat::kWebp: return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view ExtensionOf(EncodedFormat format) {
  switch (format) {
    case EncodedFormat::kJpeg: return "jpg";
    case EncodedFormat::kPng: return "png";
    case EncodedFormat::kWebp: return "webp";
  }
  return "bin";
}

namespace {

// Thumbnails are for eyes: 8-bit sRGB (or grey), whatever the source's pixel type.
Result<VipsImagePtr> ToDisplayable(VipsImagePtr in) {
  VipsImage* out = nullptr;
  if (vips_image_get_format(in.get()) != VIPS_FORMAT_UCHAR) {
    VipsInterpretation target =
        vips_image_get_bands(in.get()) >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    if (vips_colourspace(in.get(), &out, target, nullptr) != 0) return VipsError("cannot convert the image for display");
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

}  // namespace

Result<std::string> MakeThumbnail(const std::filesystem::path& file, int max_size, EncodedFormat format) {
  if (max_size < 1 || max_size > kMaxThumbnailSize) {
    return Status::InvalidArgument("max_size must be between 1 and " + std::to_string(kMaxThumbnailSize));
  }
  VipsImage* raw = nullptr;
  if (vips_thumbnail(file.c_str(), &raw, max_size, "height", max_size, "size", VIPS_SIZE_DOWN, "fail_on",
                     VIPS_FAIL_ON_TRUNCATED, nullptr) != 0) {
    return VipsError("the image cannot be decoded");
  }
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr image, ToDisplayable(VipsImagePtr(raw)));
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
      rc = vips_jpegsave_buffer(image.get(), &buffer, &length, "Q", 85, "strip", TRUE, nullptr);
      break;
    case EncodedFormat::kPng:
      rc = vips_pngsave_buffer(image.get(), &buffer, &length, "strip", TRUE, "compression", 6, nullptr);
      break;
    case EncodedFormat::kWebp:
      rc = vips_webpsave_buffer(image.get(), &buffer, &length, "Q", 80, "strip", TRUE, nullptr);
      break;
  }
  // A pixel fault in a sequential decode surfaces only here, when the pixels are pulled.
  if (rc != 0) return VipsError("the image cannot be decoded");
  std::unique_ptr<void, GFree> owner(buffer);
  return std::string(static_cast<const char*>(buffer), length);
}

}  // namespace vitrine::imaging
