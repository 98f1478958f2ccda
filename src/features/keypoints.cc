// ORB, SIFT and BRISK: OpenCV's keypoint descriptors, one row per keypoint with its position,
// response, size, angle and octave, as BisQue's OpenCV extractor stores them.
#include <functional>

#include <opencv2/features2d.hpp>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// BisQue keeps the first 500 keypoints; we keep the 500 strongest, which does not depend on the
// detector's internal order.
constexpr int kMaxKeypoints = 500;
// The detectors' border and patch (ORB: 31 pixels; smaller images fail inside OpenCV).
constexpr int kMinKeypointSide = 32;

class KeypointDescriptor final : public Descriptor {
 public:
  KeypointDescriptor(DescriptorInfo info, std::function<cv::Ptr<cv::Feature2D>()> make)
      : Descriptor(std::move(info)), make_(std::move(make)) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    cv::Mat pixels = PixelsMat(*input.pixels);
    // OpenCV's detectors are not documented as safe to share: one per call (they are small).
    cv::Ptr<cv::Feature2D> detector = make_();
    std::vector<cv::KeyPoint> keypoints;
    cv::Mat descriptors;
    if (input.keypoint) {
      keypoints.emplace_back(input.keypoint->x, input.keypoint->y, input.keypoint->size);
      detector->compute(pixels, keypoints, descriptors);
      if (keypoints.empty()) {
        return Status::InvalidArgument(info().name + " cannot describe the point at (" +
                                       std::to_string(input.keypoint->x) + ", " + std::to_string(input.keypoint->y) +
                                       "): too close to the image's edge for its patch");
      }
    } else {
      detector->detect(pixels, keypoints);
      cv::KeyPointsFilter::retainBest(keypoints, kMaxKeypoints);
      if (static_cast<int>(keypoints.size()) > kMaxKeypoints) keypoints.resize(kMaxKeypoints);  // ties
      detector->compute(pixels, keypoints, descriptors);
    }
    std::vector<Row> rows(keypoints.size());
    for (std::size_t k = 0; k < keypoints.size(); ++k) {
      const cv::KeyPoint& kp = keypoints[k];
      Row& row = rows[k];
      row.values.resize(info().length);
      // Binary descriptors (ORB, BRISK) are bytes of 8 bits each; SIFT's are floats (whole numbers).
      for (int i = 0; i < info().length && i < descriptors.cols; ++i) {
        row.values[i] = descriptors.type() == CV_8U ? descriptors.at<std::uint8_t>(static_cast<int>(k), i)
                                                    : descriptors.at<float>(static_cast<int>(k), i);
      }
      row.columns = {kp.pt.x, kp.pt.y, kp.response, kp.size, kp.angle, static_cast<double>(kp.octave)};
    }
    return rows;
  }

 private:
  const std::function<cv::Ptr<cv::Feature2D>()> make_;
};

std::vector<ParameterColumn> KeypointColumns() { return {{"x"}, {"y"}, {"response"}, {"size"}, {"angle"}, {"octave"}}; }

}  // namespace

std::unique_ptr<Descriptor> MakeOrb() {
  return std::make_unique<KeypointDescriptor>(
      DescriptorInfo{.name = "ORB",
                     .length = 32,
                     .description = "Oriented FAST keypoints with rotated BRIEF descriptors (32 bytes, one value each)",
                     .pixels = PixelKind::kGrey,
                     .target = Target::kKeypoints,
                     .columns = KeypointColumns(),
                     .min_side = kMinKeypointSide,
                     .reference = "Rublee et al. 2011; OpenCV cv::ORB defaults"},
      [] { return cv::ORB::create(kMaxKeypoints); });
}

std::unique_ptr<Descriptor> MakeSift() {
  return std::make_unique<KeypointDescriptor>(
      DescriptorInfo{
          .name = "SIFT",
          .length = 128,
          .description = "Scale-invariant feature transform keypoints and their 128-value gradient histograms",
          .pixels = PixelKind::kGrey,
          .target = Target::kKeypoints,
          .integer_values = true,
          .columns = KeypointColumns(),
          .min_side = kMinKeypointSide,
          .reference = "Lowe 2004; OpenCV cv::SIFT defaults"},
      [] { return cv::SIFT::create(); });
}

std::unique_ptr<Descriptor> MakeBrisk() {
  return std::make_unique<KeypointDescriptor>(
      DescriptorInfo{.name = "BRISK",
                     .length = 64,
                     .description = "Binary robust invariant scalable keypoints (64 bytes, one value each)",
                     .pixels = PixelKind::kGrey,
                     .target = Target::kKeypoints,
                     .columns = KeypointColumns(),
                     .min_side = kMinKeypointSide,
                     .reference = "Leutenegger et al. 2011; OpenCV cv::BRISK defaults"},
      [] { return cv::BRISK::create(); });
}

}  // namespace vitrine::features
