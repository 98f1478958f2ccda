// Color_Histogram: WND-CHARM's 20-bin histogram of named colours (docs/features.md). Each pixel
// gets one of 19 colour names by fuzzy inference over its hue, saturation and value; the row is
// the share of the pixels (of a label) of each name. The membership functions are WND-CHARM's;
// the rules that name a colour from them are our own, written down in ColourOfSets below.
#include <algorithm>
#include <array>
#include <cstdint>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// The colour names in WND-CHARM's order: bin c of the row is colour c; bin 0 is never used.
enum Colour : std::uint8_t {
  kWhite = 1,
  kLightGrey,
  kDarkGrey,
  kBlack,
  kRed,
  kPink,
  kDarkBrown,
  kLightBrown,
  kDarkOrange,
  kLightOrange,
  kYellow,
  kOlive,
  kLightGreen,
  kDarkGreen,
  kTeal,
  kAqua,
  kBlue,
  kDarkFuchsia,
  kLightFuchsia,
};
constexpr int kBins = 20;

// A trapezoid over 0..240: 0 outside (start, end), 1 on [top_from, top_to], linear between.
struct Trapezoid {
  double start, top_from, top_to, end;
  double At(double x) const {
    if (x < start || x > end) return 0;
    if (x >= top_from && x <= top_to) return 1;
    if (x < top_from) return (x - start) / (top_from - start);
    return (end - x) / (end - top_to);
  }
};

// Hue sets (0..240 is the colour circle). Red is both ends of the circle.
enum HueSet {
  kHueRed,
  kHueDarkOrange,
  kHueLightOrange,
  kHueYellow,
  kHueLightGreen,
  kHueDarkGreen,
  kHueAqua,
  kHueBlue,
  kHueDarkFuchsia,
  kHueLightFuchsia,
  kHueSets
};
constexpr Trapezoid kHue[] = {{0, 0, 0, 11},        {0, 17, 17, 27},     {20, 27, 27, 37},    {27, 39, 39, 47},
                              {40, 50, 50, 80},     {50, 80, 80, 120},   {80, 120, 120, 160}, {120, 160, 160, 200},
                              {160, 200, 200, 220}, {200, 220, 220, 230}};
constexpr Trapezoid kHueRedHigh{220, 240, 240, 240.1};

enum SaturationSet { kGrey, kAlmostGrey, kTendGrey, kMediumGrey, kTendClear, kClear, kSaturationSets };
constexpr Trapezoid kSaturation[] = {{-0.1, 0, 0, 40},    {10, 30, 30, 70},     {30, 70, 70, 120},
                                     {60, 120, 120, 180}, {120, 180, 180, 240}, {180, 240, 240, 240.1}};

enum ValueSet { kDark, kAlmostDark, kTendDark, kTendLight, kLight, kValueSets };
constexpr Trapezoid kValue[] = {
    {-0.1, 0, 0, 60}, {0, 60, 60, 120}, {60, 120, 120, 180}, {120, 180, 180, 240}, {200, 240, 240, 240.1}};

// The colour a (hue, saturation, value) combination of sets names.
constexpr Colour ColourOfSets(int hue, int saturation, int value) {
  if (value == kDark) return kBlack;
  if (saturation <= kAlmostGrey) {
    return value == kLight ? kWhite : value == kTendLight ? kLightGrey : kDarkGrey;
  }
  const bool vivid = saturation >= kTendClear;
  const bool deep = value <= kTendDark;  // almost dark or tending to dark
  switch (hue) {
    case kHueRed:
      if (value == kAlmostDark) return kDarkBrown;
      return vivid ? kRed : kPink;
    case kHueDarkOrange:
    case kHueLightOrange:
      if (value == kAlmostDark) return kDarkBrown;
      if (value != kLight) return kLightBrown;
      return hue == kHueDarkOrange ? kDarkOrange : kLightOrange;
    case kHueYellow:
      return value == kLight ? kYellow : kOlive;
    case kHueLightGreen:
    case kHueDarkGreen:
      return deep ? kDarkGreen : kLightGreen;
    case kHueAqua:
      return deep ? kTeal : kAqua;
    case kHueBlue:
      return kBlue;
    case kHueDarkFuchsia:
      return deep ? kDarkFuchsia : kLightFuchsia;
    default:
      return kLightFuchsia;
  }
}

// WND-CHARM's HSV: each of hue, saturation and value on 0..240, truncated to whole numbers.
struct Hsv {
  int h, s, v;
};
Hsv HsvOf(std::uint8_t red, std::uint8_t green, std::uint8_t blue) {
  const double r = red / 255.0, g = green / 255.0, b = blue / 255.0;
  const double max = std::max({r, g, b}), min = std::min({r, g, b}), delta = max - min;
  Hsv out{0, max > 0 ? static_cast<int>(delta / max * 240.0) : 0, static_cast<int>(max * 240.0)};
  if (out.s == 0) return out;
  double h = r == max ? (g - b) / delta : g == max ? 2 + (b - r) / delta : 4 + (r - g) / delta;
  h *= 60.0;
  if (h < 0) h += 360.0;
  out.h = static_cast<int>(h * (240.0 / 360.0));
  return out;
}

