// Properties of the MPEG-7 descriptors (EHD, CLD, SCD, CSD, DCD, HTD2) on synthetic images whose
// answers are known from the definitions: stripes, flat colours, halves, masks.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "features/descriptor.h"

namespace vitrine::features {
namespace {

struct Rgb {
  std::uint8_t r, g, b;
};
constexpr Rgb kRed{255, 0, 0};
constexpr Rgb kBlue{0, 0, 255};

imaging::DecodedPixels Grey(int width, int height, const std::function<double(int, int)>& value) {
  imaging::DecodedPixels p{.width = width, .height = height, .bands = 1};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      p.values.push_back(static_cast<std::uint8_t>(std::clamp(std::lround(value(x, y)), 0L, 255L)));
    }
  }
  return p;
}

imaging::DecodedPixels Colour(int width, int height, const std::function<Rgb(int, int)>& colour) {
  imaging::DecodedPixels p{.width = width, .height = height, .bands = 3};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const Rgb c = colour(x, y);
      p.values.insert(p.values.end(), {c.r, c.g, c.b});
    }
  }
  return p;
}

LabelMask Mask(int width, int height, const std::function<std::int32_t(int, int)>& label) {
  LabelMask m{.width = width, .height = height};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) m.labels.push_back(label(x, y));
  }
  return m;
}

// The rows of `name` for the pixels (and mask); a failed extraction fails the test.
std::vector<Row> Rows(const std::string& name, const imaging::DecodedPixels& pixels, const LabelMask* mask = nullptr) {
  const Descriptor* d = FindDescriptor(name);
  EXPECT_NE(d, nullptr) << name << " is not in the catalogue";
  if (d == nullptr) return {};
  auto rows = d->Extract({.pixels = &pixels, .mask = mask});
  EXPECT_TRUE(rows.ok()) << name << ": " << rows.status().message();
  if (!rows.ok()) return {};
  for (const Row& row : *rows) EXPECT_EQ(static_cast<int>(row.values.size()), d->info().length) << name;
  return *std::move(rows);
}

std::vector<float> Values(const std::string& name, const imaging::DecodedPixels& pixels) {
  auto rows = Rows(name, pixels);
  EXPECT_EQ(rows.size(), 1u) << name;
  return rows.empty() ? std::vector<float>{} : rows[0].values;
}

int NonZero(const std::vector<float>& v, double tolerance = 1e-6) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [&](float x) { return std::abs(x) > tolerance; }));
}

