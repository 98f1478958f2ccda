// The pure pixel steps behind FindDarkObjects (dark_objects.h), apart from libvips so they can
// be tested on hand-made buffers: the Gaussian blur, Otsu's threshold, the outer boundary of a
// component along pixel edges, Douglas–Peucker simplification of a ring and a check that a ring
// is simple.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "imaging/dark_objects.h"

namespace vitrine::imaging::internal_dark_objects {

// A grey image (row-major, one byte per pixel) read as a mask: dark where grey <= threshold.
// Pixels outside the image are light.
struct DarkMask {
  const std::uint8_t* grey = nullptr;
  int width = 0;
  int height = 0;
  int threshold = 0;

  bool Dark(int x, int y) const {
    return x >= 0 && y >= 0 && x < width && y < height &&
           grey[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)] <=
               threshold;
  }
};

// Separable Gaussian blur of a one-byte grey image into `out` (same size, not `in`). The kernel
// reaches about 3 sigma either side and borders mirror without repeating the edge pixel, as
// OpenCV's GaussianBlur; weights are in 1/256ths so each pass runs on 16-bit lanes. libvips'
// gaussblur took longer than decoding the JPEG (benchmark in docs/analytics-dark-objects.md).
void GaussianBlur(const std::uint8_t* in, std::uint8_t* out, int width, int height, double sigma);

using Histogram = std::array<std::uint64_t, 256>;

// The grey level t that maximises the between-class variance of {<= t} and {> t}, computed as
// OpenCV's THRESH_OTSU does (the first maximum wins; 0 for an image of one level).
int OtsuThreshold(const Histogram& histogram);

// The outer boundary of the 8-connected dark component whose topmost-leftmost pixel is
// (start_x, start_y), along pixel edges, one point per corner where it turns: a closed ring
// (first == last), clockwise on screen. Where two dark pixels meet only at a corner the
// boundary passes that corner twice; each pass cuts the corner kPinchOffsetPx along both edges,
// through the light pixel it turns around, so the ring never touches itself (each cut changes
// the enclosed area by 1/32 px²).
inline constexpr double kPinchOffsetPx = 0.25;
std::vector<OutlinePoint> TraceOuterBoundary(const DarkMask& mask, int start_x, int start_y);

// Douglas–Peucker on a closed ring (first == last): the points kept are within tolerance of the
// ones dropped. The result is closed; it may be degenerate or self-intersecting, which
// IsSimpleRing tells.
std::vector<OutlinePoint> SimplifyRing(const std::vector<OutlinePoint>& ring, double tolerance);

// True when `ring` is closed, has at least 4 distinct points, and no two of its edges meet
// except consecutive edges at their shared point (no crossing, touching or folding back).
bool IsSimpleRing(const std::vector<OutlinePoint>& ring);

// Twice the signed area (shoelace) of a closed ring; positive for clockwise-on-screen rings.
double TwiceSignedArea(const std::vector<OutlinePoint>& ring);

}  // namespace vitrine::imaging::internal_dark_objects
