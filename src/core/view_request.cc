#include "core/view_request.h"

#include <string>

namespace vitrine {

Result<EncodedFormat> EncodedFormatFromName(std::string_view name) {
  if (name == "jpg" || name == "jpeg") return EncodedFormat::kJpeg;
  if (name == "png") return EncodedFormat::kPng;
  if (name == "webp") return EncodedFormat::kWebp;
  return Status::InvalidArgument("format must be jpg, png or webp, not '" + std::string(name) + "'");
}

std::string_view MimeTypeOf(EncodedFormat format) {
  switch (format) {
    case EncodedFormat::kJpeg:
      return "image/jpeg";
    case EncodedFormat::kPng:
      return "image/png";
    case EncodedFormat::kWebp:
      return "image/webp";
    case EncodedFormat::kTiff:
      return "image/tiff";
  }
  return "application/octet-stream";
}

std::string_view ExtensionOf(EncodedFormat format) {
  switch (format) {
    case EncodedFormat::kJpeg:
      return "jpg";
    case EncodedFormat::kPng:
      return "png";
    case EncodedFormat::kWebp:
      return "webp";
    case EncodedFormat::kTiff:
      return "tif";
  }
  return "bin";
}

}  // namespace vitrine
