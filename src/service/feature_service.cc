#include "service/feature_service.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "core/digest.h"
#include "geometry/geometry.h"

namespace vitrine::service {
namespace {

// The label an annotation's inside gets in its mask: BisQue's 0/255 masks.
constexpr std::int32_t kInsideLabel = 255;
// Pixels around an annotation read with it, so that filters see its surroundings (HTD's
// kernels are 81 pixels across).
constexpr std::int64_t kAnnotationMargin = 40;

int StatusOf(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kNotFound:
    case ErrorCode::kPermissionDenied:
      return 404;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kTooLarge:
      return 400;
    case ErrorCode::kUnsupported:
      return 415;
    default:
      return 500;
  }
}

std::string RegionText(const PixelRect& r) {
  return std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) + "," +
         std::to_string(r.height);
}

features::TableRow Named(const FeatureResource& resource) {
  features::TableRow row;
  if (resource.image) {
    row.image = "/api/v1/images/" + std::to_string(resource.image->value());
    if (resource.region) row.image += "?region=" + RegionText(*resource.region);
  }
  if (resource.mask) row.mask = "/api/v1/images/" + std::to_string(resource.mask->value());
  if (resource.annotation) row.annotation = "/api/v1/annotations/" + std::to_string(resource.annotation->value());
  return row;
}

Status CheckRegion(const PixelRect& r, const Image& image) {
  // Each bound checked before any sum, so that no sum can overflow.
  if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || r.x > image.width || r.y > image.height ||
      r.width > image.width - r.x || r.height > image.height - r.y) {
    return Status::InvalidArgument("the region " + RegionText(r) + " is not inside the image (" +
                                   std::to_string(image.width) + "x" + std::to_string(image.height) + ")");
  }
  return Status::Ok();
}

// A row per label: a mask of many labels (an image that is not a label image) is refused before
// any row is computed.
Status CheckLabelCount(const features::LabelMask& mask) {
  std::unordered_set<std::int32_t> seen;
  for (std::int32_t label : mask.labels) {
    if (seen.insert(label).second && seen.size() > kMaxMaskLabels) {
      return Status::InvalidArgument("the mask has more than " + std::to_string(kMaxMaskLabels) +
                                     " labels (one row each): is it a label image?");
    }
  }
  return Status::Ok();
}

// Where an annotation's geometry falls in the pixels read: a mask of its areas, or its point.
struct AnnotationInput {
  std::optional<features::LabelMask> mask;
  std::optional<features::GivenKeypoint> keypoint;
};

Result<AnnotationInput> AnnotationAsInput(const Annotation& annotation, const PixelRect& region, int width,
                                          int height) {
  VITRINE_ASSIGN_OR_RETURN(geometry::Shape shape, geometry::Parse(annotation.wkt, geometry::TextFormat::kWkt));
  VITRINE_ASSIGN_OR_RETURN(geometry::Parts parts, geometry::PartsOf(shape.wkb));
  const double sx = static_cast<double>(width) / region.width, sy = static_cast<double>(height) / region.height;
  AnnotationInput input;
  if (!parts.polygons.empty()) {
    for (auto& polygon : parts.polygons) {
      for (auto& ring : polygon) {
        for (auto& p : ring) p = {(p[0] - region.x) * sx, (p[1] - region.y) * sy};
      }
    }
    input.mask = features::RasterisePolygons(parts.polygons, width, height, kInsideLabel);
    if (std::find(input.mask->labels.begin(), input.mask->labels.end(), kInsideLabel) == input.mask->labels.end()) {
      return Status::InvalidArgument("the annotation covers no pixel's centre at the size described (" +
                                     std::to_string(width) + "x" + std::to_string(height) + ")");
    }
  } else if (parts.points.size() == 1) {
    const auto& p = parts.points[0];
    if (!(p[0] >= region.x && p[0] <= region.x + region.width && p[1] >= region.y &&
          p[1] <= region.y + region.height)) {
      return Status::InvalidArgument("the point is outside the pixels described");
    }
    input.keypoint = features::GivenKeypoint{static_cast<float>((p[0] - region.x) * sx),
                                             static_cast<float>((p[1] - region.y) * sy), 1.0f};
  } else {
    return Status::InvalidArgument("a " + annotation.geometry_type +
                                   " annotation is neither an area (for a mask) nor a single point (for a keypoint)");
  }
  return input;
}

}  // namespace

