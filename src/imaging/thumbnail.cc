#include "imaging/thumbnail.h"

#include "imaging/encode.h"

namespace vitrine::imaging {

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
  return Encode(std::move(image), format, format == EncodedFormat::kWebp ? 80 : 85);
}

}  // namespace vitrine::imaging
