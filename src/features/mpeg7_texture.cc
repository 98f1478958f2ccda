// EHD and HTD2: the MPEG-7 texture descriptors BisQue exposes (VRL's EHD, MPEG7Flex's HTD2), with
// its names and lengths, written from the published definitions (ISO/IEC 15938-3; Manjunath,
// Ohm, Vasudevan & Yamada, "Color and Texture Descriptors", IEEE TCSVT 11(6), 2001). Values are
// left unquantised: the standard's quantisation only makes them compact to transmit.
#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/core.hpp>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// ---------------------------------------------------------------------------------------------
// EHD

constexpr int kEhdGrid = 4;  // 4x4 sub-images
constexpr int kEdgeTypes = 5;
constexpr int kDesiredBlocks = 1100;
constexpr double kEdgeThreshold = 11;

// Blocks of about 1/1100 of the image, even-sided so each splits into 2x2 sub-blocks.
int EdgeBlockSide(int width, int height) {
  const int side = static_cast<int>(std::sqrt(static_cast<double>(width) * height / kDesiredBlocks));
  return std::max(2, side / 2 * 2);
}

// The block's edge type (0 vertical, 1 horizontal, 2 45-degree, 3 135-degree, 4 non-directional)
// or -1: the standard's 2x2 filters applied to the means of its four sub-blocks, the strongest
// response kept when it reaches the threshold.
int BlockEdgeType(const imaging::DecodedPixels& p, int x0, int y0, int side) {
  const int half = side / 2;
  double mean[4] = {};  // top-left, top-right, bottom-left, bottom-right
  for (int y = y0; y < y0 + side; ++y) {
    const std::uint8_t* row = &p.values[static_cast<std::size_t>(y) * p.width];
    for (int x = x0; x < x0 + side; ++x) mean[(y - y0 >= half) * 2 + (x - x0 >= half)] += row[x];
  }
  for (double& m : mean) m /= half * half;
  constexpr double r2 = std::numbers::sqrt2;
  const double strength[kEdgeTypes] = {
      std::abs(mean[0] - mean[1] + mean[2] - mean[3]),
      std::abs(mean[0] + mean[1] - mean[2] - mean[3]),
      std::abs(r2 * mean[0] - r2 * mean[3]),
      std::abs(r2 * mean[1] - r2 * mean[2]),
      std::abs(2 * mean[0] - 2 * mean[1] - 2 * mean[2] + 2 * mean[3]),
  };
  const int type = static_cast<int>(std::max_element(std::begin(strength), std::end(strength)) - strength);
  return strength[type] >= kEdgeThreshold ? type : -1;
}

class Ehd final : public Descriptor {
 public:
  Ehd()
      : Descriptor({.name = "EHD",
                    .length = kEhdGrid * kEhdGrid * kEdgeTypes,
                    .description = "Edge histogram: for each of 4x4 sub-images (row by row), the fraction of its "
                                   "image blocks (about 1100 in the image) whose strongest 2x2 edge filter response "
                                   "reaches 11, by edge type: vertical, horizontal, 45-degree, 135-degree, "
                                   "non-directional; unquantised",
                    .pixels = PixelKind::kGrey,
                    .target = Target::kImage,
                    .reference = "MPEG-7 Edge Histogram (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT 2001), as "
                                 "BisQue's EHD (80 bins)"}) {}

 protected:
  // Blocks tile each sub-image from its top-left corner; a sub-image narrower than a block (an
  // image under 8 pixels across) has no blocks and all-zero bins.
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    const int side = EdgeBlockSide(p.width, p.height);
    Row row;
    row.values.assign(info().length, 0.0f);
    for (int sy = 0; sy < kEhdGrid; ++sy) {
      const int y_end = p.height * (sy + 1) / kEhdGrid;
      for (int sx = 0; sx < kEhdGrid; ++sx) {
        const int x_end = p.width * (sx + 1) / kEhdGrid;
        int blocks = 0, edges[kEdgeTypes] = {};
        for (int y = p.height * sy / kEhdGrid; y + side <= y_end; y += side) {
          for (int x = p.width * sx / kEhdGrid; x + side <= x_end; x += side) {
            ++blocks;
            const int type = BlockEdgeType(p, x, y, side);
            if (type >= 0) ++edges[type];
          }
        }
        for (int e = 0; e < kEdgeTypes && blocks > 0; ++e) {
          row.values[(sy * kEhdGrid + sx) * kEdgeTypes + e] = static_cast<float>(edges[e]) / blocks;
        }
      }
    }
    return std::vector<Row>{row};
  }
};

// ---------------------------------------------------------------------------------------------
// HTD2

constexpr int kHtdWindow = 128;
constexpr int kRadialChannels = 5, kAngularChannels = 6;
constexpr int kHtdChannels = kRadialChannels * kAngularChannels;
constexpr int kPolarAngles = 180;            // one a degree over the half plane
constexpr int kPolarRadii = kHtdWindow / 2;  // Nyquist (normalised frequency 1) at radius 64
const double kFwhmToSigma = 1 / (2 * std::sqrt(2 * std::numbers::ln2));

// |F|^2 of the window, the DFT scaled by 1/128 (unitary: the spectrum holds the image's
// energy), the mean removed so no sample near the centre picks up the DC term.
cv::Mat PowerSpectrum(const cv::Mat& window, double mean) {
  cv::Mat centred, spectrum;
  window.convertTo(centred, CV_64F, 1.0, -mean);
  cv::dft(centred, spectrum, cv::DFT_COMPLEX_OUTPUT | cv::DFT_SCALE);
  cv::Mat planes[2], power;
  cv::split(spectrum, planes);
  cv::magnitude(planes[0], planes[1], power);
  // DFT_SCALE divided by 128^2; the unitary transform divides by 128.
  return power.mul(power) * (static_cast<double>(kHtdWindow) * kHtdWindow);
}

