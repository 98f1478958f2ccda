// Viewer requests (http/viewers): IIIF Image API parameters and Deep Zoom tile addresses, on an
// image whose size is the first 8 bytes of the input. The rest is two lines as they come out of
// the router: "region/size/rotation/quality.format" and "level/col_row". Whatever is accepted
// must be a view the imaging code can make: a region inside the image, a size within limits.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "http/viewers/deep_zoom.h"
#include "http/viewers/iiif.h"

namespace {

using vitrine::EncodedFormat;
using vitrine::kMaxViewSide;
using vitrine::ViewRequest;
namespace iiif = vitrine::http::iiif;
namespace deep_zoom = vitrine::http::deep_zoom;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Sizes libvips can report (below 2^31), small ones as likely as large ones.
std::int64_t Side(std::uint32_t raw) { return 1 + ((raw & 0x7fffffff) >> (raw % 31)); }

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (auto at = text.find(separator); at != std::string_view::npos; at = text.find(separator)) {
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  parts.push_back(text);
  return parts;
}

void CheckView(const ViewRequest& view, std::int64_t width, std::int64_t height) {
  const auto& r = view.region;
  Check(r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1);
  Check(r.x < width && r.y < height && r.width <= width - r.x && r.height <= height - r.y);
  Check(view.width >= 1 && view.height >= 1);
  Check(view.width <= kMaxViewSide && view.height <= kMaxViewSide);
}

void Iiif(std::string_view line, std::int64_t width, std::int64_t height) {
  auto parts = Split(line, '/');
  if (parts.size() != 4) return;
  auto view = iiif::ParseImageRequest(parts[0], parts[1], parts[2], parts[3], width, height);
  if (!view.ok()) return;
  CheckView(*view, width, height);
  Check(view->rotation == 0 || view->rotation == 90 || view->rotation == 180 || view->rotation == 270);
}

// As the tile route reads its captures: whole numbers up to a million.
void DeepZoom(std::string_view line, std::int64_t width, std::int64_t height) {
  const auto slash = line.find('/'), underscore = line.find('_');
  if (slash == std::string_view::npos || underscore == std::string_view::npos || underscore < slash) return;
  const std::string_view texts[] = {line.substr(0, slash), line.substr(slash + 1, underscore - slash - 1),
                                    line.substr(underscore + 1)};
  std::int64_t numbers[3] = {};
  for (int i = 0; i < 3; ++i) {
    auto [end, ec] = std::from_chars(texts[i].data(), texts[i].data() + texts[i].size(), numbers[i]);
    if (ec != std::errc() || end != texts[i].data() + texts[i].size() || numbers[i] < 0 || numbers[i] > 1'000'000) {
      return;
    }
  }
  for (deep_zoom::Geometry geometry : {deep_zoom::kClassicGeometry, deep_zoom::Geometry{256, 0}}) {
    auto view = deep_zoom::Tile(width, height, static_cast<int>(numbers[0]), numbers[1], numbers[2],
                                EncodedFormat::kJpeg, geometry);
    if (!view.ok()) continue;
    CheckView(*view, width, height);
    Check(view->width <= geometry.tile_size + 2 * geometry.overlap);
    Check(view->height <= geometry.tile_size + 2 * geometry.overlap);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint32_t raw[2];
  std::memcpy(raw, data, sizeof raw);
  const std::int64_t width = Side(raw[0]), height = Side(raw[1]);
  const std::string_view text(reinterpret_cast<const char*>(data) + 8, size - 8);
  const auto newline = text.find('\n');
  Iiif(text.substr(0, newline), width, height);
  if (newline != std::string_view::npos) DeepZoom(text.substr(newline + 1), width, height);
  (void)iiif::InfoJson("http://localhost/iiif/3/1", width, height, 256).dump();
  (void)deep_zoom::Descriptor(width, height, EncodedFormat::kJpeg, deep_zoom::Geometry{});
  return 0;
}
