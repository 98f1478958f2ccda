#include "http/viewers/iiif.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/parse_integer.h"

namespace vitrine::http::iiif {
namespace {

Status Bad(std::string_view parameter, std::string_view text, std::string_view why) {
  return Status::InvalidArgument("IIIF " + std::string(parameter) + " '" + std::string(text) +
                                 "': " + std::string(why));
}

// IIIF numbers: digits, with an optional '.' and more digits. No signs, no exponents.
std::optional<double> Number(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return std::nullopt;
  if (std::count(text.begin(), text.end(), '.') > 1) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    return std::nullopt;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> Integer(std::string_view text) {
  if (text.size() > 12) return std::nullopt;
  auto v = core::ParseInteger<std::int64_t>(text);
  if (!v || *v < 0) return std::nullopt;
  return v;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

int Round(double v) { return static_cast<int>(std::lround(v)); }

}  // namespace

Result<PixelRect> ParseRegion(std::string_view region, std::int64_t width, std::int64_t height) {
  if (region == "full") return PixelRect{0, 0, width, height};
  if (region == "square") {
    const std::int64_t side = std::min(width, height);
    return PixelRect{(width - side) / 2, (height - side) / 2, side, side};
  }
  const bool pct = region.starts_with("pct:");
  auto parts = Split(pct ? region.substr(4) : region, ',');
  if (parts.size() != 4) return Bad("region", region, "use full, square, x,y,w,h or pct:x,y,w,h");
  double x = 0, y = 0, w = 0, h = 0;
  double* values[] = {&x, &y, &w, &h};
  for (int i = 0; i < 4; ++i) {
    if (pct) {
      auto v = Number(parts[i]);
      if (!v) return Bad("region", region, "percentages are plain decimal numbers");
      *values[i] = *v;
    } else {
      auto v = Integer(parts[i]);
      if (!v) return Bad("region", region, "x,y,w,h are whole pixels, not negative");
      *values[i] = static_cast<double>(*v);
    }
  }
  if (pct) {
    x = x * static_cast<double>(width) / 100;
    w = w * static_cast<double>(width) / 100;
    y = y * static_cast<double>(height) / 100;
    h = h * static_cast<double>(height) / 100;
  }
  const auto left = static_cast<std::int64_t>(std::llround(x));
  const auto top = static_cast<std::int64_t>(std::llround(y));
  const auto right = std::min<std::int64_t>(width, std::llround(x + w));
  const auto bottom = std::min<std::int64_t>(height, std::llround(y + h));
  if (w <= 0 || h <= 0) return Bad("region", region, "the width and height must be above zero");
  if (left >= width || top >= height || right <= left || bottom <= top) {
    return Bad("region", region,
               "it lies outside the " + std::to_string(width) + " x " + std::to_string(height) + " image");
  }
  return PixelRect{left, top, right - left, bottom - top};
}

Result<std::pair<int, int>> ParseSize(std::string_view size, std::int64_t rw, std::int64_t rh) {
  const std::string_view original = size;
  const bool upscale = size.starts_with('^');
  if (upscale) size.remove_prefix(1);
  const double region_w = static_cast<double>(rw), region_h = static_cast<double>(rh);
  double w = 0, h = 0;
  if (size == "max") {
    // As large as the limits allow: the region itself, or (with ^) up to the limits.
    double scale = std::min(kMaxWidth / region_w, kMaxHeight / region_h);
    if (!upscale) scale = std::min(scale, 1.0);
    w = region_w * scale;
    h = region_h * scale;
  } else if (size.starts_with("pct:")) {
    auto n = Number(size.substr(4));
    if (!n || *n <= 0) return Bad("size", original, "pct:n needs a number above zero");
    if (!upscale && *n > 100) return Bad("size", original, "above 100% needs ^ (upscaling)");
    w = region_w * *n / 100;
    h = region_h * *n / 100;
  } else {
    const bool confined = size.starts_with('!');
    if (confined) size.remove_prefix(1);
    auto comma = size.find(',');
    if (comma == std::string_view::npos) return Bad("size", original, "use max, w,, ,h, pct:n, w,h or !w,h");
    std::string_view ws = size.substr(0, comma), hs = size.substr(comma + 1);
    auto wv = ws.empty() ? std::optional<std::int64_t>() : Integer(ws);
    auto hv = hs.empty() ? std::optional<std::int64_t>() : Integer(hs);
    if ((!ws.empty() && !wv) || (!hs.empty() && !hv) || (!wv && !hv)) {
      return Bad("size", original, "widths and heights are whole numbers");
    }
    if (confined) {
      if (!wv || !hv) return Bad("size", original, "!w,h needs both");
      double scale = std::min(static_cast<double>(*wv) / region_w, static_cast<double>(*hv) / region_h);
      if (!upscale) scale = std::min(scale, 1.0);
      w = region_w * scale;
      h = region_h * scale;
    } else if (wv && hv) {
      w = static_cast<double>(*wv);
      h = static_cast<double>(*hv);
    } else if (wv) {
      w = static_cast<double>(*wv);
      h = region_h * w / region_w;
    } else {
      h = static_cast<double>(*hv);
      w = region_w * h / region_h;
    }
    if (!upscale && (Round(w) > rw || Round(h) > rh)) {
      return Bad(
          "size", original,
          "larger than the " + std::to_string(rw) + " x " + std::to_string(rh) + " region; ask with ^ to upscale");
    }
  }
  if (w > kMaxWidth + 0.5 || h > kMaxHeight + 0.5) {
    return Bad("size", original, "at most " + std::to_string(kMaxWidth) + " x " + std::to_string(kMaxHeight));
  }
  const int out_w = std::max(Round(w), 0), out_h = std::max(Round(h), 0);
  if (out_w < 1 || out_h < 1) return Bad("size", original, "the result would have no pixels");
  return std::pair{out_w, out_h};
}

Result<std::pair<int, bool>> ParseRotation(std::string_view rotation) {
  const bool mirror = rotation.starts_with('!');
  auto degrees = Number(mirror ? rotation.substr(1) : rotation);
  if (!degrees || *degrees > 360) return Bad("rotation", rotation, "use 0 to 360 degrees, ! in front to mirror");
  if (std::fmod(*degrees, 90) != 0) {
    return Status::Unsupported("IIIF rotation '" + std::string(rotation) + "': only multiples of 90 degrees");
  }
  return std::pair{static_cast<int>(*degrees) % 360, mirror};
}

Result<std::pair<ViewQuality, EncodedFormat>> ParseQualityFormat(std::string_view text) {
  auto dot = text.rfind('.');
  if (dot == std::string_view::npos) return Bad("quality.format", text, "use quality.format, as default.jpg");
  std::string_view quality = text.substr(0, dot), format = text.substr(dot + 1);
  ViewQuality q;
  if (quality == "default" || quality == "color")
    q = ViewQuality::kColor;
  else if (quality == "gray")
    q = ViewQuality::kGray;
  else if (quality == "bitonal")
    q = ViewQuality::kBitonal;
  else
    return Bad("quality", quality, "use default, color, gray or bitonal");
  if (format == "gif" || format == "jp2" || format == "pdf") {
    return Status::Unsupported("IIIF format '" + std::string(format) + "': this server writes jpg, png, webp and tif");
  }
  // tif: the image's own values (any bit depth), as a region with format=tif gives them.
  if (format == "tif") return std::pair{q, EncodedFormat::kTiff};
  auto f = EncodedFormatFromName(format);
  if (!f.ok() || format == "jpeg") return Bad("format", format, "use jpg, png, webp or tif");
  return std::pair{q, *f};
}

Result<ViewRequest> ParseImageRequest(std::string_view region, std::string_view size, std::string_view rotation,
                                      std::string_view quality_format, std::int64_t image_width,
                                      std::int64_t image_height) {
  ViewRequest view;
  VITRINE_ASSIGN_OR_RETURN(view.region, ParseRegion(region, image_width, image_height));
  VITRINE_ASSIGN_OR_RETURN(auto out, ParseSize(size, view.region.width, view.region.height));
  std::tie(view.width, view.height) = out;
  VITRINE_ASSIGN_OR_RETURN(auto turn, ParseRotation(rotation));
  std::tie(view.rotation, view.mirror) = turn;
  VITRINE_ASSIGN_OR_RETURN(auto quality_and_format, ParseQualityFormat(quality_format));
  std::tie(view.quality, view.format) = quality_and_format;
  return view;
}

wire::Json InfoJson(const std::string& id, std::int64_t width, std::int64_t height, int tile_side) {
  wire::Json scale_factors = wire::Json::array();
  wire::Json sizes = wire::Json::array();
  for (std::int64_t factor = 1;; factor *= 2) {
    scale_factors.push_back(factor);
    const std::int64_t w = (width + factor - 1) / factor, h = (height + factor - 1) / factor;
    if (w <= kMaxWidth && h <= kMaxHeight) sizes.insert(sizes.begin(), wire::Json{{"width", w}, {"height", h}});
    if (w <= tile_side && h <= tile_side) break;
  }
  return wire::Json{
      {"@context", "http://iiif.io/api/image/3/context.json"},
      {"id", id},
      {"type", "ImageService3"},
      {"protocol", "http://iiif.io/api/image"},
      {"profile", "level2"},
      {"width", width},
      {"height", height},
      {"maxWidth", kMaxWidth},
      {"maxHeight", kMaxHeight},
      {"sizes", std::move(sizes)},
      {"tiles", wire::Json::array({{{"width", tile_side}, {"height", tile_side}, {"scaleFactors", scale_factors}}})},
      {"preferredFormats", wire::Json::array({"jpg"})},
      {"extraFormats", wire::Json::array({"webp", "tif"})},
      {"extraQualities", wire::Json::array({"color", "gray", "bitonal"})},
      {"extraFeatures", wire::Json::array({"baseUriRedirect", "cors", "jsonldMediaType", "mirroring", "regionByPct",
                                           "regionByPx", "regionSquare", "rotationBy90s", "sizeByConfinedWh", "sizeByH",
                                           "sizeByPct", "sizeByW", "sizeByWh", "sizeUpscaling"})}};
}

}  // namespace vitrine::http::iiif
