// TAS and PFTAS: threshold adjacency statistics (Hamilton et al. 2007) as mahotas computes them:
// three binary images of the grey image around a threshold, and for each and its complement the
// share of background pixels with 0..8 foreground neighbours.
#include <algorithm>
#include <cmath>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// Counts of the background (0) pixels of `on` by their number of foreground (1) neighbours,
// the edge pixel repeated past the border (mahotas' 'reflect'), divided by their total.
std::array<double, 9> NeighbourShares(const std::vector<std::uint8_t>& on, int width, int height) {
  std::array<double, 9> counts{};
  auto at = [&](int y, int x) {
    y = std::clamp(y, 0, height - 1);
    x = std::clamp(x, 0, width - 1);
    return on[static_cast<std::size_t>(y) * width + x];
  };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (on[static_cast<std::size_t>(y) * width + x]) continue;
      int neighbours = 0;
      for (int oy = -1; oy <= 1; ++oy) {
        for (int ox = -1; ox <= 1; ++ox) {
          if (oy != 0 || ox != 0) neighbours += at(y + oy, x + ox);
        }
      }
      counts[neighbours] += 1;
    }
  }
  double total = 0;
  for (double c : counts) total += c;
  if (total > 0) {
    for (double& c : counts) c /= total;
  }
  return counts;
}

std::vector<float> ThresholdAdjacency(const imaging::DecodedPixels& p, double threshold, double margin) {
  double above_sum = 0, above_count = 0;
  for (std::uint8_t v : p.values) {
    if (v > threshold) {
      above_sum += v;
      above_count += 1;
    }
  }
  const double mu = above_sum / (above_count + 1e-8);
  const std::size_t n = p.values.size();
  std::vector<std::vector<std::uint8_t>> sets(6, std::vector<std::uint8_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const double v = p.values[i];
    sets[0][i] = v > mu - margin && v < mu + margin;
    sets[1][i] = v > mu - margin;
    sets[2][i] = v > mu;
    for (int k = 0; k < 3; ++k) sets[3 + k][i] = !sets[k][i];
  }
  std::vector<float> out;
  for (const auto& set : sets) {
    for (double share : NeighbourShares(set, p.width, p.height)) out.push_back(static_cast<float>(share));
  }
  return out;
}

// mahotas' Otsu: the first threshold T maximising nB * nO * (meanB - meanO)^2, background <= T.
int Otsu(const imaging::DecodedPixels& p) {
  std::array<double, 256> histogram{};
  for (std::uint8_t v : p.values) histogram[v] += 1;
  const int top = *std::max_element(p.values.begin(), p.values.end());
  double total = 0, total_sum = 0;
  for (int v = 0; v <= top; ++v) {
    total += histogram[v];
    total_sum += v * histogram[v];
  }
  double background = 0, background_sum = 0, best = -1;
  int best_threshold = 0;
  for (int t = 0; t <= top; ++t) {
    background += histogram[t];
    background_sum += t * histogram[t];
    const double object = total - background;
    if (object == 0) break;
    if (background == 0) continue;
    const double difference = background_sum / background - (total_sum - background_sum) / object;
    const double score = background * object * difference * difference;
    if (score > best) {
      best = score;
      best_threshold = t;
    }
  }
  return best_threshold;
}

class Tas final : public Descriptor {
 public:
  explicit Tas(bool parameter_free)
      : Descriptor(parameter_free
                       ? DescriptorInfo{.name = "PFTAS",
                                        .length = 54,
                                        .description = "Parameter-free threshold adjacency statistics: TAS around "
                                                       "Otsu's threshold, the margin the deviation above it",
                                        .reference = "Coelho et al. 2010; mahotas.features.pftas, as BisQue's PFTAS"}
                       : DescriptorInfo{.name = "TAS",
                                        .length = 54,
                                        .description = "Threshold adjacency statistics: the share of pixels with 0-8 "
                                                       "neighbours above threshold 30 (margin 30), 6 binary images",
                                        .reference = "Hamilton et al. 2007; mahotas.features.tas, as BisQue's TAS"}),
        parameter_free_(parameter_free) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    double threshold = 30, margin = 30;
    if (parameter_free_) {
      threshold = Otsu(p);
      double sum = 0, sum_squares = 0, count = 0;
      for (std::uint8_t v : p.values) {
        if (v > threshold) {
          sum += v;
          sum_squares += static_cast<double>(v) * v;
          count += 1;
        }
      }
      margin = count > 0 ? std::sqrt(std::max(0.0, sum_squares / count - (sum / count) * (sum / count))) : 0;
    }
    Row row;
    row.values = ThresholdAdjacency(p, threshold, margin);
    return std::vector<Row>{row};
  }

 private:
  const bool parameter_free_;
};

}  // namespace

std::unique_ptr<Descriptor> MakeTas() { return std::make_unique<Tas>(false); }
std::unique_ptr<Descriptor> MakePftas() { return std::make_unique<Tas>(true); }

}  // namespace vitrine::features
