// Color_Histogram on colours whose names are known: each of the 19 named colours fills its own
// bin, rows are shares of the pixels, each mask label counts its own pixels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "features/descriptor.h"

namespace vitrine::features {
namespace {

imaging::DecodedPixels Flat(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  imaging::DecodedPixels p{.width = width, .height = height, .bands = 3};
  for (int i = 0; i < width * height; ++i) p.values.insert(p.values.end(), {r, g, b});
  return p;
}

std::vector<Row> Histogram(const imaging::DecodedPixels& pixels, const LabelMask* mask = nullptr) {
  const Descriptor* d = FindDescriptor("Color_Histogram");
  EXPECT_NE(d, nullptr);
  if (d == nullptr) return {};
  auto rows = d->Extract({.pixels = &pixels, .mask = mask});
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : std::vector<Row>{};
}

TEST(ColourHistogram, IsWndCharmsNameAndLength) {
  const Descriptor* d = FindDescriptor("Color_Histogram");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->info().length, 20);
  EXPECT_EQ(d->info().pixels, PixelKind::kColour);
}

TEST(ColourHistogram, EachNamedColourFillsItsOwnBin) {
  struct Case {
    const char* name;
    std::uint8_t r, g, b;
    int bin;
  };
  const Case cases[] = {
      {"white", 255, 255, 255, 1},
      {"light grey", 190, 190, 190, 2},
      {"dark grey", 100, 100, 100, 3},
      {"black", 0, 0, 0, 4},
      {"red", 255, 0, 0, 5},
      {"pink", 255, 150, 150, 6},
      {"dark brown", 80, 40, 0, 7},
      {"light brown", 160, 80, 0, 8},
      {"dark orange", 255, 128, 0, 9},
      {"light orange", 255, 180, 0, 10},
      {"yellow", 255, 255, 0, 11},
      {"olive", 128, 128, 0, 12},
      {"light green", 0, 255, 0, 13},
      {"dark green", 0, 100, 0, 14},
      {"teal", 0, 128, 128, 15},
      {"aqua", 0, 255, 255, 16},
      {"blue", 0, 0, 255, 17},
      {"dark fuchsia", 128, 0, 128, 18},
      {"light fuchsia", 255, 0, 255, 19},
  };
  for (const Case& c : cases) {
    const auto rows = Histogram(Flat(8, 6, c.r, c.g, c.b));
    ASSERT_EQ(rows.size(), 1u) << c.name;
    for (int bin = 0; bin < 20; ++bin) {
      EXPECT_FLOAT_EQ(rows[0].values[bin], bin == c.bin ? 1.0f : 0.0f) << c.name << " bin " << bin;
    }
  }
}

TEST(ColourHistogram, RowsAreSharesOfThePixelsAndBinZeroIsUnused) {
  imaging::DecodedPixels p{.width = 97, .height = 61, .bands = 3};
  std::mt19937 random(11);
  p.values.resize(97 * 61 * 3);
  for (auto& v : p.values) v = static_cast<std::uint8_t>(random() % 256);
  const auto rows = Histogram(p);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(std::accumulate(rows[0].values.begin(), rows[0].values.end(), 0.0), 1.0, 1e-5);
  EXPECT_EQ(rows[0].values[0], 0.0f);
  int used = 0;
  for (float v : rows[0].values) used += v > 0;
  EXPECT_GE(used, 15);  // uniform noise reaches most names

  // A quarter red, three quarters blue.
  imaging::DecodedPixels halves{.width = 40, .height = 10, .bands = 3};
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 40; ++x) {
      if (x < 10) {
        halves.values.insert(halves.values.end(), {255, 0, 0});
      } else {
        halves.values.insert(halves.values.end(), {0, 0, 255});
      }
    }
  }
  const auto split = Histogram(halves);
  ASSERT_EQ(split.size(), 1u);
  EXPECT_FLOAT_EQ(split[0].values[5], 0.25f);
  EXPECT_FLOAT_EQ(split[0].values[17], 0.75f);
}

