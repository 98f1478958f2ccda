// LBP: rotation-invariant local binary patterns of 5 neighbours at radius 5, counted over the
// image: BisQue's parameters (mahotas' lbp(image, radius=5, points=5)) with scikit-image's exact
// sampling and comparison (local_binary_pattern(image, 5, 5, 'ror')), since mahotas samples at
// whole pixels differently from one version to the next.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

constexpr int kPoints = 5;
constexpr double kRadius = 5;

// The smallest of a code's rotations: its rotation-invariant class.
int MinimalRotation(int code) {
  int best = code;
  for (int r = 1; r < kPoints; ++r) {
    code = ((code >> 1) | ((code & 1) << (kPoints - 1))) & ((1 << kPoints) - 1);
    best = std::min(best, code);
  }
  return best;
}

// The codes that are their own minimal rotation, ascending: 0, 1, 3, 5, 7, 11, 15, 31.
std::vector<int> Classes() {
  std::vector<int> classes;
  for (int code = 0; code < (1 << kPoints); ++code) {
    if (MinimalRotation(code) == code) classes.push_back(code);
  }
  return classes;
}

// Bilinear sample; outside the image reads as 0.
double Sample(const imaging::DecodedPixels& p, double y, double x) {
  const int y0 = static_cast<int>(std::floor(y)), x0 = static_cast<int>(std::floor(x));
  const double fy = y - y0, fx = x - x0;
  auto at = [&](int yy, int xx) -> double {
    if (yy < 0 || xx < 0 || yy >= p.height || xx >= p.width) return 0;
    return p.values[static_cast<std::size_t>(yy) * p.width + xx];
  };
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
         fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
}

class LocalBinaryPatterns final : public Descriptor {
 public:
  LocalBinaryPatterns()
      : Descriptor({.name = "LBP",
                    .length = 8,
                    .description = "Rotation-invariant local binary patterns (5 neighbours at radius 5): pixel counts "
                                   "of the 8 pattern classes 0, 1, 3, 5, 7, 11, 15, 31",
                    .reference = "Ojala et al. 2002; skimage.feature.local_binary_pattern(image, 5, 5, 'ror') "
                                 "counted per class (BisQue's LBP parameters)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    static const std::vector<int> classes = Classes();
    // Rounded to 5 decimals as scikit-image rounds them, so that (5, 0) stays a whole pixel.
    std::array<double, kPoints> dy{}, dx{};
    for (int k = 0; k < kPoints; ++k) {
      const double angle = 2 * std::numbers::pi * k / kPoints;
      dy[k] = std::round(-kRadius * std::sin(angle) * 1e5) / 1e5;
      dx[k] = std::round(kRadius * std::cos(angle) * 1e5) / 1e5;
    }
    std::array<double, 1 << kPoints> counts{};
    for (int y = 0; y < p.height; ++y) {
      for (int x = 0; x < p.width; ++x) {
        const double centre = p.values[static_cast<std::size_t>(y) * p.width + x];
        int code = 0;
        for (int k = 0; k < kPoints; ++k) {
          if (Sample(p, y + dy[k], x + dx[k]) - centre >= 0) code |= 1 << k;
        }
        counts[MinimalRotation(code)] += 1;
      }
    }
    Row row;
    for (int c : classes) row.values.push_back(static_cast<float>(counts[c]));
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeLbp() { return std::make_unique<LocalBinaryPatterns>(); }

}  // namespace vitrine::features