TEST(Mpeg7Descriptors, NamesLengthsAndInputsAreBisQues) {
  struct Expected {
    const char* name;
    int length;
    PixelKind pixels;
    Target target;
  };
  const Expected all[] = {
      {"EHD", 80, PixelKind::kGrey, Target::kImage},     {"CLD", 120, PixelKind::kColour, Target::kLabels},
      {"SCD", 256, PixelKind::kColour, Target::kImage},  {"CSD", 64, PixelKind::kColour, Target::kLabels},
      {"DCD", 100, PixelKind::kColour, Target::kLabels}, {"HTD2", 62, PixelKind::kGrey, Target::kImage}};
  for (const Expected& e : all) {
    const Descriptor* d = FindDescriptor(e.name);
    ASSERT_NE(d, nullptr) << e.name;
    EXPECT_EQ(d->info().length, e.length) << e.name;
    EXPECT_EQ(d->info().pixels, e.pixels) << e.name;
    EXPECT_EQ(d->info().target, e.target) << e.name;
    EXPECT_FALSE(d->info().description.empty()) << e.name;
    EXPECT_NE(d->info().reference.find("15938-3"), std::string::npos) << e.name;
    if (e.target == Target::kLabels) {
      ASSERT_EQ(d->info().columns.size(), 1u) << e.name;
      EXPECT_EQ(d->info().columns[0].name, "label");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// EHD: bins [sub-image * 5 + type], types vertical, horizontal, 45, 135, non-directional.

std::array<double, 5> EdgeTypeTotals(const std::vector<float>& ehd) {
  std::array<double, 5> totals{};
  for (std::size_t i = 0; i < ehd.size(); ++i) totals[i % 5] += ehd[i];
  return totals;
}

TEST(Ehd, VerticalStripesFillTheVerticalBins) {
  const auto ehd = Values("EHD", Grey(256, 256, [](int x, int) { return (x / 8) % 2 ? 0 : 255; }));
  const auto totals = EdgeTypeTotals(ehd);
  EXPECT_GT(totals[0], 4.0);  // over a quarter of the blocks in every sub-image, summed over 16
  EXPECT_EQ(totals[1], 0.0);
  EXPECT_EQ(totals[4], 0.0);
  for (int s = 0; s < 16; ++s) {
    for (int e = 1; e < 5; ++e) EXPECT_GT(ehd[s * 5], ehd[s * 5 + e]) << "sub-image " << s << " type " << e;
  }
}

TEST(Ehd, HorizontalStripesFillTheHorizontalBins) {
  const auto totals = EdgeTypeTotals(Values("EHD", Grey(256, 256, [](int, int y) { return (y / 8) % 2 ? 0 : 255; })));
  EXPECT_GT(totals[1], 4.0);
  EXPECT_EQ(totals[0], 0.0);
  EXPECT_GT(totals[1], totals[2] + totals[3] + totals[4]);
}

TEST(Ehd, DiagonalStripesFindTheirDiagonalOnly) {
  // Bands of constant x + y run from bottom-left to top-right: 45-degree edges. Blocks an edge
  // crosses off-centre see a corner, non-directional; none sees the other diagonal or an axis.
  const auto rising =
      EdgeTypeTotals(Values("EHD", Grey(256, 256, [](int x, int y) { return ((x + y) / 16) % 2 ? 0 : 255; })));
  EXPECT_GT(rising[2], 1.0);
  EXPECT_EQ(rising[3], 0.0);
  EXPECT_EQ(rising[0] + rising[1], 0.0);
  const auto falling =
      EdgeTypeTotals(Values("EHD", Grey(256, 256, [](int x, int y) { return ((x - y + 256) / 16) % 2 ? 0 : 255; })));
  EXPECT_GT(falling[3], 1.0);
  EXPECT_EQ(falling[2], 0.0);
  EXPECT_EQ(falling[0] + falling[1], 0.0);
}

TEST(Ehd, FlatAndFaintImagesHaveNoEdges) {
  EXPECT_EQ(NonZero(Values("EHD", Grey(200, 150, [](int, int) { return 90; }))), 0);
  // 200x150 has 4-pixel blocks; a step at x = 102 splits the blocks at 100 between their halves.
  // A step of 5 grey levels gives a vertical response of 10, under the threshold of 11; 6 gives 12.
  EXPECT_EQ(NonZero(Values("EHD", Grey(200, 150, [](int x, int) { return x < 102 ? 90 : 95; }))), 0);
  const auto step = Values("EHD", Grey(200, 150, [](int x, int) { return x < 102 ? 90 : 96; }));
  EXPECT_EQ(NonZero(step), 4);               // the vertical bins of the four sub-images in that column
  EXPECT_NEAR(step[2 * 5], 1.0 / 12, 1e-6);  // one block column of the 12 in sub-image 2
}

TEST(Ehd, BinsAreFractionsOfEachSubImagesBlocks) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> level(0, 255);
  const auto ehd = Values("EHD", Grey(300, 200, [&](int, int) { return level(random); }));
  for (int s = 0; s < 16; ++s) {
    double sum = 0;
    for (int e = 0; e < 5; ++e) {
      EXPECT_GE(ehd[s * 5 + e], 0.0f);
      sum += ehd[s * 5 + e];
    }
    EXPECT_LE(sum, 1.0 + 1e-6);
    EXPECT_GT(sum, 0.5) << "noise has edges in most blocks";
  }
}

TEST(Ehd, RefusesColourAndMasks) {
  const Descriptor* ehd = FindDescriptor("EHD");
  ASSERT_NE(ehd, nullptr);
  const auto colour = Colour(32, 32, [](int, int) { return kRed; });
  EXPECT_EQ(ehd->Extract({.pixels = &colour}).status().code(), ErrorCode::kUnsupported);
  const auto grey = Grey(32, 32, [](int, int) { return 0; });
  const auto mask = Mask(32, 32, [](int, int) { return 1; });
  EXPECT_EQ(ehd->Extract({.pixels = &grey, .mask = &mask}).status().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// CLD: 64 Y, then 28 Cb, then 28 Cr coefficients, zig-zag, orthonormal DCT (DC = 8 x mean).

constexpr int kCb = 64, kCr = 92;

TEST(Cld, FlatColourHasOnlyDcCoefficients) {
  const auto cld = Values("CLD", Colour(64, 48, [](int, int) { return Rgb{200, 100, 50}; }));
  ASSERT_EQ(cld.size(), 120u);
  EXPECT_NEAR(cld[0], 8 * (0.299 * 200 + 0.587 * 100 + 0.114 * 50), 1e-3);
  EXPECT_NEAR(cld[kCb], 8 * (128 - 0.168736 * 200 - 0.331264 * 100 + 0.5 * 50), 1e-3);
  EXPECT_NEAR(cld[kCr], 8 * (128 + 0.5 * 200 - 0.418688 * 100 - 0.081312 * 50), 1e-3);
  EXPECT_EQ(NonZero(cld, 1e-3), 3);
}

TEST(Cld, LeftRightSplitIsAHorizontalFrequency) {
  // Zig-zag 1 is row 0, column 1 (horizontal variation); zig-zag 2 is row 1, column 0.
  const auto cld = Values("CLD", Colour(64, 64, [](int x, int) { return x < 32 ? Rgb{255, 255, 255} : Rgb{0, 0, 0}; }));
  EXPECT_GT(std::abs(cld[1]), 100.0f);
  EXPECT_NEAR(cld[2], 0.0f, 1e-3);
  EXPECT_NEAR(cld[kCb + 1], 0.0f, 1e-3);  // grey: no chroma variation
  const auto transposed = Values("CLD", Colour(64, 64, [](int, int y) {
                                   return y < 32 ? Rgb{255, 255, 255} : Rgb{0, 0, 0};
                                 }));
  EXPECT_NEAR(transposed[1], 0.0f, 1e-3);
  EXPECT_NEAR(std::abs(transposed[2]), std::abs(cld[1]), 1e-3);
}

TEST(Cld, OneRowPerLabelEachFromItsOwnPixels) {
  const auto pixels = Colour(40, 40, [](int x, int) { return x < 10 ? kRed : kBlue; });
  const auto mask = Mask(40, 40, [](int x, int) { return x < 10 ? 0 : 5; });
  const auto rows = Rows("CLD", pixels, &mask);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].columns, std::vector<double>{0});
  EXPECT_EQ(rows[1].columns, std::vector<double>{5});
  // Each label is one flat colour; the cells it does not reach take that colour, adding no edge.
  EXPECT_NEAR(rows[0].values[0], 8 * 0.299 * 255, 1e-3);
  EXPECT_NEAR(rows[1].values[0], 8 * 0.114 * 255, 1e-3);
  for (const Row& row : rows) EXPECT_EQ(NonZero(row.values, 1e-3), 3);
}

TEST(Cld, ImagesSmallerThanTheGridWork) {
  const auto cld = Values("CLD", Colour(3, 2, [](int, int) { return Rgb{10, 20, 30}; }));
  EXPECT_EQ(NonZero(cld, 1e-3), 3);
}

// ---------------------------------------------------------------------------------------------
// SCD: the Haar transform of the [16 hue][4 saturation][4 value] histogram, as documented.

// The documented layout undone: the total, then each stage's differences coarsest first; the
// forward stages halved hue, saturation, value, hue, saturation, value, hue, hue.
std::vector<double> InverseHaar(const std::vector<float>& c) {
  const int axes[8] = {0, 1, 2, 0, 1, 2, 0, 0};
  int dims[8][3];  // the grid before each forward stage
  int d[3] = {16, 4, 4};
  for (int stage = 0; stage < 8; ++stage) {
    std::copy(d, d + 3, dims[stage]);
    d[axes[stage]] /= 2;
  }
  std::vector<double> bins = {c[0]};
  std::size_t next = 1;
  for (int stage = 7; stage >= 0; --stage) {
    const int* fine = dims[stage];
    int coarse[3] = {fine[0], fine[1], fine[2]};
    coarse[axes[stage]] /= 2;
    std::vector<double> out(static_cast<std::size_t>(fine[0]) * fine[1] * fine[2]);
    const int stride[3] = {fine[1] * fine[2], fine[2], 1};
    std::size_t k = 0;
    for (int h = 0; h < coarse[0]; ++h) {
      for (int s = 0; s < coarse[1]; ++s) {
        for (int v = 0; v < coarse[2]; ++v, ++k) {
          int pos[3] = {h, s, v};
          pos[axes[stage]] *= 2;
          const int first = pos[0] * stride[0] + pos[1] * stride[1] + pos[2] * stride[2];
          const double sum = bins[k], difference = c[next + k];
          out[first] = (sum + difference) / 2;
          out[first + stride[axes[stage]]] = (sum - difference) / 2;
        }
      }
    }
    next += k;
    bins = std::move(out);
  }
  return bins;
}

int HsvBin(int hue, int saturation, int value) { return (hue * 4 + saturation) * 4 + value; }

TEST(Scd, SingleColourIsOneBinAndNineUnitCoefficients) {
  const auto scd = Values("SCD", Colour(32, 32, [](int, int) { return kRed; }));
  EXPECT_FLOAT_EQ(scd[0], 1.0f);  // the normalised histogram's total
  EXPECT_EQ(NonZero(scd), 9);     // the total and one difference a stage
  for (float c : scd) EXPECT_TRUE(c == 0 || std::abs(c) == 1.0f) << c;
  const auto bins = InverseHaar(scd);
  EXPECT_NEAR(bins[HsvBin(0, 3, 3)], 1.0, 1e-6);  // hue 0, full saturation, full value
}

TEST(Scd, HistogramComesBackFromTheCoefficients) {
  // Half red, a quarter blue (hue 240: sector 10), a quarter mid grey (hue 0, saturation 0).
  const auto scd = Values("SCD", Colour(40, 40, [](int x, int y) {
                            return x < 20 ? kRed : y < 20 ? kBlue : Rgb{128, 128, 128};
                          }));
  const auto bins = InverseHaar(scd);
  EXPECT_NEAR(bins[HsvBin(0, 3, 3)], 0.5, 1e-6);
  EXPECT_NEAR(bins[HsvBin(10, 3, 3)], 0.25, 1e-6);
  EXPECT_NEAR(bins[HsvBin(0, 0, 2)], 0.25, 1e-6);
  double total = 0;
  for (double b : bins) total += std::abs(b);
  EXPECT_NEAR(total, 1.0, 1e-6);
}

TEST(Scd, SixteenCoefficientsAreTheCoarseHistogram) {
  // Two colours in different 4x2x2 cells differ within the first 16 coefficients; two in the
  // same coarse cell (hues 0 and 30 degrees: sectors 0 and 1 of 16, sector 0 of 4) agree there
  // and differ later.
  const auto red = Values("SCD", Colour(16, 16, [](int, int) { return kRed; }));
  const auto orange = Values("SCD", Colour(16, 16, [](int, int) { return Rgb{255, 128, 0}; }));
  const auto blue = Values("SCD", Colour(16, 16, [](int, int) { return kBlue; }));
  const auto differ = [](const std::vector<float>& a, const std::vector<float>& b, int from, int to) {
    for (int i = from; i < to; ++i) {
      if (a[i] != b[i]) return true;
    }
    return false;
  };
  EXPECT_TRUE(differ(red, blue, 0, 16));
  EXPECT_FALSE(differ(red, orange, 0, 16));
  EXPECT_TRUE(differ(red, orange, 16, 256));
}

// ---------------------------------------------------------------------------------------------
// CSD: 64 HMMD bins; saturated red is bin 56 (Diff >= 110, hue sector 0 of 8), blue bin 61.

constexpr int kCsdRed = 56, kCsdBlue = 61;

TEST(Csd, TwoColourHalvesHaveTwoBins) {
  const auto csd = Values("CSD", Colour(64, 64, [](int x, int) { return x < 32 ? kRed : kBlue; }));
  EXPECT_EQ(NonZero(csd), 2);
  // 57 element positions across; red is in those starting at 0..31, blue in 25..56.
  EXPECT_NEAR(csd[kCsdRed], 32.0 / 57, 1e-6);
  EXPECT_NEAR(csd[kCsdBlue], 32.0 / 57, 1e-6);
}

TEST(Csd, ScatteredColoursScoreHigherThanTheSameAmountsInBlocks) {
  const auto scattered = Values("CSD", Colour(64, 64, [](int x, int y) { return (x + y) % 2 ? kRed : kBlue; }));
  EXPECT_FLOAT_EQ(scattered[kCsdRed], 1.0f);
  EXPECT_FLOAT_EQ(scattered[kCsdBlue], 1.0f);
  EXPECT_EQ(NonZero(scattered), 2);
}

TEST(Csd, GreyLevelsFallInTheLowDiffSubspace) {
  const auto csd = Values("CSD", Colour(16, 16, [](int, int) { return Rgb{128, 128, 128}; }));
  EXPECT_FLOAT_EQ(csd[4], 1.0f);  // Diff 0: 8 Sum levels, 128 is level 4
  EXPECT_EQ(NonZero(csd), 1);
}

TEST(Csd, LargeImagesAreSubsampledToKeepTheScale) {
  // 1024x1024 is sampled every 4 pixels: stripes 32 wide there look as stripes 8 wide at 256.
  const auto small = Values("CSD", Colour(256, 256, [](int x, int) { return (x / 8) % 2 ? kRed : kBlue; }));
  const auto large = Values("CSD", Colour(1024, 1024, [](int x, int) { return (x / 32) % 2 ? kRed : kBlue; }));
  EXPECT_NEAR(large[kCsdRed], small[kCsdRed], 1e-6);
  EXPECT_NEAR(large[kCsdBlue], small[kCsdBlue], 1e-6);
  // Of 249 element positions across, only the 16 starting on a blue stripe miss red.
  EXPECT_NEAR(small[kCsdRed], 233.0 / 249, 1e-6);
}

TEST(Csd, EachLabelCountsOnlyItsOwnColours) {
  const auto pixels = Colour(64, 64, [](int x, int) { return x < 32 ? kRed : kBlue; });
  const auto mask = Mask(64, 64, [](int x, int) { return x < 32 ? 1 : 2; });
  const auto rows = Rows("CSD", pixels, &mask);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].columns, std::vector<double>{1});
  EXPECT_FLOAT_EQ(rows[0].values[kCsdRed], 1.0f);
  EXPECT_EQ(NonZero(rows[0].values), 1);
  EXPECT_EQ(rows[1].columns, std::vector<double>{2});
  EXPECT_FLOAT_EQ(rows[1].values[kCsdBlue], 1.0f);
  EXPECT_EQ(NonZero(rows[1].values), 1);
}

