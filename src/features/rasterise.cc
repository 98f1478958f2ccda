// Polygons to masks by scanlines: a pixel is inside when its centre is, by the even-odd rule over
// the polygon's rings (so holes stay open), with half-open spans so that two polygons sharing an
// edge never both claim a pixel and a shape's area in pixels matches its area in the geometry.
#include <algorithm>
#include <cmath>

#include "features/descriptor_set.h"

namespace vitrine::features {
namespace {

// Fills `label` over the pixels of row `y` whose centres lie inside the polygon.
void FillRow(const PolygonRings& polygon, int y, int width, std::int32_t label, std::int32_t* row,
             std::vector<double>& crossings) {
  const double yc = y + 0.5;
  crossings.clear();
  for (const auto& ring : polygon) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      const auto& a = ring[i];
      const auto& b = ring[i + 1];
      // Half-open in y: a vertex exactly on the scanline counts for one of its two edges only.
      if ((a[1] <= yc) == (b[1] <= yc)) continue;
      crossings.push_back(a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
    }
  }
  std::sort(crossings.begin(), crossings.end());
  for (std::size_t i = 0; i + 1 < crossings.size(); i += 2) {
    // Centres x + 0.5 in [left, right).
    // Clamped as doubles first: coordinates may lie far outside the mask.
    const int first = static_cast<int>(std::clamp(std::ceil(crossings[i] - 0.5), 0.0, static_cast<double>(width)));
    const int last = static_cast<int>(std::clamp(std::ceil(crossings[i + 1] - 0.5), 0.0, static_cast<double>(width)));
    for (int x = first; x < last; ++x) row[x] = label;
  }
}

}  // namespace

LabelMask RasterisePolygons(const std::vector<PolygonRings>& polygons, int width, int height, std::int32_t label) {
  LabelMask mask;
  mask.width = width;
  mask.height = height;
  mask.labels.assign(static_cast<std::size_t>(width) * height, 0);
  std::vector<double> crossings;
  for (const PolygonRings& polygon : polygons) {
    double top = height, bottom = 0;
    for (const auto& p : polygon.empty() ? std::vector<std::array<double, 2>>{} : polygon[0]) {
      top = std::min(top, p[1]);
      bottom = std::max(bottom, p[1]);
    }
    const int first = static_cast<int>(std::clamp(std::floor(top), 0.0, static_cast<double>(height)));
    const int last = static_cast<int>(std::clamp(std::ceil(bottom), 0.0, static_cast<double>(height)));
    for (int y = first; y < last; ++y) {
      FillRow(polygon, y, width, label, mask.labels.data() + static_cast<std::size_t>(y) * width, crossings);
    }
  }
  return mask;
}

}  // namespace vitrine::features
