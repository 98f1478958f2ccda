#include "imaging/dark_objects.h"

#include <algorithm>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <memory>
#include <string>
#include <system_error>

#include "imaging/dark_object_steps.h"
#include "imaging/vips_handles.h"

namespace vitrine::imaging {
namespace {

using internal_dark_objects::DarkMask;
using internal_dark_objects::Histogram;

constexpr double kMaxBlurSigma = 50;

Status CheckOptions(const DarkObjectOptions& options) {
  if (!(options.blur_sigma >= 0 && options.blur_sigma <= kMaxBlurSigma)) {
    return Status::InvalidArgument("blur_sigma must be between 0 and 50 pixels");
  }
  if (options.threshold && (*options.threshold < 0 || *options.threshold > 255)) {
    return Status::InvalidArgument("threshold must be between 0 and 255");
  }
  if (options.min_area_px < 1) return Status::InvalidArgument("min_area must be at least 1 pixel");
  if (options.max_area_px && *options.max_area_px < options.min_area_px) {
    return Status::InvalidArgument("max_area must be at least min_area");
  }
  if (!(options.simplify_tolerance_px >= 0 && options.simplify_tolerance_px <= 1000)) {
    return Status::InvalidArgument("simplify_tolerance must be between 0 and 1000 pixels");
  }
  if (options.max_objects < 1) return Status::InvalidArgument("max_objects must be at least 1");
  return Status::Ok();
}

Status NotAnImage(std::string_view what) { return VipsError(what, ErrorCode::kInvalidArgument); }

// One operation of libvips applied to `image`: `call` fills its output or returns non-zero.
template <class Call>
Result<VipsImagePtr> Apply(const VipsImagePtr& image, Call call) {
  VipsImage* out = nullptr;
  if (call(image.get(), &out) != 0 || !out) return NotAnImage("the image cannot be decoded");
  return VipsImagePtr(out);
}

// The decoded image as one uchar band (grey) or three (RGB, luminance taken after): CMYK made
// RGB, alpha and extra bands dropped, 16-bit shifted to 8, other formats stretched to 0–255.
Result<VipsImagePtr> ToEightBitGreyOrRgb(VipsImagePtr image) {
  if (vips_image_get_interpretation(image.get()) == VIPS_INTERPRETATION_CMYK) {
    VITRINE_ASSIGN_OR_RETURN(image, Apply(image, [](VipsImage* in, VipsImage** out) {
                               return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, nullptr);
                             }));
  }
  const int bands = vips_image_get_bands(image.get());
  if (bands == 2 || bands > 3) {
    const int keep = bands == 2 ? 1 : 3;
    VITRINE_ASSIGN_OR_RETURN(image, Apply(image, [keep](VipsImage* in, VipsImage** out) {
                               return vips_extract_band(in, out, 0, "n", keep, nullptr);
                             }));
  }
  switch (vips_image_get_format(image.get())) {
    case VIPS_FORMAT_UCHAR:
      return image;
    case VIPS_FORMAT_USHORT:
      return Apply(image, [](VipsImage* in, VipsImage** out) {
        return vips_cast(in, out, VIPS_FORMAT_UCHAR, "shift", TRUE, nullptr);
      });
    default:
      // vips_scale reads the image twice (its range, then the pixels): not from a sequential
      // decode, so the pixels are decoded into memory first.
      VITRINE_ASSIGN_OR_RETURN(image, Apply(image, [](VipsImage* in, VipsImage** out) {
                                 *out = vips_image_copy_memory(in);
                                 return *out ? 0 : -1;
                               }));
      return Apply(image, [](VipsImage* in, VipsImage** out) { return vips_scale(in, out, nullptr); });
  }
}

// A buffer kept by its thread from one image to the next: allocating 25 MB afresh for every
// photo cost a sixth of the time in page faults (the kernel zeroing fresh pages). Buffers up to
// kKeptBytes are kept; a larger image gets one of its own, freed after.
class ScratchBuffer {
 public:
  static constexpr std::size_t kKeptBytes = std::size_t{64} << 20;

