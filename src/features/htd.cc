// HTD: the means and deviations of the Gabor bank's response magnitudes, per mask label.
#include <algorithm>

#include "features/descriptor_set.h"
#include "features/gabor_bank.h"

namespace vitrine::features {
namespace {

class Htd final : public Descriptor {
 public:
  Htd()
      : Descriptor({.name = "HTD",
                    .length = 2 * kGaborFilters,
                    .description = "Homogeneous texture: mean and standard deviation of the magnitude of 24 Gabor "
                                   "filter responses (4 scales x 6 orientations, 0.05 to 0.5 cycles/pixel)",
                    .pixels = PixelKind::kGrey,
                    .target = Target::kLabels,
                    .columns = {{"label", true}},
                    .reference = "Manjunath & Ma 1996, as BisQue's VRL HTD (feature service)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto labels = LabelsOf(input.mask);
    std::vector<std::int32_t> group_of_pixel;
    if (input.mask != nullptr) {
      group_of_pixel.resize(input.mask->labels.size());
      for (std::size_t i = 0; i < group_of_pixel.size(); ++i) {
        group_of_pixel[i] = static_cast<std::int32_t>(
            std::lower_bound(labels.begin(), labels.end(), input.mask->labels[i]) - labels.begin());
      }
    }
    const auto& p = *input.pixels;
    const GaborStatistics stats =
        ApplyGaborBank(p.values.data(), p.width, p.height, group_of_pixel, static_cast<int>(labels.size()));
    std::vector<Row> rows(labels.size());
    for (std::size_t k = 0; k < labels.size(); ++k) {
      rows[k].values.resize(2 * kGaborFilters);
      for (int f = 0; f < kGaborFilters; ++f) {
        rows[k].values[f] = static_cast<float>(stats.means[k][f]);
        rows[k].values[kGaborFilters + f] = static_cast<float>(stats.deviations[k][f]);
      }
      rows[k].columns = {static_cast<double>(labels[k])};
    }
    return rows;
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeHtd() { return std::make_unique<Htd>(); }

}  // namespace vitrine::features
