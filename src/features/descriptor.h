// Feature descriptors: named functions from pixels (and optionally a label mask or a keypoint) to
// rows of numbers, with BisQue's names and lengths (docs/features.md defines each one). The
// catalogue is built once and immutable; every descriptor is safe to call from many threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/view.h"
#include "vitrine/status.h"

namespace vitrine::features {

// The pixels a descriptor reads: one grey band, or RGB.
enum class PixelKind { kGrey, kColour };

// What a descriptor makes of the input beyond its pixels.
enum class Target {
  kImage,      // the whole input; a mask or an annotation is refused (400)
  kLabels,     // one row per label value of the mask (0 included); no mask: one row, label 0
  kKeypoints,  // one row per keypoint found, or one at the point given
};

// A column stored beside the vector in each row (BisQue's parameter columns).
struct ParameterColumn {
  std::string name;
  bool integer = false;  // int32; float32 otherwise
};

struct DescriptorInfo {
  std::string name;
  int length = 0;  // values in each row's vector
  std::string description;
  PixelKind pixels = PixelKind::kGrey;
  Target target = Target::kImage;
  bool integer_values = false;  // the vector is stored as int32 (SIFT, as BisQue does)
  std::vector<ParameterColumn> columns;
  // Smaller inputs (either side, in pixels) are refused (kInvalidArgument) before any work.
  int min_side = 1;
  // Bumped whenever a change alters the numbers: part of every cached result's key.
  int version = 1;
  std::string reference;  // the definition it follows
};

// Labels over the pixels, one per pixel, row by row; same width and height as the pixels.
using LabelMask = imaging::DecodedLabels;

// A keypoint given rather than detected (a point annotation): size in pixels.
struct GivenKeypoint {
  float x = 0, y = 0, size = 1;
};

struct Input {
  const imaging::DecodedPixels* pixels = nullptr;  // 8-bit, the bands the descriptor's PixelKind asks
  const LabelMask* mask = nullptr;
  std::optional<GivenKeypoint> keypoint;
};

struct Row {
  std::vector<float> values;    // info().length of them
  std::vector<double> columns;  // one per info().columns, in order
};

class Descriptor {
 public:
  explicit Descriptor(DescriptorInfo info) : info_(std::move(info)) {}
  virtual ~Descriptor() = default;
  const DescriptorInfo& info() const { return info_; }

  // The rows for one input, checked against info() first: a mask or keypoint the descriptor
  // does not take is kInvalidArgument, pixels of the wrong kind kUnsupported.
  Result<std::vector<Row>> Extract(const Input& input) const;

 protected:
  virtual Result<std::vector<Row>> Compute(const Input& input) const = 0;

 private:
  const DescriptorInfo info_;
};

// Polygons (an exterior ring, then its holes; x, y in the mask's pixels, pixel (x, y) covering
// [x, x+1] x [y, y+1]) filled with `label` over a mask of zeros: an annotation made a mask.
using PolygonRings = std::vector<std::vector<std::array<double, 2>>>;
LabelMask RasterisePolygons(const std::vector<PolygonRings>& polygons, int width, int height, std::int32_t label);

// Every descriptor, in the catalogue's documented order.
const std::vector<std::unique_ptr<Descriptor>>& Catalogue();
// nullptr for a name not in the catalogue (names are case-sensitive, as BisQue's are).
const Descriptor* FindDescriptor(std::string_view name);

}  // namespace vitrine::features