// The sets a coordinate (0..240) belongs to, with their memberships: at most four overlap.
struct Memberships {
  int count = 0;
  std::array<std::uint8_t, 4> set{};
  std::array<double, 4> weight{};
};

template <std::size_t N>
std::array<Memberships, 241> MembershipTable(const Trapezoid (&sets)[N], bool red_wraps) {
  std::array<Memberships, 241> table{};
  for (int x = 0; x <= 240; ++x) {
    for (std::size_t i = 0; i < N; ++i) {
      double w = sets[i].At(x);
      if (red_wraps && i == kHueRed) w = std::max(w, kHueRedHigh.At(x));
      if (w > 0) {
        Memberships& m = table[x];
        m.set[m.count] = static_cast<std::uint8_t>(i);
        m.weight[m.count] = w;
        ++m.count;
      }
    }
  }
  return table;
}

// The colour of a pixel: the name whose rules, summed (product of memberships per rule), weigh
// most; light grey when none applies (as WND-CHARM).
Colour ColourOf(const Hsv& hsv) {
  static const auto hues = MembershipTable(kHue, true);
  static const auto saturations = MembershipTable(kSaturation, false);
  static const auto values = MembershipTable(kValue, false);
  const Memberships& mh = hues[hsv.h];
  const Memberships& ms = saturations[hsv.s];
  const Memberships& mv = values[hsv.v];
  std::array<double, kBins> weight{};
  for (int s = 0; s < ms.count; ++s) {
    for (int v = 0; v < mv.count; ++v) {
      for (int h = 0; h < mh.count; ++h) {
        weight[ColourOfSets(mh.set[h], ms.set[s], mv.set[v])] += mh.weight[h] * ms.weight[s] * mv.weight[v];
      }
    }
  }
  Colour best = kLightGrey;
  double best_weight = 0;
  for (int c = kWhite; c < kBins; ++c) {
    if (weight[c] > best_weight) best_weight = weight[c], best = static_cast<Colour>(c);
  }
  return best;
}

// ColourOf by RGB, remembered: a photo has far fewer colours than pixels, and the rules cost
// tens of operations a pixel. Direct-mapped, 256 KB (it stays in cache); a colour that collides
// is worked out again, never mistaken, since each entry keeps its whole RGB key.
class ColourCache {
 public:
  ColourCache() : entries_(kEntries, kEmpty) {}

  Colour Of(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    const std::uint32_t key = std::uint32_t{r} << 16 | std::uint32_t{g} << 8 | b;
    std::uint32_t& entry = entries_[(key * 2654435761U) >> (32 - kBits)];
    if (entry != kEmpty && entry >> 8 == key) return static_cast<Colour>(entry & 0xFF);
    const Colour colour = ColourOf(HsvOf(r, g, b));
    entry = key << 8 | static_cast<std::uint32_t>(colour);
    return colour;
  }

 private:
  static constexpr int kBits = 16;
  static constexpr std::size_t kEntries = std::size_t{1} << kBits;
  // Never an entry: white's key with colour 255, and colours stop at 19.
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFF;
  std::vector<std::uint32_t> entries_;
};

class ColourHistogram final : public Descriptor {
 public:
  ColourHistogram()
      : Descriptor({.name = "Color_Histogram",
                    .length = kBins,
                    .description = "Shares of the pixels of each of 19 named colours (fuzzy HSV rules); bin 0 unused",
                    .pixels = PixelKind::kColour,
                    .target = Target::kLabels,
                    .columns = {{.name = "label", .integer = true}},
                    .reference = "WND-CHARM (Shamir et al. 2008) colour histogram: its membership functions, "
                                 "our own rules (docs/features.md)"}) {}

 protected:
  Result<std::vector<Row>> Compute(const Input& input) const override {
    const auto& p = *input.pixels;
    const std::vector<std::int32_t> labels = LabelsOf(input.mask);
    std::vector<std::array<std::uint64_t, kBins>> counts(labels.size());
    const std::size_t n = static_cast<std::size_t>(p.width) * p.height;
    ColourCache colours;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = 0;
      if (input.mask != nullptr) {
        k = static_cast<std::size_t>(std::lower_bound(labels.begin(), labels.end(), input.mask->labels[i]) -
                                     labels.begin());
      }
      const std::uint8_t* rgb = &p.values[3 * i];
      ++counts[k][colours.Of(rgb[0], rgb[1], rgb[2])];
    }
    std::vector<Row> rows(labels.size());
    for (std::size_t k = 0; k < labels.size(); ++k) {
      std::uint64_t total = 0;
      for (auto c : counts[k]) total += c;
      rows[k].values.resize(kBins);
      for (int b = 0; b < kBins; ++b) {
        rows[k].values[b] = total > 0 ? static_cast<float>(static_cast<double>(counts[k][b]) / total) : 0.0f;
      }
      rows[k].columns = {static_cast<double>(labels[k])};
    }
    return rows;
  }
};

}  // namespace

std::unique_ptr<Descriptor> MakeColourHistogram() { return std::make_unique<ColourHistogram>(); }

}  // namespace vitrine::features