  std::uint8_t* Get(std::size_t bytes) {
    once_.reset();
    if (bytes > kKeptBytes) {
      once_ = std::make_unique_for_overwrite<std::uint8_t[]>(bytes);
      return once_.get();
    }
    if (kept_size_ < bytes) {
      kept_ = std::make_unique_for_overwrite<std::uint8_t[]>(bytes);
      kept_size_ = bytes;
    }
    return kept_.get();
  }

 private:
  std::unique_ptr<std::uint8_t[]> kept_;
  std::size_t kept_size_ = 0;
  std::unique_ptr<std::uint8_t[]> once_;
};

// One image at a time per thread (FindDarkObjects does not recurse).
struct Scratch {
  ScratchBuffer decoded, grey, blurred;
};
thread_local Scratch t_scratch;

struct GreyImages {
  const std::uint8_t* grey = nullptr;     // luminance, what mean intensities are taken from
  const std::uint8_t* blurred = nullptr;  // what is thresholded
};

// Luminance of packed RGB with OpenCV's integer weights (ITU-R BT.601: .299 R + .587 G + .114 B).
// Compiled twice, the AVX2 form chosen at run time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void Luminance(const std::uint8_t* rgb, std::size_t pixels,
                                                                 std::uint8_t* out) {
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    out[i] = static_cast<std::uint8_t>((r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14);
  }
}

Result<GreyImages> DecodeAndBlur(VipsImagePtr image, double blur_sigma) {
  VITRINE_ASSIGN_OR_RETURN(image, ToEightBitGreyOrRgb(std::move(image)));
  const int width = vips_image_get_width(image.get()), height = vips_image_get_height(image.get());
  const int bands = vips_image_get_bands(image.get());
  const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  // Decoded straight into the kept buffer: libvips writes into memory it is given.
  std::uint8_t* decoded = (bands == 3 ? t_scratch.decoded : t_scratch.grey).Get(pixels * bands);
  VipsImagePtr target(vips_image_new_from_memory(decoded, pixels * bands, width, height, bands, VIPS_FORMAT_UCHAR));
  if (!target || vips_image_write(image.get(), target.get()) != 0) return NotAnImage("the image cannot be decoded");
  GreyImages images;
  if (bands == 3) {
    std::uint8_t* grey = t_scratch.grey.Get(pixels);
    Luminance(decoded, pixels, grey);
    images.grey = grey;
  } else {
    images.grey = decoded;
  }
  images.blurred = images.grey;
  if (blur_sigma > 0) {
    std::uint8_t* blurred = t_scratch.blurred.Get(pixels);
    internal_dark_objects::GaussianBlur(images.grey, blurred, width, height, blur_sigma);
    images.blurred = blurred;
  }
  return images;
}

// Four partial counts, so that runs of equal pixels (most of a background) do not wait on one
// counter's previous increment.
Histogram HistogramOf(const std::uint8_t* grey, std::size_t pixels) {
  Histogram partial[4] = {};
  std::size_t i = 0;
  for (; i + 4 <= pixels; i += 4) {
    ++partial[0][grey[i]];
    ++partial[1][grey[i + 1]];
    ++partial[2][grey[i + 2]];
    ++partial[3][grey[i + 3]];
  }
  for (; i < pixels; ++i) ++partial[0][grey[i]];
  for (int level = 0; level < 256; ++level)
    partial[0][level] += partial[1][level] + partial[2][level] + partial[3][level];
  return partial[0];
}

// A horizontal run of dark pixels [x_begin, x_end) of row y; runs are numbered in raster order
// and joined into components by union-find on `parent`.
struct Run {
  int x_begin, x_end, y;
  int parent;
  std::int64_t grey_sum;
};

// Links each component to its lowest-numbered run, which holds its topmost-leftmost pixel.
int FindRoot(std::vector<Run>& runs, int i) {
  while (runs[i].parent != i) {
    runs[i].parent = runs[runs[i].parent].parent;
    i = runs[i].parent;
  }
  return i;
}