TEST(Csd, LabelPositionsAreThoseWhoseElementCentreHasTheLabel) {
  // Label 2 is x >= 32: blue in 32..35, green after. Its positions are those whose element's
  // pixel (4, 4) is in it, x0 = 28..56 across (29); blue is in those up to x0 = 35 (8), green in
  // those from x0 = 29 (28). Green (hue 120, sector 2 of 8 at Diff >= 110) is bin 58.
  const auto pixels = Colour(64, 64, [](int x, int) { return x < 32 ? kRed : x < 36 ? kBlue : Rgb{0, 255, 0}; });
  const auto mask = Mask(64, 64, [](int x, int) { return x < 32 ? 1 : 2; });
  const auto rows = Rows("CSD", pixels, &mask);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[1].values[kCsdBlue], 8.0 / 29, 1e-6);
  EXPECT_NEAR(rows[1].values[58], 28.0 / 29, 1e-6);
  EXPECT_EQ(NonZero(rows[1].values), 2);
}

// ---------------------------------------------------------------------------------------------
// DCD: 8 slots of (fraction, L, u, v, var L, var u, var v), most frequent first, zero-padded.

// CIE L*u*v* (D65) of sRGB red and blue.
constexpr double kRedL = 53.24, kRedU = 175.0, kBlueL = 32.30, kBlueV = -130.3;