TEST(ColourHistogram, EachLabelCountsOnlyItsOwnPixels) {
  imaging::DecodedPixels p{.width = 30, .height = 20, .bands = 3};
  LabelMask mask{.width = 30, .height = 20};
  for (int y = 0; y < 20; ++y) {
    for (int x = 0; x < 30; ++x) {
      const bool left = x < 10;
      const bool top = y < 10;
      // Label 7 on the left: red above, white below. Label 3 on the right: yellow.
      mask.labels.push_back(left ? 7 : 3);
      if (left && top) {
        p.values.insert(p.values.end(), {255, 0, 0});
      } else if (left) {
        p.values.insert(p.values.end(), {255, 255, 255});
      } else {
        p.values.insert(p.values.end(), {255, 255, 0});
      }
    }
  }
  const auto rows = Histogram(p, &mask);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].columns[0], 3.0);
  EXPECT_FLOAT_EQ(rows[0].values[11], 1.0f);
  EXPECT_EQ(rows[1].columns[0], 7.0);
  EXPECT_FLOAT_EQ(rows[1].values[5], 0.5f);
  EXPECT_FLOAT_EQ(rows[1].values[1], 0.5f);
}

// Colours are remembered by RGB as pixels come: with far more colours than the memory holds,
// the counts must not depend on which came first (a remembered colour mistaken for another
// would), and each patch's colour must keep its own bin however many others are seen first.
TEST(ColourHistogram, CountsDoNotDependOnTheOrderOfThePixels) {
  imaging::DecodedPixels noise{.width = 700, .height = 500, .bands = 3};
  std::mt19937 random(7);
  noise.values.resize(std::size_t{700} * 500 * 3);
  for (auto& v : noise.values) v = static_cast<std::uint8_t>(random() % 256);
  imaging::DecodedPixels reversed = noise;
  for (std::size_t i = 0, n = reversed.values.size() / 3; i < n / 2; ++i) {
    std::swap_ranges(&reversed.values[3 * i], &reversed.values[3 * i + 3], &reversed.values[3 * (n - 1 - i)]);
  }
  const std::vector<Row> forward = Histogram(noise), backward = Histogram(reversed);
  ASSERT_EQ(forward.size(), 1u);
  ASSERT_EQ(backward.size(), 1u);
  EXPECT_EQ(forward[0].values, backward[0].values);
  int used = 0;
  for (float share : forward[0].values) used += share > 0;
  EXPECT_GE(used, 15) << "noise holds most named colours";

  // The same noise, then a block of pure red last: red's share is exactly the block's.
  imaging::DecodedPixels with_red = noise;
  for (std::size_t i = with_red.values.size() - 3 * 35000; i < with_red.values.size(); i += 3) {
    with_red.values[i] = 255, with_red.values[i + 1] = 0, with_red.values[i + 2] = 0;
  }
  const std::vector<Row> tail = Histogram(with_red), block = Histogram(Flat(350, 100, 255, 0, 0));
  ASSERT_EQ(tail.size(), 1u);
  ASSERT_EQ(block.size(), 1u);
  EXPECT_EQ(block[0].values[5], 1.0f);
  imaging::DecodedPixels head{.width = 700, .height = 450, .bands = 3};
  head.values.assign(noise.values.begin(), noise.values.end() - 3 * 35000);
  const std::vector<Row> rest = Histogram(head);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_NEAR(tail[0].values[5], (rest[0].values[5] * 315000 + 35000) / 350000, 1e-6);
}

TEST(ColourHistogram, GreyPixelsAreRefused) {
  imaging::DecodedPixels grey{.width = 8, .height = 8, .bands = 1};
  grey.values.assign(64, 128);
  auto rows = FindDescriptor("Color_Histogram")->Extract({.pixels = &grey});
  EXPECT_EQ(rows.status().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace vitrine::features