void Join(std::vector<Run>& runs, int a, int b) {
  a = FindRoot(runs, a);
  b = FindRoot(runs, b);
  if (a < b) runs[b].parent = a;
  if (b < a) runs[a].parent = b;
}

// The first x from `x` on where row[x] <= threshold, or `width`. Most of a trap photo is light
// background: sixteen pixels are looked at per step where the CPU allows.
int SkipLight(const std::uint8_t* row, int x, int width, std::uint8_t threshold) {
#if defined(__SSE2__)
  const __m128i limit = _mm_set1_epi8(static_cast<char>(threshold));
  for (; x + 16 <= width; x += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + x));
    // v <= limit exactly where min(v, limit) == v.
    const int dark = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, limit), v));
    if (dark) return x + __builtin_ctz(static_cast<unsigned>(dark));
  }
#endif
  while (x < width && row[x] > threshold) ++x;
  return x;
}

// The dark runs of every row, joined where they touch the row above (8-connectivity: runs
// that overlap or meet at a corner).
std::vector<Run> FindDarkRuns(const DarkMask& mask, const std::uint8_t* grey) {
  std::vector<Run> runs;
  runs.reserve(static_cast<std::size_t>(mask.height) * 4);
  std::size_t above_begin = 0, above_end = 0;
  for (int y = 0; y < mask.height; ++y) {
    const std::size_t offset = static_cast<std::size_t>(y) * static_cast<std::size_t>(mask.width);
    const std::uint8_t* blurred_row = mask.grey + offset;
    const std::uint8_t* grey_row = grey + offset;
    const std::size_t row_begin = runs.size();
    for (int x = 0; x < mask.width;) {
      x = SkipLight(blurred_row, x, mask.width, static_cast<std::uint8_t>(mask.threshold));
      if (x == mask.width) break;
      const int begin = x;
      std::int64_t sum = 0;
      while (x < mask.width && blurred_row[x] <= mask.threshold) sum += grey_row[x++];
      runs.push_back({begin, x, y, static_cast<int>(runs.size()), sum});
    }
    const std::size_t row_end = runs.size();
    for (std::size_t above = above_begin, here = row_begin; above < above_end && here < row_end;) {
      const Run& a = runs[above];
      const Run& h = runs[here];
      if (a.x_end < h.x_begin) {
        ++above;
      } else if (h.x_end < a.x_begin) {
        ++here;
      } else {
        Join(runs, static_cast<int>(above), static_cast<int>(here));
        if (a.x_end < h.x_end) {
          ++above;
        } else {
          ++here;
        }
      }
    }
    above_begin = row_begin;
    above_end = row_end;
  }
  return runs;
}

struct Component {
  std::int64_t area = 0;
  std::int64_t grey_sum = 0;
  int min_x = 0, min_y = 0, max_x = 0, max_y = 0;  // inclusive
  int start_x = 0, start_y = 0;                    // topmost-leftmost pixel
};

std::vector<Component> MeasureComponents(std::vector<Run>& runs) {
  std::vector<Component> components;
  std::vector<int> component_of_run(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const int root = FindRoot(runs, static_cast<int>(i));
    if (root == static_cast<int>(i)) {
      component_of_run[i] = static_cast<int>(components.size());
      components.push_back({0, 0, run.x_begin, run.y, run.x_end - 1, run.y, run.x_begin, run.y});
    } else {
      component_of_run[i] = component_of_run[root];
    }
    Component& c = components[component_of_run[i]];
    c.area += run.x_end - run.x_begin;
    c.grey_sum += run.grey_sum;
    c.min_x = std::min(c.min_x, run.x_begin);
    c.max_x = std::max(c.max_x, run.x_end - 1);
    c.max_y = run.y;
  }
  return components;
}

std::vector<OutlinePoint> BoxRing(const Component& c) {
  const double left = c.min_x, top = c.min_y, right = c.max_x + 1, bottom = c.max_y + 1;
  return {{left, top}, {right, top}, {right, bottom}, {left, bottom}, {left, top}};
}

