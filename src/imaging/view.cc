#include "imaging/view.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "imaging/encode.h"
#include "imaging/levels.h"
#include "imaging/stored_tiles.h"

namespace vitrine::imaging {
namespace {

// What reading a file takes, found once per file: its loader and its levels. Stored files are
// named by their content and never change, so what was found stays true. Asking libvips for the
// loader by name skips its probe of every format (OpenSlide's opens the TIFF) on each open.
struct Layout {
  std::string loader;  // libvips nickname: "tiffload", "openslideload", "jpegload", ...
  int width = 0;
  std::vector<int> level_widths;  // the full width, then each coarser TIFF page or OpenSlide level
};

// `option` and `value`: one loader option (page, level or shrink), or none.
Result<VipsImagePtr> OpenWith(const std::string& loader, const std::filesystem::path& file,
                              const char* option = nullptr, int value = 0) {
  VipsImage* raw = nullptr;
  const int rc =
      option ? vips_call(loader.c_str(), file.c_str(), &raw, option, value, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr)
             : vips_call(loader.c_str(), file.c_str(), &raw, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (rc != 0 || !raw) return VipsError("the image cannot be decoded");
  return VipsImagePtr(raw);
}

Result<Layout> FindLayout(const std::filesystem::path& file) {
  std::optional<std::string> loader = LoaderNickname(file);
  if (!loader) return Status::Unsupported("the image cannot be decoded");
  Layout layout{std::move(*loader), 0, {}};
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr full, OpenWith(layout.loader, file));
  layout.width = vips_image_get_width(full.get());
  layout.level_widths = LevelWidths(file, layout.loader, full.get());
  return layout;
}

Result<Layout> LayoutOf(const std::filesystem::path& file) {
  static std::mutex mu;
  static std::unordered_map<std::string, Layout> known;
  {
    std::lock_guard lock(mu);
    if (auto it = known.find(file.string()); it != known.end()) return it->second;
  }
  VITRINE_ASSIGN_OR_RETURN(Layout layout, FindLayout(file));
  std::lock_guard lock(mu);
  if (known.size() >= 4096) known.clear();  // a bound, not an LRU: refilling costs one probe a file
  known.emplace(file.string(), layout);
  return layout;
}

// The source at its coarsest resolution that is at most `shrink` times smaller than the full
// image, so every output pixel still comes from at least one source pixel.
Result<VipsImagePtr> OpenForShrink(const Layout& layout, const std::filesystem::path& file, double shrink) {
  if (layout.loader == "jpegload") {
    int factor = 1;
    while (factor < 8 && factor * 2 <= shrink) factor *= 2;
    if (factor > 1) return OpenWith(layout.loader, file, "shrink", factor);
  } else if (layout.level_widths.size() > 1) {
    int best = 0;
    for (int level = 1; level < static_cast<int>(layout.level_widths.size()); ++level) {
      if (static_cast<double>(layout.width) / layout.level_widths[level] > shrink) break;
      best = level;
    }
    if (best > 0) return OpenWith(layout.loader, file, layout.loader == "openslideload" ? "level" : "page", best);
  }
  return OpenWith(layout.loader, file);
}

Status CheckRequest(const ViewRequest& v, std::int64_t image_width, std::int64_t image_height) {
  const PixelRect& r = v.region;
  // Each bound checked before any sum, so that no sum can overflow.
  if (r.width < 1 || r.height < 1 || r.x < 0 || r.y < 0 || r.x > image_width || r.y > image_height ||
      r.width > image_width - r.x || r.height > image_height - r.y) {
    return Status::InvalidArgument("the region must lie inside the " + std::to_string(image_width) + " x " +
                                   std::to_string(image_height) + " image");
  }
  if (v.width < 1 || v.height < 1 || v.width > kMaxViewSide || v.height > kMaxViewSide) {
    return Status::InvalidArgument("the output must be 1 to " + std::to_string(kMaxViewSide) + " pixels a side");
  }
  if (v.rotation % 90 != 0 || v.rotation < 0 || v.rotation >= 360) {
    return Status::InvalidArgument("rotation must be 0, 90, 180 or 270");
  }
  if (v.compression_quality < 1 || v.compression_quality > 100) {
    return Status::InvalidArgument("quality must be between 1 and 100");
  }
  if (v.window && !(std::isfinite(v.window->low) && std::isfinite(v.window->high) && v.window->low < v.window->high)) {
    return Status::InvalidArgument("a contrast window needs finite low < high");
  }
  return Status::Ok();
}

Status CheckChannel(const ViewRequest& v, VipsImage* image) {
  if (v.channel >= vips_image_get_bands(image)) {
    return Status::InvalidArgument("channel " + std::to_string(v.channel) + " asked for; the image has " +
                                   std::to_string(vips_image_get_bands(image)) + " (numbered from 0)");
  }
  return Status::Ok();
}

// Marks what the pixels now are, so savers do not rescale them again from their old meaning.
Result<VipsImagePtr> Reinterpret(VipsImagePtr image) {
  const bool colour = vips_image_get_bands(image.get()) >= 3;
  const bool wide = vips_image_get_format(image.get()) == VIPS_FORMAT_USHORT;
  VipsInterpretation meaning = colour ? (wide ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB)
                                      : (wide ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W);
  if (vips_image_get_format(image.get()) != VIPS_FORMAT_UCHAR && !wide) meaning = VIPS_INTERPRETATION_MULTIBAND;
  VipsImage* out = nullptr;
  if (vips_copy(image.get(), &out, "interpretation", meaning, nullptr)) {
    return VipsError("cannot relabel the view", ErrorCode::kInternal);
  }
  return VipsImagePtr(out);
}

// The image a view reads, checked against the request: the plane asked for at full
// resolution, or for a view of the first plane that shrinks by 2 or more, the coarsest level
// that still gives every output pixel a source pixel.
struct Source {
  VipsImagePtr image;
  int full_width = 0;
  int full_height = 0;
};

Result<Source> OpenSource(const std::filesystem::path& file, const ViewRequest& view) {
  if (view.plane < 0) return Status::InvalidArgument("plane must be 0 or more");
  VITRINE_ASSIGN_OR_RETURN(Layout layout, LayoutOf(file));
  // The full-resolution header: cached by libvips' operation cache after the first open.
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr full, view.plane > 0 ? OpenWith(layout.loader, file, "page", view.plane)
                                                             : OpenWith(layout.loader, file));
  Source source{nullptr, vips_image_get_width(full.get()), vips_image_get_height(full.get())};
  VITRINE_RETURN_IF_ERROR(CheckRequest(view, source.full_width, source.full_height));
  VITRINE_RETURN_IF_ERROR(CheckChannel(view, full.get()));
  const PixelRect& r = view.region;
  const double shrink =
      std::min(static_cast<double>(r.width) / view.width, static_cast<double>(r.height) / view.height);
  // The pages after the first of a stack are planes, not levels.
  if (view.plane > 0 || shrink < 2) {
    source.image = std::move(full);
  } else {
    VITRINE_ASSIGN_OR_RETURN(source.image, OpenForShrink(layout, file, shrink));
  }
  return source;
}

// The region in the level's pixels, widened outwards to whole pixels.
Result<VipsImagePtr> CutRegion(Source source, const PixelRect& r) {
  VipsImagePtr image = std::move(source.image);
  const double fx = static_cast<double>(vips_image_get_width(image.get())) / source.full_width;
  const double fy = static_cast<double>(vips_image_get_height(image.get())) / source.full_height;
  if (fx == 1.0 && fy == 1.0 && r.x == 0 && r.y == 0 && r.width == source.full_width &&
      r.height == source.full_height) {
    return image;
  }
  const int left = static_cast<int>(std::floor(r.x * fx));
  const int top = static_cast<int>(std::floor(r.y * fy));
  const int right = std::min(vips_image_get_width(image.get()), static_cast<int>(std::ceil((r.x + r.width) * fx)));
  const int bottom = std::min(vips_image_get_height(image.get()), static_cast<int>(std::ceil((r.y + r.height) * fy)));
  VipsImage* out = nullptr;
  if (vips_extract_area(image.get(), &out, left, top, std::max(1, right - left), std::max(1, bottom - top), nullptr)) {
    return VipsError("cannot cut the region", ErrorCode::kInternal);
  }
  return VipsImagePtr(out);
}

Result<VipsImagePtr> PickChannel(VipsImagePtr image, int channel) {
  VipsImage* out = nullptr;
  if (vips_extract_band(image.get(), &out, channel, nullptr)) {
    return VipsError("cannot pick the channel", ErrorCode::kInternal);
  }
  return Reinterpret(VipsImagePtr(out));
}

// Scaled to `width` x `height` exactly.
Result<VipsImagePtr> ResizeTo(VipsImagePtr image, int width, int height, VipsKernel kernel = VIPS_KERNEL_LANCZOS3) {
  VipsImage* out = nullptr;
  const double hscale = static_cast<double>(width) / vips_image_get_width(image.get());
  const double vscale = static_cast<double>(height) / vips_image_get_height(image.get());
  if (hscale != 1.0 || vscale != 1.0) {
    if (vips_resize(image.get(), &out, hscale, "vscale", vscale, "kernel", kernel, nullptr)) {
      return VipsError("cannot resize the region", ErrorCode::kInternal);
    }
    image.reset(out);
  }
  // Rounding inside the resize can leave a pixel more or less: the size asked for is exact.
  if (vips_image_get_width(image.get()) != width || vips_image_get_height(image.get()) != height) {
    if (vips_gravity(image.get(), &out, VIPS_COMPASS_DIRECTION_NORTH_WEST, width, height, "extend", VIPS_EXTEND_COPY,
                     nullptr)) {
      return VipsError("cannot size the region", ErrorCode::kInternal);
    }
    image.reset(out);
  }
  return image;
}

Result<VipsImagePtr> ApplyWindow(VipsImagePtr image, const ContrastWindow& window) {
  VipsImage* out = nullptr;
  const double gain = 255.0 / (window.high - window.low);
  if (vips_linear1(image.get(), &out, gain, -window.low * gain, "uchar", TRUE, nullptr)) {
    return VipsError("cannot apply the contrast window", ErrorCode::kInternal);
  }
  return Reinterpret(VipsImagePtr(out));
}

// Mirrored (first), then rotated clockwise.
Result<VipsImagePtr> Orient(VipsImagePtr image, bool mirror, int rotation) {
  VipsImage* out = nullptr;
  if (mirror) {
    if (vips_flip(image.get(), &out, VIPS_DIRECTION_HORIZONTAL, nullptr))
      return VipsError("cannot mirror", ErrorCode::kInternal);
    image.reset(out);
  }
  if (rotation != 0) {
    VipsAngle angle = rotation == 90 ? VIPS_ANGLE_D90 : rotation == 180 ? VIPS_ANGLE_D180 : VIPS_ANGLE_D270;
    if (vips_rot(image.get(), &out, angle, nullptr)) return VipsError("cannot rotate", ErrorCode::kInternal);
    image.reset(out);
  }
  return image;
}

// Grey, or black and white (each value 0 or 255, alpha dropped), unless the quality is colour.
Result<VipsImagePtr> ApplyQuality(VipsImagePtr image, ViewQuality quality) {
  if (quality == ViewQuality::kColor) return image;
  VipsImage* out = nullptr;
  if (vips_image_get_bands(image.get()) >= 3) {
    if (vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_B_W, nullptr)) {
      return VipsError("cannot make the view grey", ErrorCode::kInternal);
    }
    image.reset(out);
  }
  if (quality == ViewQuality::kBitonal) {
    if (vips_image_hasalpha(image.get())) {
      if (vips_extract_band(image.get(), &out, 0, nullptr)) return VipsError("cannot drop alpha", ErrorCode::kInternal);
      image.reset(out);
    }
    if (vips_relational_const1(image.get(), &out, VIPS_OPERATION_RELATIONAL_MOREEQ, 128, nullptr)) {
      return VipsError("cannot make the view black and white", ErrorCode::kInternal);
    }
    image.reset(out);
  }
  return image;
}

