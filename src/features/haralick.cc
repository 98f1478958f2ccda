// HAR: Haralick's 13 co-occurrence statistics in 4 directions, as mahotas computes them for
// BisQue (docs/features.md lists the formulas and where they differ from Haralick's paper).
#include <algorithm>
#include <cmath>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

constexpr int kStatistics = 13;
// (dy, dx): 0, 45 (down-right), 90 and 135 degrees, mahotas' order.
constexpr int kDirections[4][2] = {{0, 1}, {1, 1}, {1, 0}, {1, -1}};

double Entropy(const std::vector<double>& q) {
  double h = 0;
  for (double v : q) {
    if (v > 0) h -= v * std::log2(v);
  }
  return h;
}

// The symmetric, normalised co-occurrence matrix (n x n) of one direction: pairs whose neighbour
// falls outside the image are left out.
std::vector<double> Cooccurrence(const imaging::DecodedPixels& p, int n, int dy, int dx) {
  std::vector<double> c(static_cast<std::size_t>(n) * n, 0);
  const std::uint8_t* v = p.values.data();
  for (int y = 0; y + dy < p.height; ++y) {
    for (int x = std::max(0, -dx); x < p.width && x + dx < p.width; ++x) {
      const int a = v[static_cast<std::size_t>(y) * p.width + x];
      const int b = v[static_cast<std::size_t>(y + dy) * p.width + x + dx];
      c[static_cast<std::size_t>(a) * n + b] += 1;
      c[static_cast<std::size_t>(b) * n + a] += 1;
    }
  }
  double total = 0;
  for (double x : c) total += x;
  if (total > 0) {
    for (double& x : c) x /= total;
  }
  return c;
}

std::array<double, kStatistics> Statistics(const std::vector<double>& p, int n) {
  std::vector<double> px(n, 0), py(n, 0), sum(2 * n, 0), difference(n, 0);
  double asm_ = 0, idm = 0, ij = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double v = p[static_cast<std::size_t>(i) * n + j];
      if (v == 0) continue;
      px[j] += v;  // mahotas: px = p.sum(0), py = p.sum(1)
      py[i] += v;
      asm_ += v * v;
      idm += v / (1.0 + (i - j) * (i - j));
      ij += static_cast<double>(i) * j * v;
      sum[i + j] += v;
      difference[std::abs(i - j)] += v;
    }
  }
  double ux = 0, uy = 0, vx = 0, vy = 0;
  for (int k = 0; k < n; ++k) {
    ux += k * px[k];
    uy += k * py[k];
    vx += static_cast<double>(k) * k * px[k];
    vy += static_cast<double>(k) * k * py[k];
  }
  vx -= ux * ux;
  vy -= uy * uy;
  const double sx = std::sqrt(std::max(0.0, vx)), sy = std::sqrt(std::max(0.0, vy));
  double contrast = 0, difference_mean = 0;
  for (int d = 0; d < n; ++d) {
    contrast += static_cast<double>(d) * d * difference[d];
    difference_mean += difference[d];
  }
  difference_mean /= n;
  double difference_variance = 0;  // of the n numbers p-(d) themselves, as numpy's var()
  for (int d = 0; d < n; ++d)
    difference_variance += (difference[d] - difference_mean) * (difference[d] - difference_mean);
  difference_variance /= n;
  double sum_average = 0, sum_squares = 0;
  for (int s = 0; s < 2 * n; ++s) {
    sum_average += s * sum[s];
    sum_squares += static_cast<double>(s) * s * sum[s];
  }
  const double entropy = Entropy(p);
  const double hx = Entropy(px), hy = Entropy(py);
  double hxy1 = 0, hxy2 = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double product = px[i] * py[j];
      if (product <= 0) continue;
      hxy1 -= p[static_cast<std::size_t>(i) * n + j] * std::log2(product);
      hxy2 -= product * std::log2(product);
    }
  }
  const double hmax = std::max(hx, hy);
  return {asm_,
          contrast,
          (sx == 0 || sy == 0) ? 1.0 : (ij - ux * uy) / (sx * sy),
          vx,
          idm,
          sum_average,
          sum_squares - sum_average * sum_average,
          Entropy(sum),
          entropy,
          difference_variance,
          Entropy(difference),
          hmax == 0 ? entropy - hxy1 : (entropy - hxy1) / hmax,
          std::sqrt(std::max(0.0, 1.0 - std::exp(-2.0 * (hxy2 - entropy))))};
}

class Haralick final : public Descriptor {
 public:
  Haralick()
      : Descriptor({.name = "HAR",
                    .length = 4 * kStatistics,
                    .description = "Haralick texture: 13 grey-level co-occurrence statistics (distance 1) in each of "
                                   "4 directions (0, 45, 90, 135 degrees), direction after direction",
                    .reference = "Haralick et al. 1973, as mahotas.features.haralick computes them (BisQue's HAR)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    const int n = 1 + *std::max_element(p.values.begin(), p.values.end());
    Row row;
    for (const auto& d : kDirections) {
      const auto statistics = Statistics(Cooccurrence(p, n, d[0], d[1]), n);
      for (double v : statistics) row.values.push_back(static_cast<float>(v));
    }
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeHaralick() { return std::make_unique<Haralick>(); }

}  // namespace vitrine::features
