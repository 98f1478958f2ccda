// The Manjunath–Ma Gabor filter bank behind HTD: 4 scales x 6 orientations between the
// frequencies 0.05 and 0.5 cycles per pixel, each an 81x81 complex kernel applied by circular
// convolution through FFTW (single precision). docs/features.md has the formulas.
//
// Thread-safe. FFTW's planner is not, so plans are made under a lock, once per tile size (an
// image is transformed in tiles of at most 512x512, see gabor_bank.cc), and executed
// concurrently on separate arrays. The kernels' spectra are kept per tile size, within a budget.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace vitrine::features {

inline constexpr int kGaborScales = 4;
inline constexpr int kGaborOrientations = 6;
inline constexpr int kGaborFilters = kGaborScales * kGaborOrientations;
inline constexpr int kGaborKernelSide = 81;
inline constexpr double kGaborLowFrequency = 0.05;  // Ul, cycles per pixel
inline constexpr double kGaborHighFrequency = 0.5;  // Uh

// The kernel of scale s (0 finest) and orientation n (angle n*pi/6 from the x axis, x to the
// right), centred: element [(y + 40) * 81 + (x + 40)] is g(x, y), real and imaginary parts.
std::vector<std::array<double, 2>> GaborKernel(int scale, int orientation);

// Mean and population standard deviation of |g * image| (circular convolution) over the pixels
// of each group: `group_of_pixel` names each pixel's group (0 .. groups-1), or is empty for one
// group of every pixel. Result: [group][filter] means, then [group][filter] deviations, filter
// = scale * 6 + orientation.
struct GaborStatistics {
  std::vector<std::array<double, kGaborFilters>> means, deviations;
};
GaborStatistics ApplyGaborBank(const std::uint8_t* grey, int width, int height,
                               const std::vector<std::int32_t>& group_of_pixel, int groups);

}  // namespace vitrine::features