// The encoder holds the whole output: bound it before any pixel is computed.
Status CheckOutputBytes(const ViewRequest& view, VipsImage* image) {
  const double output_bytes = static_cast<double>(view.width) * view.height * vips_image_get_bands(image) *
                              static_cast<double>(vips_format_sizeof(vips_image_get_format(image)));
  if (output_bytes <= static_cast<double>(kMaxViewBytes)) return Status::Ok();
  return Status::InvalidArgument("this view would be " + std::to_string(static_cast<std::int64_t>(output_bytes) >> 20) +
                                 " MiB of pixels; at most " + std::to_string(kMaxViewBytes >> 20) +
                                 " MiB in one view: ask for a smaller size, fewer channels or an 8-bit format");
}

// What every view is made of before its output form: the region of the right level, the channel,
// the size, the window.
Result<VipsImagePtr> ViewPixels(const std::filesystem::path& file, const ViewRequest& view) {
  VITRINE_ASSIGN_OR_RETURN(Source source, OpenSource(file, view));
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr image, CutRegion(std::move(source), view.region));
  if (view.channel >= 0) {
    VITRINE_ASSIGN_OR_RETURN(image, PickChannel(std::move(image), view.channel));
  }
  VITRINE_ASSIGN_OR_RETURN(image, ResizeTo(std::move(image), view.width, view.height));
  if (view.window) {
    VITRINE_ASSIGN_OR_RETURN(image, ApplyWindow(std::move(image), *view.window));
  }
  return image;
}

}  // namespace

