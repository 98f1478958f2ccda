// ZM: magnitudes of the Zernike moments up to degree 8 of the pixels within 8 pixels of the
// image's intensity centroid, as mahotas.features.zernike_moments(image, 8, 8) for BisQue.
#include <cmath>
#include <complex>
#include <numbers>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

constexpr int kDegree = 8;
constexpr double kRadius = 8;

double Factorial(int n) { return n <= 1 ? 1.0 : n * Factorial(n - 1); }

// The radial polynomial R_nl(rho).
double Radial(int n, int l, double rho) {
  double r = 0;
  for (int m = 0; m <= (n - l) / 2; ++m) {
    const double sign = m % 2 ? -1.0 : 1.0;
    r += sign * Factorial(n - m) / (Factorial(m) * Factorial((n + l) / 2 - m) * Factorial((n - l) / 2 - m)) *
         std::pow(rho, n - 2 * m);
  }
  return r;
}

class Zernike final : public Descriptor {
 public:
  Zernike()
      : Descriptor({.name = "ZM",
                    .length = 25,
                    .description = "Zernike moment magnitudes |Z(n,l)|, n = 0..8, l = 0..n with n - l even, of the "
                                   "pixels within 8 pixels of the intensity centroid",
                    .reference = "Teague 1980; mahotas.features.zernike_moments(image, radius 8, degree 8), as "
                                 "BisQue's ZM"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    double total = 0, cy = 0, cx = 0;
    for (int y = 0; y < p.height; ++y) {
      for (int x = 0; x < p.width; ++x) {
        const double v = p.values[static_cast<std::size_t>(y) * p.width + x];
        total += v;
        cy += y * v;
        cx += x * v;
      }
    }
    if (total == 0) return Status::InvalidArgument("ZM needs a pixel above black");
    cy /= total;
    cx /= total;
    struct Point {
      double weight, rho;
      std::complex<double> phase;  // e^{i theta}
    };
    std::vector<Point> points;
    double kept = 0;
    for (int y = static_cast<int>(std::floor(cy - kRadius)); y <= static_cast<int>(std::ceil(cy + kRadius)); ++y) {
      for (int x = static_cast<int>(std::floor(cx - kRadius)); x <= static_cast<int>(std::ceil(cx + kRadius)); ++x) {
        if (y < 0 || x < 0 || y >= p.height || x >= p.width) continue;
        const double v = p.values[static_cast<std::size_t>(y) * p.width + x];
        const double yn = (y - cy) / kRadius, xn = (x - cx) / kRadius;
        const double rho = std::max(std::sqrt(xn * xn + yn * yn), 1e-9);
        if (rho > 1 || v <= 0) continue;
        points.push_back({v, rho, std::complex<double>(xn, yn) / rho});
        kept += v;
      }
    }
    Row row;
    for (int n = 0; n <= kDegree; ++n) {
      for (int l = n % 2; l <= n; l += 2) {
        std::complex<double> z = 0;
        for (const Point& q : points) z += q.weight / kept * std::conj(Radial(n, l, q.rho) * std::pow(q.phase, l));
        row.values.push_back(static_cast<float>(std::abs(z * (n + 1.0) / std::numbers::pi)));
      }
    }
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeZernike() { return std::make_unique<Zernike>(); }

}  // namespace vitrine::features