Result<const features::Descriptor*> FeatureService::Find(std::string_view name) const {
  const features::Descriptor* descriptor = features::FindDescriptor(name);
  if (descriptor == nullptr) {
    return Status::NotFound("no feature descriptor is named '" + std::string(name) +
                            "' (GET /api/v1/features lists them; names are case-sensitive)");
  }
  return descriptor;
}

FeatureRequest FeatureRequestOf(const std::vector<vitrine::FeatureResource>& resources, const FeatureOptions& options) {
  FeatureRequest request;
  request.max_size = options.max_size.value_or(kDefaultFeatureMaxSize);
  request.use_cache = options.use_cache;
  for (const vitrine::FeatureResource& r : resources) {
    FeatureResource resource{r.image, std::nullopt, r.mask, r.annotation};
    if (r.region) resource.region = PixelRect{(*r.region)[0], (*r.region)[1], (*r.region)[2], (*r.region)[3]};
    request.resources.push_back(resource);
  }
  return request;
}

Result<const features::Descriptor*> FeatureService::Check(std::string_view name, const FeatureRequest& request) const {
  VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, Find(name));
  if (request.resources.empty()) return Status::InvalidArgument("no resources to describe");
  if (request.resources.size() > kMaxFeatureResources) {
    return Status::InvalidArgument(
        "at most " + std::to_string(kMaxFeatureResources) +
        " resources in one request; split the list, or run the vitrine/features job over the images");
  }
  if (request.max_size < 16 || request.max_size > kMaxFeatureSize) {
    return Status::InvalidArgument("max_size must be 16 to " + std::to_string(kMaxFeatureSize));
  }
  return descriptor;
}

Result<std::vector<features::TableRow>> FeatureService::ExtractRows(const Caller& caller,
                                                                    const features::Descriptor& descriptor,
                                                                    const FeatureRequest& request, std::size_t first,
                                                                    std::size_t count, std::size_t max_rows) {
  count = std::min(count, request.resources.size() - std::min(first, request.resources.size()));
  std::vector<std::vector<features::TableRow>> per_resource(count);
  // Once the answer is past its size, the resources not yet begun are not computed.
  std::atomic<std::size_t> total = 0;
  core::ParallelFor(executor_, core::Lane::kRequests, count, 1, [&](std::size_t i) {
    if (total.load() > max_rows) return;
    per_resource[i] = Describe(caller, descriptor, request.resources[first + i], request.max_size, request.use_cache);
    total += per_resource[i].size();
  });
  if (total.load() > max_rows) {
    return Status::InvalidArgument("these resources give more than " + std::to_string(max_rows) + " rows of " +
                                   descriptor.info().name +
                                   " in one answer: send fewer resources at a time, ask for CSV or JSON (streamed), "
                                   "or run the vitrine/features job");
  }
  std::vector<features::TableRow> rows;
  rows.reserve(total.load());
  for (auto& some : per_resource) {
    for (auto& row : some) rows.push_back(std::move(row));
  }
  return rows;
}

Result<features::Table> FeatureService::Extract(const Caller& caller, std::string_view name,
                                                const FeatureRequest& request) {
  VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, Check(name, request));
  features::Table table;
  table.info = &descriptor->info();
  VITRINE_ASSIGN_OR_RETURN(table.rows,
                           ExtractRows(caller, *descriptor, request, 0, request.resources.size(), kMaxFeatureRows));
  return table;
}

// Everything a resource's rows depend on, found from metadata alone: what the cache key names.
struct FeaturePlan {
  Image image;
  std::optional<Image> mask_image;
  std::optional<Annotation> annotation;
  PixelRect region;
  int width = 0, height = 0;
  double scale = 1;
  std::string source_sha256;  // the blob the pixels are read from (original or pyramid)
};