Result<std::string> RenderView(const std::filesystem::path& file, const ViewRequest& view) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> tile, PassThroughTile(file, view));
  if (tile) return std::move(*tile);
  VITRINE_ASSIGN_OR_RETURN(tile, TranscodeTile(file, view));
  if (tile) return std::move(*tile);
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr image, ViewPixels(file, view));
  const bool raw_values = view.format == EncodedFormat::kTiff && !view.window && view.quality == ViewQuality::kColor;
  if (!raw_values) {
    VITRINE_ASSIGN_OR_RETURN(image, ToDisplayable(std::move(image)));
  }
  VITRINE_ASSIGN_OR_RETURN(image, Orient(std::move(image), view.mirror, view.rotation));
  VITRINE_ASSIGN_OR_RETURN(image, ApplyQuality(std::move(image), view.quality));
  VITRINE_RETURN_IF_ERROR(CheckOutputBytes(view, image.get()));
  return Encode(std::move(image), view.format, view.compression_quality);
}

namespace {

// Every pixel of `image` into `out` (which holds exactly its bytes), computed in one piece.
Status CopyPixels(VipsImage* image, void* out, std::size_t bytes) {
  const int width = vips_image_get_width(image), height = vips_image_get_height(image);
  const std::size_t row_bytes = VIPS_IMAGE_SIZEOF_LINE(image);
  if (row_bytes * height != bytes) return Status::Internal("decoded pixels of an unexpected size");
  VipsRegion* region = vips_region_new(image);
  const VipsRect all{0, 0, width, height};
  const bool failed = vips_region_prepare(region, &all) != 0;
  if (!failed) {
    for (int y = 0; y < height; ++y) {
      std::memcpy(static_cast<std::uint8_t*>(out) + row_bytes * y, VIPS_REGION_ADDR(region, 0, y), row_bytes);
    }
  }
  g_object_unref(region);
  if (failed) return VipsError("cannot decode the image");
  return Status::Ok();
}

}  // namespace