TEST(Dcd, TwoColoursWithTheirAreas) {
  const auto dcd = Values("DCD", Colour(40, 40, [](int, int y) { return y < 30 ? kRed : kBlue; }));
  EXPECT_NEAR(dcd[0], 0.75, 1e-6);
  EXPECT_NEAR(dcd[1], kRedL, 0.1);
  EXPECT_NEAR(dcd[2], kRedU, 0.5);
  EXPECT_NEAR(dcd[7], 0.25, 1e-6);
  EXPECT_NEAR(dcd[8], kBlueL, 0.1);
  EXPECT_NEAR(dcd[10], kBlueV, 0.5);
  for (int v : {4, 5, 6, 11, 12, 13}) EXPECT_NEAR(dcd[v], 0.0, 1e-3) << "flat colours have no variance";
  for (int i = 14; i < 100; ++i) EXPECT_EQ(dcd[i], 0.0f) << i;
}

TEST(Dcd, SlightNoiseIsOneColourWithItsVariance) {
  std::mt19937 random(3);
  std::uniform_int_distribution<int> noise(-2, 2);
  const auto dcd = Values("DCD", Colour(50, 50, [&](int, int) {
                            return Rgb{static_cast<std::uint8_t>(120 + noise(random)), 140, 160};
                          }));
  EXPECT_FLOAT_EQ(dcd[0], 1.0f);
  EXPECT_GT(dcd[4] + dcd[5] + dcd[6], 0.0f);
  EXPECT_EQ(dcd[7], 0.0f);
}

