// HOG: a 9-bin histogram of oriented gradients over the image's top-left square (side the
// shorter side), L2-Hys normalised, as scikit-image's hog(image, pixels_per_cell=(m, m),
// cells_per_block=(1, 1)) computes BisQue's HOG (its first cell, which is all of it unless one
// side is twice the other).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

constexpr int kBins = 9;

class Hog final : public Descriptor {
 public:
  Hog()
      : Descriptor({.name = "HOG",
                    .length = kBins,
                    .description = "Histogram of oriented gradients: 9 unsigned orientation bins of gradient "
                                   "magnitude over the top-left square of side min(width, height), L2-Hys normalised",
                    .reference = "Dalal & Triggs 2005; skimage.feature.hog as BisQue's HOG calls it"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    const int side = std::min(p.width, p.height);
    auto at = [&](int y, int x) -> double { return p.values[static_cast<std::size_t>(y) * p.width + x]; };
    // Accumulated in single precision, as scikit-image's cell histograms are.
    std::array<float, kBins> bins{};
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        // Central differences, not halved; zero on the image's outermost rows and columns.
        const double gy = (y > 0 && y + 1 < p.height) ? at(y + 1, x) - at(y - 1, x) : 0.0;
        const double gx = (x > 0 && x + 1 < p.width) ? at(y, x + 1) - at(y, x - 1) : 0.0;
        const double magnitude = std::hypot(gx, gy);
        double degrees = std::fmod(std::atan2(gy, gx) * 180 / std::numbers::pi, 180.0);
        if (degrees < 0) degrees += 180;
        const int bin = std::min(kBins - 1, static_cast<int>(degrees / (180.0 / kBins)));
        bins[bin] += static_cast<float>(magnitude);
      }
    }
    std::array<double, kBins> v{};
    for (int b = 0; b < kBins; ++b) v[b] = static_cast<float>(bins[b] / (static_cast<double>(side) * side));
    auto normalise = [&] {
      double squares = 1e-10;
      for (double x : v) squares += x * x;
      for (double& x : v) x /= std::sqrt(squares);
    };
    normalise();
    for (double& x : v) x = std::min(x, 0.2);
    normalise();
    Row row;
    for (double x : v) row.values.push_back(static_cast<float>(x));
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeHog() { return std::make_unique<Hog>(); }

}  // namespace vitrine::features
