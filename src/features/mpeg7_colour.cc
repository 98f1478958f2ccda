// CLD, SCD, CSD and DCD: the MPEG-7 colour descriptors BisQue exposes through MPEG7Flex, with its
// names and lengths, written from the published definitions (ISO/IEC 15938-3; Manjunath, Ohm,
// Vasudevan & Yamada, "Color and Texture Descriptors", IEEE TCSVT 11(6), 2001). Every value is
// left unquantised: the standard's quantisation only makes the descriptors compact to transmit,
// and floats keep finer distances. docs/features.md gives each layout.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// The index into `labels` of every pixel's label; all 0 without a mask.
std::vector<int> LabelIndexOfPixels(const Input& input, const std::vector<std::int32_t>& labels) {
  const std::size_t n = static_cast<std::size_t>(input.pixels->width) * input.pixels->height;
  std::vector<int> index(n, 0);
  if (input.mask == nullptr) return index;
  for (std::size_t i = 0; i < n; ++i) {
    index[i] = static_cast<int>(std::lower_bound(labels.begin(), labels.end(), input.mask->labels[i]) - labels.begin());
  }
  return index;
}

// The hexcone hue shared by HSV and HMMD, in degrees [0, 360); 0 for greys, which have none.
double HueDegrees(int r, int g, int b) {
  const int max = std::max({r, g, b}), min = std::min({r, g, b});
  if (max == min) return 0;
  const double range = max - min;
  double hue;
  if (max == r) {
    hue = 60 * (g - b) / range;
  } else if (max == g) {
    hue = 60 * (2 + (b - r) / range);
  } else {
    hue = 60 * (4 + (r - g) / range);
  }
  return hue < 0 ? hue + 360 : hue;
}

// The hue's level among `levels` equal sectors starting at 0 degrees.
int HueLevel(int r, int g, int b, int levels) {
  return std::min(levels - 1, static_cast<int>(HueDegrees(r, g, b) * levels / 360));
}

// ---------------------------------------------------------------------------------------------
// CLD

constexpr int kLayoutSide = 8;
constexpr int kLayoutCells = kLayoutSide * kLayoutSide;
constexpr int kCldLumaCoefficients = 64;    // BisQue's numYCoef
constexpr int kCldChromaCoefficients = 28;  // BisQue's numCCoef

// Row-major positions of an 8x8 block's coefficients in JPEG's zig-zag order: lowest
// frequencies first, so a prefix of any length is the best low-pass summary of that length.
constexpr std::array<int, kLayoutCells> ZigZag() {
  std::array<int, kLayoutCells> order{};
  int k = 0;
  for (int diagonal = 0; diagonal < 2 * kLayoutSide - 1; ++diagonal) {
    for (int step = 0; step <= diagonal; ++step) {
      const int row = diagonal % 2 == 0 ? diagonal - step : step;
      const int col = diagonal - row;
      if (row < kLayoutSide && col < kLayoutSide) order[k++] = row * kLayoutSide + col;
    }
  }
  return order;
}
constexpr std::array<int, kLayoutCells> kZigZag = ZigZag();

struct CellSums {
  std::array<double, 3> rgb{};
  double count = 0;
};