// The simplified outer boundary; if simplifying broke the ring (it can make edges cross), a
// smaller tolerance, then the boundary as traced, then the bounding box.
std::vector<OutlinePoint> Outline(const DarkMask& mask, const Component& c, double tolerance) {
  std::vector<OutlinePoint> traced = internal_dark_objects::TraceOuterBoundary(mask, c.start_x, c.start_y);
  for (double t = tolerance; t >= 0.25; t /= 2) {
    std::vector<OutlinePoint> simplified = internal_dark_objects::SimplifyRing(traced, t);
    if (internal_dark_objects::IsSimpleRing(simplified)) return simplified;
  }
  if (internal_dark_objects::IsSimpleRing(traced)) return traced;
  return BoxRing(c);
}

Result<DarkObjectResult> FindInImage(VipsImagePtr image, const DarkObjectOptions& options) {
  DarkObjectResult result;
  result.width = vips_image_get_width(image.get());
  result.height = vips_image_get_height(image.get());
  if (static_cast<std::int64_t>(result.width) * result.height > kMaxDarkObjectPixels) {
    return Status::TooLarge("the image has more than " + std::to_string(kMaxDarkObjectPixels) +
                            " pixels, the most dark-objects reads");
  }
  VITRINE_ASSIGN_OR_RETURN(GreyImages images, DecodeAndBlur(std::move(image), options.blur_sigma));
  const std::size_t pixels = static_cast<std::size_t>(result.width) * static_cast<std::size_t>(result.height);
  if (options.threshold) {
    result.threshold_used = *options.threshold;
  } else {
    result.threshold_used = internal_dark_objects::OtsuThreshold(HistogramOf(images.blurred, pixels));
  }
  const DarkMask mask{images.blurred, result.width, result.height, result.threshold_used};
  std::vector<Run> runs = FindDarkRuns(mask, images.grey);
  std::vector<Component> components = MeasureComponents(runs);
  runs = {};
  std::erase_if(components, [&](const Component& c) {
    return c.area < options.min_area_px || (options.max_area_px && c.area > *options.max_area_px);
  });
  if (components.size() > options.max_objects) {
    return Status::InvalidArgument("found " + std::to_string(components.size()) +
                                   " dark objects, more than max_objects (" + std::to_string(options.max_objects) +
                                   "): raise min_area or set a lower threshold");
  }
  result.objects.reserve(components.size());
  for (const Component& c : components) {
    DarkObject object;
    object.outline = Outline(mask, c, options.simplify_tolerance_px);
    object.area_px = c.area;
    object.mean_intensity = static_cast<double>(c.grey_sum) / static_cast<double>(c.area);
    object.x = c.min_x;
    object.y = c.min_y;
    object.width = c.max_x - c.min_x + 1;
    object.height = c.max_y - c.min_y + 1;
    result.objects.push_back(std::move(object));
  }
  return result;
}

}  // namespace

Result<DarkObjectResult> FindDarkObjects(const std::filesystem::path& file, const DarkObjectOptions& options) {
  VITRINE_RETURN_IF_ERROR(CheckOptions(options));
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return Status::NotFound(file.string() + ": no such file");
  VipsImage* image = vips_image_new_from_file(file.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                              VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (!image) return NotAnImage(file.filename().string() + ": not a readable image");
  return FindInImage(VipsImagePtr(image), options);
}

Result<DarkObjectResult> FindDarkObjectsInBuffer(std::string_view encoded, const DarkObjectOptions& options) {
  VITRINE_RETURN_IF_ERROR(CheckOptions(options));
  // libvips reads the bytes in place: they outlive the image, which is gone when this returns.
  VipsImage* image = vips_image_new_from_buffer(encoded.data(), encoded.size(), "", "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (!image) return NotAnImage("not a readable image");
  return FindInImage(VipsImagePtr(image), options);
}

}  // namespace vitrine::imaging