TEST(Dcd, ColoursCloserThanTheMergeDistanceAreOne) {
  // Greys 100 and 130 are 12 apart in L*: split (mean squared distance 36 > 25), then merged
  // (12 < 15). Greys 100 and 150, 19.7 apart, stay two.
  const auto close = Values("DCD", Colour(20, 20, [](int x, int) {
                              return x < 10 ? Rgb{100, 100, 100} : Rgb{130, 130, 130};
                            }));
  EXPECT_FLOAT_EQ(close[0], 1.0f);
  EXPECT_NEAR(close[1], (42.37 + 54.37) / 2, 0.05);
  EXPECT_NEAR(close[4], 36.0, 0.5);  // the variance of L* within the one colour
  EXPECT_EQ(close[7], 0.0f);
  const auto apart = Values("DCD", Colour(20, 20, [](int x, int) {
                              return x < 10 ? Rgb{100, 100, 100} : Rgb{150, 150, 150};
                            }));
  EXPECT_NEAR(apart[0], 0.5, 1e-6);
  EXPECT_NEAR(apart[7], 0.5, 1e-6);
}

TEST(Dcd, ManyColoursAreAtMostEightSummingToOne) {
  // 65,536 distinct colours: past 32,768 the clustering runs on RGB cells' means.
  const auto dcd = Values("DCD", Colour(256, 256, [](int x, int y) {
                            return Rgb{static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(y), 128};
                          }));
  double total = 0;
  int colours = 0;
  for (int k = 0; k < 8; ++k) {
    total += dcd[k * 7];
    colours += dcd[k * 7] > 0;
    if (k > 0) {
      EXPECT_LE(dcd[k * 7], dcd[(k - 1) * 7]) << "most frequent first";
    }
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
  EXPECT_GT(colours, 2);
  for (int i = 56; i < 100; ++i) EXPECT_EQ(dcd[i], 0.0f);
}

TEST(Dcd, IsDeterministic) {
  std::mt19937 random(11);
  std::uniform_int_distribution<int> level(0, 255);
  const auto pixels = Colour(60, 60, [&](int, int) {
    return Rgb{static_cast<std::uint8_t>(level(random)), static_cast<std::uint8_t>(level(random)),
               static_cast<std::uint8_t>(level(random))};
  });
  EXPECT_EQ(Values("DCD", pixels), Values("DCD", pixels));
}

TEST(Dcd, EachLabelHasItsOwnColours) {
  const auto pixels = Colour(30, 30, [](int x, int y) { return x < 10 ? kRed : y < 15 ? kBlue : Rgb{0, 255, 0}; });
  const auto mask = Mask(30, 30, [](int x, int) { return x < 10 ? 0 : 3; });
  const auto rows = Rows("DCD", pixels, &mask);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].columns, std::vector<double>{0});
  EXPECT_FLOAT_EQ(rows[0].values[0], 1.0f);
  EXPECT_NEAR(rows[0].values[1], kRedL, 0.1);
  EXPECT_EQ(rows[1].columns, std::vector<double>{3});
  EXPECT_NEAR(rows[1].values[0], 0.5, 1e-6);
  EXPECT_NEAR(rows[1].values[7], 0.5, 1e-6);
  EXPECT_EQ(rows[1].values[14], 0.0f);
}

