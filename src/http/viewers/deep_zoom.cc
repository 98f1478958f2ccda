#include "http/viewers/deep_zoom.h"

#include <algorithm>

namespace vitrine::http::deep_zoom {

int MaxLevel(std::int64_t width, std::int64_t height) {
  std::int64_t side = std::max<std::int64_t>({width, height, 1});
  int level = 0;
  while ((std::int64_t{1} << level) < side) ++level;
  return level;
}

Result<ViewRequest> Tile(std::int64_t width, std::int64_t height, int level, std::int64_t col, std::int64_t row,
                         EncodedFormat format, Geometry geometry) {
  const int tile_size = geometry.tile_size, overlap = geometry.overlap;
  const int max_level = MaxLevel(width, height);
  auto missing = [&] {
    return Status::NotFound("no Deep Zoom tile " + std::to_string(level) + "/" + std::to_string(col) + "_" +
                            std::to_string(row) + " in a " + std::to_string(width) + " x " + std::to_string(height) +
                            " image (levels 0 to " + std::to_string(max_level) + ")");
  };
  if (level < 0 || level > max_level || col < 0 || row < 0) return missing();
  const std::int64_t scale = std::int64_t{1} << (max_level - level);
  const std::int64_t level_w = (width + scale - 1) / scale, level_h = (height + scale - 1) / scale;
  const std::int64_t columns = (level_w + tile_size - 1) / tile_size, rows = (level_h + tile_size - 1) / tile_size;
  if (col >= columns || row >= rows) return missing();
  // The tile in the level's pixels, with its overlap.
  const std::int64_t x0 = col * tile_size - (col > 0 ? overlap : 0);
  const std::int64_t y0 = row * tile_size - (row > 0 ? overlap : 0);
  const std::int64_t x1 = std::min(level_w, (col + 1) * tile_size + overlap);
  const std::int64_t y1 = std::min(level_h, (row + 1) * tile_size + overlap);
  ViewRequest view;
  view.region.x = x0 * scale;
  view.region.y = y0 * scale;
  view.region.width = std::min(width, x1 * scale) - view.region.x;
  view.region.height = std::min(height, y1 * scale) - view.region.y;
  view.width = static_cast<int>(x1 - x0);
  view.height = static_cast<int>(y1 - y0);
  view.format = format;
  return view;
}

std::string Descriptor(std::int64_t width, std::int64_t height, EncodedFormat format, Geometry geometry) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" TileSize=\"" +
         std::to_string(geometry.tile_size) + "\" Overlap=\"" + std::to_string(geometry.overlap) + "\" Format=\"" +
         std::string(ExtensionOf(format)) + "\"><Size Width=\"" + std::to_string(width) + "\" Height=\"" +
         std::to_string(height) + "\"/></Image>\n";
}

}  // namespace vitrine::http::deep_zoom
