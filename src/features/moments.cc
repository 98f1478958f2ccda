// Moments and HuMoments: OpenCV's image moments of the grey input binarised at > 0, as BisQue's
// OpenCV extractor computes them (meant for masks: every pixel above black counts as 1).
#include <opencv2/imgproc.hpp>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

cv::Moments BinaryMoments(const Input& input) {
  cv::Mat binary;
  cv::compare(PixelsMat(*input.pixels), 0, binary, cv::CMP_GT);
  return cv::moments(binary, /*binaryImage=*/true);
}

class Moments final : public Descriptor {
 public:
  Moments()
      : Descriptor({.name = "Moments",
                    .length = 24,
                    .description = "Spatial (m00..m03), central (mu20..mu03) and normalised central (nu20..nu03) "
                                   "moments of the pixels above black",
                    .reference = "OpenCV cv::moments, as BisQue's OpenCV Moments, in OpenCV's documented order"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const cv::Moments m = BinaryMoments(input);
    const double all[24] = {m.m00,  m.m10,  m.m01,  m.m20,  m.m11,  m.m02,  m.m30,  m.m21,
                            m.m12,  m.m03,  m.mu20, m.mu11, m.mu02, m.mu30, m.mu21, m.mu12,
                            m.mu03, m.nu20, m.nu11, m.nu02, m.nu30, m.nu21, m.nu12, m.nu03};
    Row row;
    row.values.assign(std::begin(all), std::end(all));
    return std::vector<Row>{row};
  }
};

class HuMoments final : public Descriptor {
 public:
  HuMoments()
      : Descriptor({.name = "HuMoments",
                    .length = 7,
                    .description = "Hu's seven moment invariants (translation, scale and rotation) of the pixels "
                                   "above black",
                    .reference = "Hu 1962; OpenCV cv::HuMoments, as BisQue's OpenCV HuMoments"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    double hu[7];
    cv::HuMoments(BinaryMoments(input), hu);
    Row row;
    row.values.assign(std::begin(hu), std::end(hu));
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeMoments() { return std::make_unique<Moments>(); }
std::unique_ptr<Descriptor> MakeHuMoments() { return std::make_unique<HuMoments>(); }

}  // namespace vitrine::features