namespace {

std::string CacheKey(const features::DescriptorInfo& info, const FeaturePlan& plan) {
  std::string key = "features/" + info.name + "/v" + std::to_string(info.version) + "/" + plan.source_sha256 + "/" +
                    RegionText(plan.region) + "/" + std::to_string(plan.width) + "x" + std::to_string(plan.height);
  if (plan.mask_image) key += "/mask:" + plan.mask_image->sha256;
  if (plan.annotation) key += "/annotation:" + core::Sha256Hex(plan.annotation->wkt);
  return key;
}

// Rows as bytes for the cache: per row, its value count, floats, column count, doubles.
template <class T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
bool Take(std::string_view& in, T& v) {
  if (in.size() < sizeof v) return false;
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return true;
}

std::string SerialiseRows(const std::vector<features::Row>& rows) {
  std::string out;
  Put(out, static_cast<std::uint32_t>(rows.size()));
  for (const auto& row : rows) {
    Put(out, static_cast<std::uint32_t>(row.values.size()));
    for (float v : row.values) Put(out, v);
    Put(out, static_cast<std::uint32_t>(row.columns.size()));
    for (double v : row.columns) Put(out, v);
  }
  return out;
}

Result<std::vector<features::Row>> ParseRows(std::string_view in) {
  auto corrupt = [] { return Status::Internal("a cached feature entry is unreadable"); };
  std::uint32_t count = 0;
  if (!Take(in, count)) return corrupt();
  std::vector<features::Row> rows(count);
  for (auto& row : rows) {
    std::uint32_t n = 0;
    if (!Take(in, n) || in.size() < std::size_t{n} * sizeof(float)) return corrupt();
    row.values.resize(n);
    for (float& v : row.values) Take(in, v);
    if (!Take(in, n) || in.size() < std::size_t{n} * sizeof(double)) return corrupt();
    row.columns.resize(n);
    for (double& v : row.columns) Take(in, v);
  }
  return rows;
}

}  // namespace

Result<FeaturePlan> FeatureService::PlanOf(const Caller& caller, const features::Descriptor& descriptor,
                                           const FeatureResource& resource, int max_size) {
  FeaturePlan plan;
  const features::DescriptorInfo& info = descriptor.info();
  if (resource.annotation) {
    VITRINE_ASSIGN_OR_RETURN(plan.annotation, annotations_.Get(caller, *resource.annotation,
                                                               AnnotationOutput{.properties = false, .terms = false}));
    if (resource.image && plan.annotation->image_id != *resource.image) {
      return Status::InvalidArgument("the annotation is on image " + std::to_string(plan.annotation->image_id.value()) +
                                     ", not on this one");
    }
  }
  if (!resource.image && !plan.annotation) return Status::InvalidArgument("a resource names an image or an annotation");
  if (resource.mask && plan.annotation) return Status::InvalidArgument("give a mask or an annotation, not both");
  VITRINE_ASSIGN_OR_RETURN(plan.image, images_.ImageWithoutPropertiesIfViewer(
                                           caller, resource.image ? *resource.image : plan.annotation->image_id));
  const Image& image = plan.image;
  plan.region = resource.region.value_or(PixelRect{0, 0, image.width, image.height});
  VITRINE_RETURN_IF_ERROR(CheckRegion(plan.region, image));
  if (plan.annotation && !resource.region && info.target == features::Target::kLabels) {
    // Only the annotation and a margin around it, not the whole (perhaps whole-slide) image.
    // Clamped as doubles first: a geometry's coordinates are finite but may be far outside.
    const auto& b = plan.annotation->bbox;
    auto clamped = [](double v, std::int64_t limit) {
      return static_cast<std::int64_t>(std::clamp(v, 0.0, static_cast<double>(limit)));
    };
    const std::int64_t x0 = clamped(std::floor(b[0]) - kAnnotationMargin, image.width);
    const std::int64_t y0 = clamped(std::floor(b[1]) - kAnnotationMargin, image.height);
    const std::int64_t x1 = clamped(std::ceil(b[2]) + kAnnotationMargin, image.width);
    const std::int64_t y1 = clamped(std::ceil(b[3]) + kAnnotationMargin, image.height);
    if (x1 > x0 && y1 > y0) plan.region = {x0, y0, x1 - x0, y1 - y0};
  }
  if (resource.mask) {
    VITRINE_ASSIGN_OR_RETURN(plan.mask_image, images_.ImageWithoutPropertiesIfViewer(caller, *resource.mask));
    if (plan.mask_image->width != image.width || plan.mask_image->height != image.height) {
      return Status::InvalidArgument("the mask is " + std::to_string(plan.mask_image->width) + "x" +
                                     std::to_string(plan.mask_image->height) + ", the image " +
                                     std::to_string(image.width) + "x" + std::to_string(image.height));
    }
  }
  plan.scale = std::min(1.0, static_cast<double>(max_size) / std::max(plan.region.width, plan.region.height));
  plan.width = std::max(1, static_cast<int>(std::lround(plan.region.width * plan.scale)));
  plan.height = std::max(1, static_cast<int>(std::lround(plan.region.height * plan.scale)));
  // At full size the original is read, so that a pyramid built meanwhile changes nothing.
  if (plan.scale < 1) {
    VITRINE_ASSIGN_OR_RETURN(plan.source_sha256, images_.PixelSource(image));
  } else {
    plan.source_sha256 = image.sha256;
  }
  return plan;
}

