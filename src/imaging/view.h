// Views of stored images: any region, at any output size, rotated by quarter turns, mirrored,
// in colour, grey or black-and-white, one plane or channel of a stack, through a contrast
// window. What regions, IIIF and Deep Zoom tiles are made of.
//
// The source is read at the coarsest resolution that still has enough pixels: a level of a
// pyramidal TIFF or an OpenSlide file, or JPEG shrink-on-load (1/2, 1/4, 1/8). Only the
// region's area of that level is decoded where the format allows it (tiled TIFF, OpenSlide).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "imaging/thumbnail.h"
#include "vitrine/status.h"

namespace vitrine::imaging {

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

// The encoded view. Every format but kTiff is 8-bit for display (a window, else the full range of
// the source type, scaled); kTiff keeps the source's values unless a window or a quality asks
// otherwise. kInvalidArgument for a region outside the image or an impossible size;
// kUnsupported when the file cannot be decoded.
Result<std::string> RenderView(const std::filesystem::path& file, const ViewRequest& view);

}  // namespace vitrine::imaging