Result<DecodedPixels> DecodeView(const std::filesystem::path& file, const ViewRequest& view) {
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr image, ViewPixels(file, view));
  VITRINE_ASSIGN_OR_RETURN(image, ToDisplayable(std::move(image)));
  VITRINE_ASSIGN_OR_RETURN(image, Orient(std::move(image), view.mirror, view.rotation));
  VITRINE_ASSIGN_OR_RETURN(image, ApplyQuality(std::move(image), view.quality));
  VipsImage* out = nullptr;
  const int bands = vips_image_get_bands(image.get());
  const int wanted = view.quality == ViewQuality::kColor ? 3 : 1;
  if (bands != wanted) {
    // Grey sources asked in colour repeat their band; alpha (the band past the wanted ones) goes.
    if (bands < wanted) {
      VipsImage* copies[3] = {image.get(), image.get(), image.get()};
      if (vips_bandjoin(copies, &out, 3, nullptr))
        return VipsError("cannot make the view colour", ErrorCode::kInternal);
    } else if (vips_extract_band(image.get(), &out, 0, "n", wanted, nullptr)) {
      return VipsError("cannot drop alpha", ErrorCode::kInternal);
    }
    image.reset(out);
  }
  VITRINE_RETURN_IF_ERROR(CheckOutputBytes(view, image.get()));
  DecodedPixels pixels;
  pixels.width = vips_image_get_width(image.get());
  pixels.height = vips_image_get_height(image.get());
  pixels.bands = wanted;
  pixels.values.resize(static_cast<std::size_t>(pixels.width) * pixels.height * wanted);
  if (vips_image_get_format(image.get()) != VIPS_FORMAT_UCHAR) {
    if (vips_cast_uchar(image.get(), &out, nullptr))
      return VipsError("cannot make the view 8-bit", ErrorCode::kInternal);
    image.reset(out);
  }
  VITRINE_RETURN_IF_ERROR(CopyPixels(image.get(), pixels.values.data(), pixels.values.size()));
  return pixels;
}

