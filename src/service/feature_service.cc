#include "service/feature_service.h"

#include <algorithm>
#include <cmath>

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
  if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || r.x + r.width > image.width ||
      r.y + r.height > image.height) {
    return Status::InvalidArgument("the region " + RegionText(r) + " is not inside the image (" +
                                   std::to_string(image.width) + "x" + std::to_string(image.height) + ")");
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
  } else if (parts.points.size() == 1) {
    const auto& p = parts.points[0];
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

Result<features::Table> FeatureService::Extract(const Caller& caller, std::string_view name,
                                                const FeatureRequest& request) {
  VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, Find(name));
  if (request.resources.empty()) return Status::InvalidArgument("no resources to describe");
  if (request.resources.size() > kMaxFeatureResources) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxFeatureResources) +
                                   " resources in one request; split the list");
  }
  if (request.max_size < 16 || request.max_size > kMaxFeatureSize) {
    return Status::InvalidArgument("max_size must be 16 to " + std::to_string(kMaxFeatureSize));
  }
  std::vector<std::vector<features::TableRow>> per_resource(request.resources.size());
  core::ParallelFor(executor_, core::Lane::kRequests, request.resources.size(), 1, [&](std::size_t i) {
    per_resource[i] = Describe(caller, *descriptor, request.resources[i], request.max_size);
  });
  features::Table table;
  table.descriptor = descriptor;
  for (auto& rows : per_resource) {
    for (auto& row : rows) table.rows.push_back(std::move(row));
  }
  return table;
}

std::vector<features::TableRow> FeatureService::Describe(const Caller& caller, const features::Descriptor& descriptor,
                                                         const FeatureResource& resource, int max_size) {
  features::TableRow named = Named(resource);
  auto failed = [&](const Status& status) {
    features::TableRow row = named;
    row.status = StatusOf(status);
    row.error = status.message();
    return std::vector<features::TableRow>{row};
  };
  const features::DescriptorInfo& info = descriptor.info();

  std::optional<Annotation> annotation;
  if (resource.annotation) {
    auto found = annotations_.Get(caller, *resource.annotation, AnnotationOutput{.properties = false, .terms = false});
    if (!found.ok()) return failed(found.status());
    if (resource.image && found->image_id != *resource.image) {
      return failed(Status::InvalidArgument("the annotation is on image " + std::to_string(found->image_id.value()) +
                                            ", not on this one"));
    }
    annotation = std::move(*found);
  }
  if (!resource.image && !annotation)
    return failed(Status::InvalidArgument("a resource names an image or an annotation"));
  if (resource.mask && annotation) return failed(Status::InvalidArgument("give a mask or an annotation, not both"));
  const ImageId image_id = resource.image ? *resource.image : annotation->image_id;
  if (!resource.image) named.image = "/api/v1/images/" + std::to_string(image_id.value());
  auto image = images_.ImageWithoutPropertiesIfViewer(caller, image_id);
  if (!image.ok()) return failed(image.status());

  PixelRect region = resource.region.value_or(PixelRect{0, 0, image->width, image->height});
  if (auto s = CheckRegion(region, *image); !s.ok()) return failed(s);
  if (annotation && !resource.region && info.target == features::Target::kLabels) {
    // Only the annotation and a margin around it, not the whole (perhaps whole-slide) image.
    const auto& b = annotation->bbox;
    const std::int64_t x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(b[0])) - kAnnotationMargin);
    const std::int64_t y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(b[1])) - kAnnotationMargin);
    const std::int64_t x1 = std::min(image->width, static_cast<std::int64_t>(std::ceil(b[2])) + kAnnotationMargin);
    const std::int64_t y1 = std::min(image->height, static_cast<std::int64_t>(std::ceil(b[3])) + kAnnotationMargin);
    if (x1 > x0 && y1 > y0) region = {x0, y0, x1 - x0, y1 - y0};
  }
  const double scale = std::min(1.0, static_cast<double>(max_size) / std::max(region.width, region.height));
  const int width = std::max(1, static_cast<int>(std::lround(region.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(region.height * scale)));

  auto pixels = images_.Pixels(*image, region, width, height, info.pixels == features::PixelKind::kGrey);
  if (!pixels.ok()) return failed(pixels.status());
  features::Input input{.pixels = &*pixels};
  std::optional<features::LabelMask> mask;
  if (resource.mask) {
    auto mask_image = images_.ImageWithoutPropertiesIfViewer(caller, *resource.mask);
    if (!mask_image.ok()) return failed(mask_image.status());
    if (mask_image->width != image->width || mask_image->height != image->height) {
      return failed(Status::InvalidArgument("the mask is " + std::to_string(mask_image->width) + "x" +
                                            std::to_string(mask_image->height) + ", the image " +
                                            std::to_string(image->width) + "x" + std::to_string(image->height)));
    }
    auto labels = images_.Labels(*mask_image, region, width, height);
    if (!labels.ok()) return failed(labels.status());
    mask = std::move(*labels);
    input.mask = &*mask;
  }
  if (annotation) {
    auto as_input = AnnotationAsInput(*annotation, region, width, height);
    if (!as_input.ok()) return failed(as_input.status());
    mask = std::move(as_input->mask);
    if (mask) input.mask = &*mask;
    input.keypoint = as_input->keypoint;
  }

  Result<std::vector<features::Row>> computed = Status::Internal("not computed");
  try {
    computed = descriptor.Extract(input);
  } catch (const std::exception& e) {
    computed = Status::Internal(info.name + " failed on this input: " + e.what());
  }
  if (!computed.ok()) return failed(computed.status());

  std::vector<features::TableRow> rows;
  for (features::Row& row : *computed) {
    // An annotation's row is its inside; the mask's background is not what was asked about.
    if (annotation && info.target == features::Target::kLabels && row.columns.at(0) != kInsideLabel) continue;
    if (info.target == features::Target::kKeypoints) {
      // Back to the image's full-resolution pixels: x, y and size.
      row.columns[0] = region.x + row.columns[0] / scale;
      row.columns[1] = region.y + row.columns[1] / scale;
      row.columns[3] /= scale;
    }
    features::TableRow out = named;
    out.row = std::move(row);
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace vitrine::service