Result<std::vector<features::Row>> FeatureService::Compute(const features::Descriptor& descriptor,
                                                           const FeaturePlan& plan) {
  const features::DescriptorInfo& info = descriptor.info();
  VITRINE_ASSIGN_OR_RETURN(imaging::DecodedPixels pixels,
                           images_.Pixels(plan.source_sha256, plan.region, plan.width, plan.height,
                                          info.pixels == features::PixelKind::kGrey));
  features::Input input{.pixels = &pixels};
  std::optional<features::LabelMask> mask;
  if (plan.mask_image) {
    VITRINE_ASSIGN_OR_RETURN(mask, images_.Labels(*plan.mask_image, plan.region, plan.width, plan.height));
    VITRINE_RETURN_IF_ERROR(CheckLabelCount(*mask));
    input.mask = &*mask;
  }
  if (plan.annotation) {
    VITRINE_ASSIGN_OR_RETURN(AnnotationInput as_input,
                             AnnotationAsInput(*plan.annotation, plan.region, plan.width, plan.height));
    mask = std::move(as_input.mask);
    if (mask) input.mask = &*mask;
    input.keypoint = as_input.keypoint;
  }
  Result<std::vector<features::Row>> computed = Status::Internal("not computed");
  try {
    computed = descriptor.Extract(input);
  } catch (const std::exception& e) {
    computed = Status::Internal(info.name + " failed on this input: " + e.what());
  }
  if (!computed.ok()) return computed.status();
  std::vector<features::Row> rows;
  for (features::Row& row : *computed) {
    // An annotation's row is its inside; the mask's background is not what was asked about.
    if (plan.annotation && info.target == features::Target::kLabels && row.columns.at(0) != kInsideLabel) continue;
    if (info.target == features::Target::kKeypoints) {
      // Back to the image's full-resolution pixels: x, y and size.
      row.columns[0] = plan.region.x + row.columns[0] / plan.scale;
      row.columns[1] = plan.region.y + row.columns[1] / plan.scale;
      row.columns[3] /= plan.scale;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<features::TableRow> FeatureService::Describe(const Caller& caller, const features::Descriptor& descriptor,
                                                         const FeatureResource& resource, int max_size,
                                                         bool use_cache) {
  features::TableRow named = Named(resource);
  auto failed = [&](const Status& status) {
    features::TableRow row = named;
    row.status = StatusOf(status);
    row.error = status.message();
    return std::vector<features::TableRow>{row};
  };
  auto plan = PlanOf(caller, descriptor, resource, max_size);
  if (!plan.ok()) return failed(plan.status());
  if (!resource.image) named.image = "/api/v1/images/" + std::to_string(plan->image.id.value());
  Result<std::vector<features::Row>> rows = Status::Internal("not computed");
  if (use_cache) {
    auto bytes =
        images_.CachedDerived(plan->image.id, CacheKey(descriptor.info(), *plan), [&]() -> Result<std::string> {
          VITRINE_ASSIGN_OR_RETURN(auto computed, Compute(descriptor, *plan));
          return SerialiseRows(computed);
        });
    rows = bytes.ok() ? ParseRows(*bytes) : Result<std::vector<features::Row>>(bytes.status());
  } else {
    rows = Compute(descriptor, *plan);
  }
  if (!rows.ok()) return failed(rows.status());
  std::vector<features::TableRow> out;
  for (features::Row& row : *rows) {
    features::TableRow table_row = named;
    table_row.row = std::move(row);
    out.push_back(std::move(table_row));
  }
  return out;
}

}  // namespace vitrine::service