Result<DecodedLabels> DecodeLabels(const std::filesystem::path& file, const PixelRect& region, int width, int height) {
  VITRINE_ASSIGN_OR_RETURN(Layout layout, LayoutOf(file));
  // Always the full resolution: a level of a label image would hold averaged labels.
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr full, OpenWith(layout.loader, file));
  Source source{nullptr, vips_image_get_width(full.get()), vips_image_get_height(full.get())};
  ViewRequest view;
  view.region = region;
  view.width = width;
  view.height = height;
  VITRINE_RETURN_IF_ERROR(CheckRequest(view, source.full_width, source.full_height));
  source.image = std::move(full);
  VITRINE_ASSIGN_OR_RETURN(VipsImagePtr image, CutRegion(std::move(source), region));
  VipsImage* out = nullptr;
  if (vips_image_get_bands(image.get()) > 1) {
    if (vips_extract_band(image.get(), &out, 0, nullptr))
      return VipsError("cannot pick the labels' band", ErrorCode::kInternal);
    image.reset(out);
  }
  const VipsBandFormat format = vips_image_get_format(image.get());
  if (format == VIPS_FORMAT_FLOAT || format == VIPS_FORMAT_DOUBLE || format == VIPS_FORMAT_COMPLEX ||
      format == VIPS_FORMAT_DPCOMPLEX) {
    return Status::Unsupported("a mask holds whole-number labels; this image has fractional values");
  }
  VITRINE_ASSIGN_OR_RETURN(image, ResizeTo(std::move(image), width, height, VIPS_KERNEL_NEAREST));
  if (vips_cast(image.get(), &out, VIPS_FORMAT_INT, nullptr))
    return VipsError("cannot read the labels", ErrorCode::kInternal);
  image.reset(out);
  DecodedLabels labels;
  labels.width = width;
  labels.height = height;
  labels.labels.resize(static_cast<std::size_t>(width) * height);
  VITRINE_RETURN_IF_ERROR(CopyPixels(image.get(), labels.labels.data(), labels.labels.size() * sizeof(std::int32_t)));
  return labels;
}

}  // namespace vitrine::imaging
