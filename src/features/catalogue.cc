#include <algorithm>

#include "features/descriptor_set.h"

namespace vitrine::features {

Result<std::vector<Row>> Descriptor::Extract(const Input& input) const {
  if (input.pixels == nullptr || input.pixels->width <= 0 || input.pixels->height <= 0) {
    return Status::InvalidArgument("no pixels to describe");
  }
  const int wanted_bands = info_.pixels == PixelKind::kGrey ? 1 : 3;
  if (input.pixels->bands != wanted_bands) {
    return Status::Unsupported(info_.name + " reads " + (wanted_bands == 1 ? "grey" : "RGB") + " pixels");
  }
  if (input.pixels->width < info_.min_side || input.pixels->height < info_.min_side) {
    return Status::InvalidArgument(info_.name + " needs at least " + std::to_string(info_.min_side) + "x" +
                                   std::to_string(info_.min_side) + " pixels");
  }
  if (input.mask != nullptr) {
    if (info_.target != Target::kLabels) {
      return Status::InvalidArgument(info_.name +
                                     " describes a whole image or region; it takes no mask or area annotation");
    }
    if (input.mask->width != input.pixels->width || input.mask->height != input.pixels->height) {
      return Status::InvalidArgument("the mask is " + std::to_string(input.mask->width) + "x" +
                                     std::to_string(input.mask->height) + ", the image " +
                                     std::to_string(input.pixels->width) + "x" + std::to_string(input.pixels->height));
    }
  }
  if (input.keypoint && info_.target != Target::kKeypoints) {
    return Status::InvalidArgument(info_.name + " takes no point: only keypoint descriptors do");
  }
  return Compute(input);
}

std::vector<std::int32_t> LabelsOf(const LabelMask* mask) {
  if (mask == nullptr) return {0};
  std::vector<std::int32_t> labels = mask->labels;
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

const std::vector<std::unique_ptr<Descriptor>>& Catalogue() {
  static const auto* catalogue = [] {
    auto* all = new std::vector<std::unique_ptr<Descriptor>>;
    for (auto make : {MakeHtd,
                      MakeHtd2,
                      MakeEhd,
                      MakeCld,
                      MakeScd,
                      MakeCsd,
                      MakeDcd,
                      MakeHaralick,
                      MakeLbp,
                      MakeTas,
                      MakePftas,
                      MakeZernike,
                      MakeHog,
                      MakeMoments,
                      MakeHuMoments,
                      MakePixelIntensityStatistics,
                      MakeColourHistogram,
                      MakeOrb,
                      MakeSift,
                      MakeBrisk}) {
      all->push_back(make());
    }
    return all;
  }();
  return *catalogue;
}

const Descriptor* FindDescriptor(std::string_view name) {
  for (const auto& d : Catalogue()) {
    if (d->info().name == name) return d.get();
  }
  return nullptr;
}

}  // namespace vitrine::features