// The power at frequency (u, v) in cycles per window, bilinear between the DFT's samples, which
// repeat with period 128.
double PowerAt(const cv::Mat& power, double u, double v) {
  const double fu = std::floor(u), fv = std::floor(v);
  const double du = u - fu, dv = v - fv;
  auto at = [&](int i, int j) {
    const int row = ((j % kHtdWindow) + kHtdWindow) % kHtdWindow, col = ((i % kHtdWindow) + kHtdWindow) % kHtdWindow;
    return power.at<double>(row, col);
  };
  const int i = static_cast<int>(fu), j = static_cast<int>(fv);
  return (1 - dv) * ((1 - du) * at(i, j) + du * at(i + 1, j)) + dv * ((1 - du) * at(i, j + 1) + du * at(i + 1, j + 1));
}

// The channel's Gaussian, radial octave s (0 the highest: centre 3/4, bandwidth 1/2, each next
// half that) times angular r (centre 30r degrees, bandwidth 30), both bandwidths full widths at
// half maximum, times the |omega| Jacobian of the polar grid: [G |omega|], squared later.
double ChannelWeight(int s, int r, double omega, double theta_degrees) {
  const double centre = 0.75 / (1 << s), radial_sigma = 0.5 / (1 << s) * kFwhmToSigma;
  const double angular_sigma = 30 * kFwhmToSigma;
  const double dtheta = std::fmod(theta_degrees - 30.0 * r + 270.0, 180.0) - 90.0;  // wrapped to [-90, 90)
  const double dr = omega - centre;
  return std::exp(-dr * dr / (2 * radial_sigma * radial_sigma) -
                  dtheta * dtheta / (2 * angular_sigma * angular_sigma)) *
         omega;
}

// e = log(1 + mean) and d = log(1 + standard deviation) of [G |omega| |F|]^2 over the polar grid,
// for each channel s * 6 + r.
void ChannelEnergies(const cv::Mat& power, float* energies, float* deviations) {
  std::vector<double> samples(static_cast<std::size_t>(kPolarAngles) * kPolarRadii);
  for (int t = 0; t < kPolarAngles; ++t) {
    const double theta = t * std::numbers::pi / kPolarAngles;
    for (int k = 1; k <= kPolarRadii; ++k) {
      samples[t * kPolarRadii + k - 1] = PowerAt(power, k * std::cos(theta), k * std::sin(theta));
    }
  }
  const double n = static_cast<double>(samples.size());
  for (int s = 0; s < kRadialChannels; ++s) {
    for (int r = 0; r < kAngularChannels; ++r) {
      double sum = 0, sum_squares = 0;
      for (int t = 0; t < kPolarAngles; ++t) {
        for (int k = 1; k <= kPolarRadii; ++k) {
          const double g = ChannelWeight(s, r, static_cast<double>(k) / kPolarRadii, t * 180.0 / kPolarAngles);
          const double value = g * g * samples[t * kPolarRadii + k - 1];
          sum += value;
          sum_squares += value * value;
        }
      }
      const double mean = sum / n;
      const int c = s * kAngularChannels + r;
      energies[c] = static_cast<float>(std::log1p(mean));
      deviations[c] = static_cast<float>(std::log1p(std::sqrt(std::max(0.0, sum_squares / n - mean * mean))));
    }
  }
}

class Htd2 final : public Descriptor {
 public:
  Htd2()
      : Descriptor({.name = "HTD2",
                    .length = 2 + 2 * kHtdChannels,
                    .description =
                        "Homogeneous texture of the top-left 128x128 pixels: the mean and standard deviation "
                        "of their grey levels, then 30 energies ln(1 + mean) and 30 energy deviations "
                        "ln(1 + standard deviation) of the Fourier power on a polar grid weighted by "
                        "Gaussian channels: 5 octaves (highest first) x 6 orientations (0 to 150 degrees "
                        "from the x axis towards y, rows down), channel = octave * 6 + orientation; "
                        "unquantised",
                    .pixels = PixelKind::kGrey,
                    .target = Target::kImage,
                    .reference = "MPEG-7 Homogeneous Texture (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT "
                                 "2001), as BisQue's MPEG7Flex HTD2 with energy deviation (62 values)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    if (p.width < kHtdWindow || p.height < kHtdWindow) {
      return Status::InvalidArgument("HTD2 needs at least 128x128 pixels");
    }
    // The top-left window, as BisQue's extractor takes it.
    const cv::Mat window = PixelsMat(p)(cv::Rect(0, 0, kHtdWindow, kHtdWindow));
    cv::Scalar mean, deviation;
    cv::meanStdDev(window, mean, deviation);
    Row row;
    row.values.assign(info().length, 0.0f);
    row.values[0] = static_cast<float>(mean[0]);
    row.values[1] = static_cast<float>(deviation[0]);
    ChannelEnergies(PowerSpectrum(window, mean[0]), &row.values[2], &row.values[2 + kHtdChannels]);
    return std::vector<Row>{row};
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeEhd() { return std::make_unique<Ehd>(); }
std::unique_ptr<Descriptor> MakeHtd2() { return std::make_unique<Htd2>(); }

}  // namespace vitrine::features