// ---------------------------------------------------------------------------------------------
// HTD2: [0] mean, [1] deviation, [2 + 6s + r] energy, [32 + 6s + r] deviation; s = 0 the highest
// octave, r = 0 the horizontal frequency axis (vertical stripes), r = 3 the vertical axis.

double AngularEnergy(const std::vector<float>& htd, int r) {
  double e = 0;
  for (int s = 0; s < 5; ++s) e += htd[2 + 6 * s + r];
  return e;
}

imaging::DecodedPixels Sinusoid(int width, int height, double period, bool vertical_stripes) {
  return Grey(width, height, [=](int x, int y) {
    return 128 + 100 * std::sin(2 * std::numbers::pi * (vertical_stripes ? x : y) / period);
  });
}

TEST(Htd2, StripesLoadTheChannelOfTheirOrientation) {
  const auto vertical = Values("HTD2", Sinusoid(128, 128, 8, true));
  const auto horizontal = Values("HTD2", Sinusoid(128, 128, 8, false));
  EXPECT_GT(AngularEnergy(vertical, 0), AngularEnergy(vertical, 3) + 5);
  EXPECT_GT(AngularEnergy(horizontal, 3), AngularEnergy(horizontal, 0) + 5);
  EXPECT_NEAR(vertical[0], 128, 0.5);
  EXPECT_NEAR(vertical[1], 100 / std::numbers::sqrt2, 1);
}

