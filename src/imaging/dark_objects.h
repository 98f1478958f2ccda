// vitrine/dark-objects: dark objects on a light background (insects on a sticky trap, cells in
// brightfield), found by thresholding a blurred luminance image and outlining each 8-connected
// component. docs/analytics-dark-objects.md describes the algorithm step by step.
//
// Thread-safe: calls share nothing but libvips (started by InitializeImaging first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "vitrine/status.h"

namespace vitrine::imaging {

struct DarkObjectOptions {
  // Standard deviation of the Gaussian blur applied to the grey image before thresholding, in
  // pixels; 0 thresholds the unblurred grey. At most 50.
  double blur_sigma = 2.0;
  // Grey level 0–255: a pixel is dark when its blurred grey is at or below it. nullopt: Otsu's
  // threshold of the blurred grey's histogram (the level that best splits it in two classes).
  std::optional<int> threshold;
  // Components with fewer pixels are dropped (specks, noise). At least 1.
  std::int64_t min_area_px = 50;
  // Components with more pixels are dropped (a shadow, a dark margin); nullopt: no maximum.
  std::optional<std::int64_t> max_area_px;
  // Douglas–Peucker tolerance of the outlines, in pixels; 0 keeps every corner of the pixel edges.
  double simplify_tolerance_px = 1.0;
  // More objects than this (after the area filters) is an error (kInvalidArgument) rather than a
  // huge answer: usually a threshold that caught the background texture.
  std::size_t max_objects = 100000;
};

struct OutlinePoint {
  double x = 0;
  double y = 0;
  bool operator==(const OutlinePoint&) const = default;
};

// Pixel units of the full image: origin at the top-left corner, y down, and pixel (x, y) covers
// [x, x+1] × [y, y+1], so a 10×10 block of pixels has an outline enclosing 100 px².
struct DarkObject {
  // The outer boundary (holes ignored) along pixel edges, simplified: a closed ring (first point
  // == last point) of at least 4 distinct points that never touches or crosses itself, clockwise
  // as seen on screen (positive shoelace area in these y-down coordinates). Where two pixels of
  // the object touch only at a corner, the ring passes near that corner twice, cutting it 0.25 px
  // along each edge.
  std::vector<OutlinePoint> outline;
  std::int64_t area_px = 0;   // pixels in the component (holes not counted)
  double mean_intensity = 0;  // mean unblurred grey of those pixels, 0–255
  int x = 0, y = 0;           // bounding box of the component's pixels
  int width = 0, height = 0;
};

struct DarkObjectResult {
  std::vector<DarkObject> objects;  // in raster order of each object's topmost-leftmost pixel
  int threshold_used = 0;           // the fixed threshold, or Otsu's
  int width = 0, height = 0;        // of the image, in pixels
};

// Larger images are refused (kTooLarge): the work holds up to five bytes per pixel in memory
// (decoded RGB, grey, blurred grey).
inline constexpr std::int64_t kMaxDarkObjectPixels = std::int64_t{1} << 28;

// The file is decoded in full (any format libvips reads; alpha dropped, 16-bit scaled to 8).
// Errors: kNotFound for a missing file, kInvalidArgument for a file that is not a readable
// image, options out of range or too many objects, kTooLarge past kMaxDarkObjectPixels.
Result<DarkObjectResult> FindDarkObjects(const std::filesystem::path& file, const DarkObjectOptions& options);

// The same on an encoded image held in memory (JPEG, PNG, TIFF, ...).
Result<DarkObjectResult> FindDarkObjectsInBuffer(std::string_view encoded, const DarkObjectOptions& options);

}  // namespace vitrine::imaging