// The label's layout: each cell's mean colour (the label's mean colour where the cell has none
// of its pixels, so an empty cell adds no false edge) in YCbCr, DCT-transformed, zig-zag scanned.
Row LayoutRow(const CellSums* cells) {
  CellSums total;
  for (int c = 0; c < kLayoutCells; ++c) {
    for (int b = 0; b < 3; ++b) total.rgb[b] += cells[c].rgb[b];
    total.count += cells[c].count;
  }
  cv::Mat planes[3] = {cv::Mat(kLayoutSide, kLayoutSide, CV_64F), cv::Mat(kLayoutSide, kLayoutSide, CV_64F),
                       cv::Mat(kLayoutSide, kLayoutSide, CV_64F)};
  for (int c = 0; c < kLayoutCells; ++c) {
    const CellSums& source = cells[c].count > 0 ? cells[c] : total;
    const double r = source.rgb[0] / source.count, g = source.rgb[1] / source.count, b = source.rgb[2] / source.count;
    // ITU-R BT.601 full range (JFIF), Cb and Cr offset to 0..255 like Y.
    planes[0].at<double>(c) = 0.299 * r + 0.587 * g + 0.114 * b;
    planes[1].at<double>(c) = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    planes[2].at<double>(c) = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  Row row;
  row.values.reserve(kCldLumaCoefficients + 2 * kCldChromaCoefficients);
  for (int p = 0; p < 3; ++p) {
    cv::Mat coefficients;
    cv::dct(planes[p], coefficients);  // orthonormal: distances between layouts are kept
    const int keep = p == 0 ? kCldLumaCoefficients : kCldChromaCoefficients;
    for (int i = 0; i < keep; ++i) row.values.push_back(static_cast<float>(coefficients.at<double>(kZigZag[i])));
  }
  return row;
}

class Cld final : public Descriptor {
 public:
  Cld()
      : Descriptor({.name = "CLD",
                    .length = kCldLumaCoefficients + 2 * kCldChromaCoefficients,
                    .description =
                        "Colour layout: the mean colour of each cell of an 8x8 grid (per label, of its pixels; "
                        "cells without any take the label's mean) in YCbCr (BT.601 full range), "
                        "transformed by an orthonormal 8x8 DCT per channel; the first 64 Y, 28 Cb and "
                        "28 Cr coefficients in zig-zag order, unquantised",
                    .pixels = PixelKind::kColour,
                    .target = Target::kLabels,
                    .columns = {{"label", true}},
                    .reference = "MPEG-7 Color Layout (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT 2001), as "
                                 "BisQue's MPEG7Flex CLD (numYCoef 64, numCCoef 28)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto labels = LabelsOf(input.mask);
    const std::vector<int> label_of = LabelIndexOfPixels(input, labels);
    const auto& p = *input.pixels;
    std::vector<CellSums> cells(labels.size() * kLayoutCells);
    for (int y = 0; y < p.height; ++y) {
      const int cell_row = y * kLayoutSide / p.height;
      for (int x = 0; x < p.width; ++x) {
        const std::size_t i = static_cast<std::size_t>(y) * p.width + x;
        CellSums& cell = cells[label_of[i] * kLayoutCells + cell_row * kLayoutSide + x * kLayoutSide / p.width];
        for (int b = 0; b < 3; ++b) cell.rgb[b] += p.values[3 * i + b];
        ++cell.count;
      }
    }
    std::vector<Row> rows;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      rows.push_back(LayoutRow(&cells[k * kLayoutCells]));
      rows.back().columns = {static_cast<double>(labels[k])};
    }
    return rows;
  }
};

// ---------------------------------------------------------------------------------------------
// SCD

constexpr int kScdHues = 16, kScdSaturations = 4, kScdValues = 4;
constexpr int kScdBins = kScdHues * kScdSaturations * kScdValues;

// The bin of HSV quantised uniformly to 16 x 4 x 4, laid out [hue][saturation][value].
int ScalableColourBin(int r, int g, int b) {
  const int max = std::max({r, g, b}), min = std::min({r, g, b});
  const int saturation = max == 0 ? 0 : std::min(kScdSaturations - 1, kScdSaturations * (max - min) / max);
  const int value = max * kScdValues / 256;
  return (HueLevel(r, g, b, kScdHues) * kScdSaturations + saturation) * kScdValues + value;
}

// The standard's resolution ladder: halving hue, saturation, value, hue leaves 128, 64, 32 and
// 16 bins (8x4x4, 8x2x4, 8x2x2, 4x2x2); the rest reaches a single bin.
constexpr int kHaarAxes[8] = {0, 1, 2, 0, 1, 2, 0, 0};

// The full Haar decomposition (sums and differences of neighbouring bins, unscaled, as the
// standard's) of a [16][4][4] histogram. Output: the total, then each stage's differences from
// the coarsest stage to the finest, each stage in row-major order of its coarser grid (the first
// of a pair minus the second). Any prefix of 16, 32, 64 or 128 coefficients is thus exactly the
// histogram at that resolution of the ladder.
std::vector<double> HaarTransform(std::vector<double> bins) {
  int dims[3] = {kScdHues, kScdSaturations, kScdValues};
  std::vector<std::vector<double>> differences;
  for (int axis : kHaarAxes) {
    int coarse[3] = {dims[0], dims[1], dims[2]};
    coarse[axis] /= 2;
    const int strides[3] = {dims[1] * dims[2], dims[2], 1};
    std::vector<double> sums, stage;
    for (int h = 0; h < coarse[0]; ++h) {
      for (int s = 0; s < coarse[1]; ++s) {
        for (int v = 0; v < coarse[2]; ++v) {
          const int position[3] = {h, s, v};
          int first = 0;
          for (int a = 0; a < 3; ++a) first += (a == axis ? 2 * position[a] : position[a]) * strides[a];
          const double x = bins[first], y = bins[first + strides[axis]];
          sums.push_back(x + y);
          stage.push_back(x - y);
        }
      }
    }
    bins = std::move(sums);
    differences.push_back(std::move(stage));
    std::copy(std::begin(coarse), std::end(coarse), std::begin(dims));
  }
  std::vector<double> out = bins;
  for (auto it = differences.rbegin(); it != differences.rend(); ++it) out.insert(out.end(), it->begin(), it->end());
  return out;
}

class Scd final : public Descriptor {
 public:
  Scd()
      : Descriptor({.name = "SCD",
                    .length = kScdBins,
                    .description = "Scalable colour: the HSV histogram (16 hues x 4 saturations x 4 values) "
                                   "normalised to sum 1, then fully Haar-transformed (unscaled sums and "
                                   "differences); coefficient 0 is the total, unquantised",
                    .pixels = PixelKind::kColour,
                    .target = Target::kImage,
                    .reference = "MPEG-7 Scalable Color (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT 2001), as "
                                 "BisQue's MPEG7Flex SCD (256 coefficients)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& v = input.pixels->values;
    std::vector<double> histogram(kScdBins, 0.0);
    for (std::size_t i = 0; i + 2 < v.size(); i += 3) ++histogram[ScalableColourBin(v[i], v[i + 1], v[i + 2])];
    const double pixels = static_cast<double>(v.size() / 3);
    for (double& bin : histogram) bin /= pixels;
    Row row;
    for (double c : HaarTransform(std::move(histogram))) row.values.push_back(static_cast<float>(c));
    return std::vector<Row>{row};
  }
};

// ---------------------------------------------------------------------------------------------
// CSD

// The 64-cell HMMD quantisation: subspaces by Diff (max - min), each cut uniformly into hue
// sectors and Sum ((max + min) / 2) levels. Bins run subspace by subspace, hue-major within one.
struct HmmdSubspace {
  int min_diff, hues, sums;
};
constexpr HmmdSubspace kHmmd64[] = {{0, 1, 8}, {6, 4, 4}, {20, 4, 4}, {60, 8, 2}, {110, 8, 1}};
constexpr int kCsdBins = 64;

int ColourStructureBin(int r, int g, int b) {
  const int max = std::max({r, g, b}), min = std::min({r, g, b});
  int offset = 0, s = 0;
  while (s + 1 < static_cast<int>(std::size(kHmmd64)) && max - min >= kHmmd64[s + 1].min_diff) {
    offset += kHmmd64[s].hues * kHmmd64[s].sums;
    ++s;
  }
  const int sum_level = (max + min) * kHmmd64[s].sums / 512;
  return offset + HueLevel(r, g, b, kHmmd64[s].hues) * kHmmd64[s].sums + sum_level;
}

// Sampled pixels of an image subsampled by `step`, with the label index of each.
struct SampledImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> bins;
  std::vector<int> labels;
};

// The standard's rule keeps the structuring element at 8x8 samples: images of 2^17 pixels or
// more are sampled every 2^p pixels, p = round(log2(width * height) / 2 - 8).
SampledImage SampleForStructure(const imaging::DecodedPixels& p, const std::vector<int>& label_of) {
  const long exponent = std::lround(0.5 * std::log2(static_cast<double>(p.width) * p.height) - 8);
  const int step = 1 << std::clamp(exponent, 0L, 15L);
  SampledImage s;
  s.width = (p.width + step - 1) / step;
  s.height = (p.height + step - 1) / step;
  for (int y = 0; y < p.height; y += step) {
    for (int x = 0; x < p.width; x += step) {
      const std::size_t i = static_cast<std::size_t>(y) * p.width + x;
      s.bins.push_back(
          static_cast<std::uint8_t>(ColourStructureBin(p.values[3 * i], p.values[3 * i + 1], p.values[3 * i + 2])));
      s.labels.push_back(label_of[i]);
    }
  }
  return s;
}

class Csd final : public Descriptor {
 public:
  Csd()
      : Descriptor({.name = "CSD",
                    .length = kCsdBins,
                    .description = "Colour structure: for each of 64 HMMD colours, the fraction of 8x8 "
                                   "structuring-element positions (images of 2^17 pixels or more subsampled as the "
                                   "standard says) that contain it; per label, positions whose element's pixel "
                                   "(4, 4) has the label, counting only that label's pixels; unquantised",
                    .pixels = PixelKind::kColour,
                    .target = Target::kLabels,
                    .columns = {{"label", true}},
                    .reference = "MPEG-7 Color Structure (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT 2001), "
                                 "as BisQue's MPEG7Flex CSD (64 bins)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto labels = LabelsOf(input.mask);
    const SampledImage s = SampleForStructure(*input.pixels, LabelIndexOfPixels(input, labels));
    // Images narrower than the element have one position across: the element is cut to them.
    const int ew = std::min(8, s.width), eh = std::min(8, s.height);
    std::vector<double> positions(labels.size(), 0), counts(labels.size() * kCsdBins, 0);
    for (int y0 = 0; y0 + eh <= s.height; ++y0) {
      for (int x0 = 0; x0 + ew <= s.width; ++x0) {
        const int label = s.labels[static_cast<std::size_t>(y0 + eh / 2) * s.width + x0 + ew / 2];
        std::uint64_t present = 0;  // one bit per colour: 64 bins fit a word
        for (int y = y0; y < y0 + eh; ++y) {
          for (int x = x0; x < x0 + ew; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * s.width + x;
            if (s.labels[i] == label) present |= std::uint64_t{1} << s.bins[i];
          }
        }
        ++positions[label];
        for (; present != 0; present &= present - 1) ++counts[label * kCsdBins + std::countr_zero(present)];
      }
    }
    std::vector<Row> rows(labels.size());
    for (std::size_t k = 0; k < labels.size(); ++k) {
      rows[k].values.resize(kCsdBins);
      for (int b = 0; b < kCsdBins; ++b) {
        rows[k].values[b] = positions[k] > 0 ? static_cast<float>(counts[k * kCsdBins + b] / positions[k]) : 0.0f;
      }
      rows[k].columns = {static_cast<double>(labels[k])};
    }
    return rows;
  }
};

// ---------------------------------------------------------------------------------------------
// DCD

constexpr int kDcdLength = 100;
constexpr int kMaxDominantColours = 8;
constexpr int kValuesPerColour = 7;  // percentage, L, u, v, and the variance of each
constexpr int kLloydIterations = 30;
// Splitting stops when every cluster's mean squared distance to its centre is below this (Luv
// units squared; an RMS of 5 is near the just-noticeable difference), merging joins centres
// nearer than this: what the eye takes for one colour is one dominant colour.
constexpr double kSplitDistortion = 25;
constexpr double kMergeDistance = 15;
// Past this many distinct colours the clustering runs on their means within 32x32x32 RGB cells,
// which keeps it to a fraction of a second; cells are a few Luv units wide, below what the
// thresholds above resolve. The final partition is still of every distinct colour.
constexpr std::size_t kMaxClusteredColours = std::size_t{1} << 15;

struct WeightedColour {
  std::uint32_t rgb = 0;  // 0xRRGGBB
  cv::Vec3d luv;
  double count = 0;
};

// The distinct colours of packed 0xRRGGBB pixels with their counts, in CIE L*u*v* (D65).
std::vector<WeightedColour> DistinctColours(std::vector<std::uint32_t> packed) {
  std::sort(packed.begin(), packed.end());
  std::vector<WeightedColour> colours;
  std::vector<cv::Vec3f> values;
  for (std::size_t i = 0; i < packed.size();) {
    std::size_t j = i;
    while (j < packed.size() && packed[j] == packed[i]) ++j;
    const std::uint32_t c = packed[i];
    values.emplace_back(static_cast<float>(c >> 16) / 255, static_cast<float>((c >> 8) & 0xff) / 255,
                        static_cast<float>(c & 0xff) / 255);
    colours.push_back({c, {}, static_cast<double>(j - i)});
    i = j;
  }
  cv::Mat luv;
  cv::cvtColor(cv::Mat(values), luv, cv::COLOR_RGB2Luv);  // float input: sRGB gamma undone first
  for (std::size_t i = 0; i < colours.size(); ++i) colours[i].luv = luv.at<cv::Vec3f>(static_cast<int>(i));
  return colours;
}

std::vector<WeightedColour> ClusteringSet(const std::vector<WeightedColour>& distinct) {
  if (distinct.size() <= kMaxClusteredColours) return distinct;
  std::vector<WeightedColour> cells(1 << 15);
  for (const WeightedColour& c : distinct) {
    WeightedColour& cell = cells[((c.rgb >> 9) & 0x7c00) | ((c.rgb >> 6) & 0x3e0) | ((c.rgb >> 3) & 0x1f)];
    cell.luv += c.count * c.luv;
    cell.count += c.count;
  }
  std::vector<WeightedColour> kept;
  for (WeightedColour& cell : cells) {
    if (cell.count == 0) continue;
    cell.luv /= cell.count;
    kept.push_back(cell);
  }
  return kept;
}

// A cluster's weight and first and second moments: additive, so merging two is exact.
struct ClusterStats {
  double weight = 0;
  cv::Vec3d sum;
  cv::Matx33d outer;
  cv::Vec3d Mean() const { return sum / weight; }
  cv::Matx33d Covariance() const {
    const cv::Vec3d m = Mean();
    return outer * (1 / weight) - m * m.t();
  }
  double Distortion() const { return std::max(0.0, cv::trace(Covariance()) * weight); }
  void Add(const WeightedColour& c) {
    weight += c.count;
    sum += c.count * c.luv;
    outer += c.count * (c.luv * c.luv.t());
  }
  void Add(const ClusterStats& o) {
    weight += o.weight;
    sum += o.sum;
    outer += o.outer;
  }
};

int Nearest(const cv::Vec3d& x, const std::vector<cv::Vec3d>& centres) {
  int best = 0;
  double best_distance = HUGE_VAL;
  for (std::size_t k = 0; k < centres.size(); ++k) {
    const cv::Vec3d e = x - centres[k];
    const double d = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
    if (d < best_distance) best_distance = d, best = static_cast<int>(k);
  }
  return best;
}

// Generalised Lloyd iterations from `centres`. On return each centre is the mean of the cluster
// the returned statistics describe; clusters left empty are dropped.
std::vector<ClusterStats> Lloyd(const std::vector<WeightedColour>& colours, std::vector<cv::Vec3d>& centres) {
  std::vector<int> nearest(colours.size(), -1);
  std::vector<ClusterStats> kept;
  for (int iteration = 0; iteration < kLloydIterations; ++iteration) {
    bool changed = false;
    std::vector<ClusterStats> stats(centres.size());
    for (std::size_t i = 0; i < colours.size(); ++i) {
      const int k = Nearest(colours[i].luv, centres);
      changed |= k != nearest[i];
      nearest[i] = k;
      stats[k].Add(colours[i]);
    }
    kept.clear();
    std::vector<cv::Vec3d> means;
    for (const ClusterStats& s : stats) {
      if (s.weight == 0) continue;
      kept.push_back(s);
      means.push_back(s.Mean());
    }
    const bool dropped = means.size() != centres.size();
    centres = std::move(means);
    if (!changed && !dropped) break;
  }
  return kept;
}

// Two centres one standard deviation either side of the cluster's mean along its principal axis.
std::array<cv::Vec3d, 2> SplitCentres(const ClusterStats& cluster) {
  cv::Mat eigenvalues, eigenvectors;
  cv::eigen(cv::Mat(cluster.Covariance()), eigenvalues, eigenvectors);
  const double spread = std::sqrt(std::max(0.0, eigenvalues.at<double>(0)));
  const cv::Vec3d axis(eigenvectors.at<double>(0, 0), eigenvectors.at<double>(0, 1), eigenvectors.at<double>(0, 2));
  return {cluster.Mean() - spread * axis, cluster.Mean() + spread * axis};
}

void MergeCloseClusters(std::vector<ClusterStats>& clusters) {
  for (;;) {
    double closest = kMergeDistance;
    std::size_t a = 0, b = 0;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      for (std::size_t j = i + 1; j < clusters.size(); ++j) {
        const double d = cv::norm(clusters[i].Mean() - clusters[j].Mean());
        if (d < closest) closest = d, a = i, b = j;
      }
    }
    if (a == b) return;
    clusters[a].Add(clusters[b]);
    clusters.erase(clusters.begin() + static_cast<std::ptrdiff_t>(b));
  }
}

// The dominant colours' centres: the standard's generalised Lloyd algorithm with splitting from
// one cluster (which needs no random start), then merging of what ended too close.
std::vector<cv::Vec3d> DominantCentres(const std::vector<WeightedColour>& colours) {
  ClusterStats all;
  for (const WeightedColour& c : colours) all.Add(c);
  std::vector<cv::Vec3d> centres = {all.Mean()};
  std::vector<ClusterStats> clusters = Lloyd(colours, centres);
  while (static_cast<int>(clusters.size()) < kMaxDominantColours) {
    std::size_t worst = 0;
    for (std::size_t k = 1; k < clusters.size(); ++k) {
      if (clusters[k].Distortion() > clusters[worst].Distortion()) worst = k;
    }
    if (clusters[worst].Distortion() < kSplitDistortion * clusters[worst].weight) break;
    const auto halves = SplitCentres(clusters[worst]);
    centres[worst] = halves[0];
    centres.push_back(halves[1]);
    const std::size_t before = clusters.size();
    clusters = Lloyd(colours, centres);
    if (clusters.size() <= before) break;  // the split did not hold: more would repeat it
  }
  MergeCloseClusters(clusters);
  centres.clear();
  for (const ClusterStats& c : clusters) centres.push_back(c.Mean());
  return centres;
}

// Every colour to its nearest centre: the dominant colours, most frequent first.
std::vector<ClusterStats> Partition(const std::vector<WeightedColour>& colours, const std::vector<cv::Vec3d>& centres) {
  std::vector<ClusterStats> clusters(centres.size());
  for (const WeightedColour& c : colours) clusters[Nearest(c.luv, centres)].Add(c);
  std::erase_if(clusters, [](const ClusterStats& c) { return c.weight == 0; });
  std::stable_sort(clusters.begin(), clusters.end(),
                   [](const ClusterStats& x, const ClusterStats& y) { return x.weight > y.weight; });
  return clusters;
}

Row DominantColourRow(const std::vector<ClusterStats>& clusters) {
  double total = 0;
  for (const ClusterStats& c : clusters) total += c.weight;
  Row row;
  row.values.assign(kDcdLength, 0.0f);
  for (std::size_t k = 0; k < clusters.size() && k < kMaxDominantColours; ++k) {
    const cv::Vec3d mean = clusters[k].Mean();
    const cv::Matx33d covariance = clusters[k].Covariance();
    const double values[kValuesPerColour] = {clusters[k].weight / total,
                                             mean[0],
                                             mean[1],
                                             mean[2],
                                             std::max(0.0, covariance(0, 0)),
                                             std::max(0.0, covariance(1, 1)),
                                             std::max(0.0, covariance(2, 2))};
    for (int v = 0; v < kValuesPerColour; ++v) row.values[k * kValuesPerColour + v] = static_cast<float>(values[v]);
  }
  return row;
}

class Dcd final : public Descriptor {
 public:
  Dcd()
      : Descriptor({.name = "DCD",
                    .length = kDcdLength,
                    .description = "Dominant colours: up to 8 colours found by generalised Lloyd clustering with "
                                   "splitting in CIE L*u*v* (D65), close ones merged, every pixel in its nearest; "
                                   "most frequent first, each as 7 values (fraction of the pixels, L, u, v, and the "
                                   "variance of L, u and v within it); zeros after the last colour, unquantised",
                    .pixels = PixelKind::kColour,
                    .target = Target::kLabels,
                    .columns = {{"label", true}},
                    .reference = "MPEG-7 Dominant Color (ISO/IEC 15938-3; Manjunath et al., IEEE TCSVT 2001), as "
                                 "BisQue's MPEG7Flex DCD with variance (7 values a colour, padded to 100)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto labels = LabelsOf(input.mask);
    const std::vector<int> label_of = LabelIndexOfPixels(input, labels);
    const auto& v = input.pixels->values;
    std::vector<std::vector<std::uint32_t>> packed(labels.size());
    for (std::size_t i = 0; i < label_of.size(); ++i) {
      packed[label_of[i]].push_back(std::uint32_t{v[3 * i]} << 16 | std::uint32_t{v[3 * i + 1]} << 8 | v[3 * i + 2]);
    }
    std::vector<Row> rows;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      const std::vector<WeightedColour> colours = DistinctColours(std::move(packed[k]));
      rows.push_back(DominantColourRow(Partition(colours, DominantCentres(ClusteringSet(colours)))));
      rows.back().columns = {static_cast<double>(labels[k])};
    }
    return rows;
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeCld() { return std::make_unique<Cld>(); }
std::unique_ptr<Descriptor> MakeScd() { return std::make_unique<Scd>(); }
std::unique_ptr<Descriptor> MakeCsd() { return std::make_unique<Csd>(); }
std::unique_ptr<Descriptor> MakeDcd() { return std::make_unique<Dcd>(); }

}  // namespace vitrine::features
