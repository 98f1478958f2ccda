// What a view of an image is: a region, an output size and format, a rotation, a quality and a
// contrast window. Plain values, shared by the viewers' protocols (IIIF, Deep Zoom, regions), the
// service that checks and caches views and the imaging code that renders them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine {

// kTiff is for views only: the pixel values themselves (any bit depth, every band), deflated.
enum class EncodedFormat { kJpeg, kPng, kWebp, kTiff };

// "jpg"/"jpeg", "png", "webp" (never kTiff); kInvalidArgument otherwise.
Result<EncodedFormat> EncodedFormatFromName(std::string_view name);
std::string_view MimeTypeOf(EncodedFormat format);
std::string_view ExtensionOf(EncodedFormat format);

struct PixelRect {
  std::int64_t x = 0, y = 0, width = 0, height = 0;
  bool operator==(const PixelRect&) const = default;
};

enum class ViewQuality { kColor, kGray, kBitonal };

// Source values `low` and below show black, `high` and above white, linearly between: how a
// 12- or 16-bit microscope image is made visible.
struct ContrastWindow {
  double low = 0, high = 255;
  bool operator==(const ContrastWindow&) const = default;
};

struct ViewRequest {
  PixelRect region;  // in full-resolution pixels; must lie inside the image
  int width = 0;     // of the output, before rotation
  int height = 0;
  int rotation = 0;     // clockwise degrees: 0, 90, 180 or 270
  bool mirror = false;  // flipped left to right, before rotating
  ViewQuality quality = ViewQuality::kColor;
  EncodedFormat format = EncodedFormat::kJpeg;
  int compression_quality = 85;  // JPEG and WebP
  int plane = 0;                 // page of a multi-page (not pyramidal) image
  int channel = -1;              // one band only, shown grey; -1: every band
  std::optional<ContrastWindow> window;
};

inline constexpr int kMaxViewSide = 10'000;
// The most memory one view's pixels may take (width x height x bands x bytes per value): a
// 16-bit four-band TIFF at the largest side would be 763 MiB. Every 8-bit view up to the
// largest side (RGBA: 381 MiB) stays allowed, as IIIF's info.json promises.
inline constexpr std::int64_t kMaxViewBytes = std::int64_t{512} << 20;

}  // namespace vitrine