TEST(Htd2, AnglesRunFromTheXAxisTowardsTheRows) {
  // Intensity varying along 30 degrees below the x axis (x right, y down): channel r = 1, not 5.
  const double c = std::cos(std::numbers::pi / 6), s = std::sin(std::numbers::pi / 6);
  const auto htd = Values("HTD2", Grey(128, 128, [=](int x, int y) {
                            return 128 + 100 * std::sin(2 * std::numbers::pi * (c * x + s * y) / 8);
                          }));
  EXPECT_GT(AngularEnergy(htd, 1), AngularEnergy(htd, 5) + 5);
  EXPECT_GT(AngularEnergy(htd, 1), AngularEnergy(htd, 0));
}

TEST(Htd2, FinerStripesLoadAHigherOctave) {
  const auto strongest_octave = [](const std::vector<float>& htd) {
    int best = 0;
    for (int s = 1; s < 5; ++s) {
      if (htd[2 + 6 * s] > htd[2 + 6 * best]) best = s;
    }
    return best;
  };
  EXPECT_EQ(strongest_octave(Values("HTD2", Sinusoid(128, 128, 3, true))), 0);  // 0.67 of Nyquist
  EXPECT_GE(strongest_octave(Values("HTD2", Sinusoid(128, 128, 16, true))), 2);
}

TEST(Htd2, FlatImageHasNoEnergy) {
  const auto htd = Values("HTD2", Grey(130, 140, [](int, int) { return 77; }));
  EXPECT_FLOAT_EQ(htd[0], 77.0f);
  EXPECT_FLOAT_EQ(htd[1], 0.0f);
  EXPECT_EQ(NonZero(htd, 1e-4), 1);
}

TEST(Htd2, ReadsOnlyTheTopLeftWindow) {
  std::mt19937 random(5);
  std::uniform_int_distribution<int> level(0, 255);
  const auto stripes = Sinusoid(128, 128, 8, true);
  const auto larger = Grey(300, 200, [&](int x, int y) {
    const int noise = level(random);
    return x < 128 && y < 128 ? stripes.values[y * 128 + x] : noise;
  });
  EXPECT_EQ(Values("HTD2", larger), Values("HTD2", stripes));
}

TEST(Htd2, RefusesImagesSmallerThan128) {
  const Descriptor* htd = FindDescriptor("HTD2");
  ASSERT_NE(htd, nullptr);
  for (auto [w, h] : {std::pair{127, 300}, std::pair{300, 127}}) {
    const auto small = Grey(w, h, [](int x, int) { return x; });
    const auto result = htd->Extract({.pixels = &small});
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << w << "x" << h;
    EXPECT_EQ(result.status().message(), "HTD2 needs at least 128x128 pixels");
  }
}

}  // namespace
}  // namespace vitrine::features
