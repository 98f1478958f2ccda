// Pixel_Intensity_Statistics: WND-CHARM's five grey-level statistics of the raw pixels.
#include <algorithm>
#include <cmath>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

class PixelIntensityStatistics final : public Descriptor {
 public:
  PixelIntensityStatistics()
      : Descriptor({.name = "Pixel_Intensity_Statistics",
                    .length = 5,
                    .description = "Mean, median, standard deviation, minimum and maximum of the grey levels",
                    .reference = "WND-CHARM (Shamir et al. 2008) pixel statistics, untransformed image"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& v = input.pixels->values;
    std::uint64_t histogram[256] = {};
    double sum = 0, sum_squares = 0;
    for (std::uint8_t x : v) {
      ++histogram[x];
      sum += x;
      sum_squares += static_cast<double>(x) * x;
    }
    const double n = static_cast<double>(v.size());
    const double mean = sum / n;
    // The sample deviation (n - 1), as WND-CHARM's statistics use.
    const double deviation = n > 1 ? std::sqrt(std::max(0.0, (sum_squares - n * mean * mean) / (n - 1))) : 0.0;
    int minimum = 0, maximum = 255;
    while (histogram[minimum] == 0) ++minimum;
    while (histogram[maximum] == 0) --maximum;
    // The upper median (the value at N/2 of the sorted values), as WND-CHARM takes it.
    auto value_at = [&](std::uint64_t rank) {
      std::uint64_t seen = 0;
      for (int level = 0; level < 256; ++level) {
        seen += histogram[level];
        if (seen > rank) return level;
      }
      return 255;
    };
    const std::uint64_t count = v.size();
    const double median = value_at(count / 2);
    Row row;
    row.values = {static_cast<float>(mean), static_cast<float>(median), static_cast<float>(deviation),
                  static_cast<float>(minimum), static_cast<float>(maximum)};
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakePixelIntensityStatistics() { return std::make_unique<PixelIntensityStatistics>(); }

}  // namespace vitrine::features
