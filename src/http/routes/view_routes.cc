// Views of images for people and viewers: /api/v1/images/{id}/region, Deep Zoom
// (/api/v1/images/{id}.dzi and its tiles) and IIIF Image API 3.0 (/iiif/3/{id}/...).
#include <algorithm>
#include <cmath>

#include "core/parse_integer.h"
#include "http/routes/route_helpers.h"
#include "http/viewers/deep_zoom.h"
#include "http/viewers/iiif.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

Result<PixelRect> RegionOf(const QueryParams& query, const Image& image) {
  // Each bound is checked before any sum, so no request can overflow one.
  VITRINE_ASSIGN_OR_RETURN(auto x, query.GetIntIn("x", 0, image.width - 1));
  VITRINE_ASSIGN_OR_RETURN(auto y, query.GetIntIn("y", 0, image.height - 1));
  PixelRect r{x.value_or(0), y.value_or(0), 0, 0};
  VITRINE_ASSIGN_OR_RETURN(auto w, query.GetIntIn("w", 1, image.width - r.x));
  VITRINE_ASSIGN_OR_RETURN(auto h, query.GetIntIn("h", 1, image.height - r.y));
  r.width = w.value_or(image.width - r.x);
  r.height = h.value_or(image.height - r.y);
  return r;
}

// max_size (longest side, never upscaled), scale, or width and/or height (aspect kept when
// only one is given); by default the region's own size.
Result<std::pair<int, int>> OutputSize(const QueryParams& query, const PixelRect& r) {
  const double rw = static_cast<double>(r.width), rh = static_cast<double>(r.height);
  VITRINE_ASSIGN_OR_RETURN(auto max_size, query.GetIntIn("max_size", 1, kMaxViewSide));
  VITRINE_ASSIGN_OR_RETURN(auto width, query.GetIntIn("width", 1, kMaxViewSide));
  VITRINE_ASSIGN_OR_RETURN(auto height, query.GetIntIn("height", 1, kMaxViewSide));
  auto scale_text = query.Get("scale");
  if ((max_size.has_value() + scale_text.has_value() + (width || height)) > 1) {
    return Status::InvalidArgument("give one of max_size, scale, or width/height");
  }
  double w = rw, h = rh;
  if (max_size) {
    const double s = std::min(1.0, static_cast<double>(*max_size) / std::max(rw, rh));
    w = rw * s, h = rh * s;
  } else if (scale_text) {
    auto s = ParseNumber(*scale_text, "scale");
    if (!s.ok() || !(*s > 0 && *s <= 1)) return Status::InvalidArgument("scale must be a number above 0 and at most 1");
    w = rw * *s, h = rh * *s;
  } else if (width || height) {
    w = width ? static_cast<double>(*width) : rw * static_cast<double>(*height) / rh;
    h = height ? static_cast<double>(*height) : rh * static_cast<double>(*width) / rw;
  }
  // Compared as doubles before any conversion: an int would wrap.
  if (w > kMaxViewSide + 0.5 || h > kMaxViewSide + 0.5) {
    return Status::InvalidArgument("the output would be " + std::to_string(std::llround(w)) + " x " +
                                   std::to_string(std::llround(h)) + "; at most " + std::to_string(kMaxViewSide) +
                                   " a side: ask for a smaller region or a max_size");
  }
  const int out_w = std::max(1, static_cast<int>(std::lround(w))),
            out_h = std::max(1, static_cast<int>(std::lround(h)));
  return std::pair{out_w, out_h};
}

// plane=, channel= and window=low,high: which pixels of a stack, and how bright.
Status ParsePixelOptions(const QueryParams& query, const Image& image, ViewRequest& view) {
  VITRINE_ASSIGN_OR_RETURN(auto plane, query.GetIntIn("plane", 0, std::max(0, image.planes - 1)));
  if (plane && (*plane < 0 || *plane >= image.planes)) {
    return Status::InvalidArgument("plane must be 0 to " + std::to_string(image.planes - 1) + " (the image has " +
                                   std::to_string(image.planes) + ")");
  }
  VITRINE_ASSIGN_OR_RETURN(auto channel, query.GetIntIn("channel", 0, image.channels > 0 ? image.channels - 1 : 1023));
  if (channel && (*channel < 0 || (image.channels > 0 && *channel >= image.channels))) {
    return Status::InvalidArgument("channel must be 0 to " + std::to_string(image.channels - 1) + " (the image has " +
                                   std::to_string(image.channels) + ")");
  }
  view.plane = static_cast<int>(plane.value_or(0));
  view.channel = static_cast<int>(channel.value_or(-1));
  if (auto window = query.Get("window")) {
    const std::size_t comma = window->find(',');
    auto low = ParseNumber(window->substr(0, comma), "window");
    auto high = comma == std::string_view::npos ? low : ParseNumber(window->substr(comma + 1), "window");
    if (comma == std::string_view::npos || !low.ok() || !high.ok()) {
      return Status::InvalidArgument("window must be low,high in the image's values, e.g. window=100,4000");
    }
    if (*low >= *high) return Status::InvalidArgument("window: low must be below high");
    view.window = ContrastWindow{*low, *high};
  }
  return Status::Ok();
}

Result<EncodedFormat> RegionFormat(std::string_view name) {
  if (name == "tif" || name == "tiff") return EncodedFormat::kTiff;
  auto format = EncodedFormatFromName(name);
  if (!format.ok())
    return Status::InvalidArgument("format must be jpg, png, webp or tif, not '" + std::string(name) + "'");
  return format;
}

Result<ViewRequest> ParseRegionRequest(const QueryParams& query, const Image& image) {
  ViewRequest view;
  VITRINE_RETURN_IF_ERROR(ParsePixelOptions(query, image, view));
  VITRINE_ASSIGN_OR_RETURN(view.region, RegionOf(query, image));
  VITRINE_ASSIGN_OR_RETURN(auto size, OutputSize(query, view.region));
  std::tie(view.width, view.height) = size;
  VITRINE_ASSIGN_OR_RETURN(view.format, RegionFormat(query.Get("format").value_or("jpg")));
  VITRINE_ASSIGN_OR_RETURN(auto quality, query.GetInt("quality"));
  if (quality) view.compression_quality = static_cast<int>(std::clamp<std::int64_t>(*quality, -1, 101));
  VITRINE_ASSIGN_OR_RETURN(auto rotation, query.GetInt("rotation"));
  if (rotation) view.rotation = static_cast<int>(std::clamp<std::int64_t>(*rotation, -1, 361));
  VITRINE_ASSIGN_OR_RETURN(view.mirror, BoolParam(query, "mirror"));
  std::string_view mode = query.Get("mode").value_or("color");
  if (mode == "gray")
    view.quality = ViewQuality::kGray;
  else if (mode == "bitonal")
    view.quality = ViewQuality::kBitonal;
  else if (mode != "color")
    return Status::InvalidArgument("mode must be color, gray or bitonal");
  return view;
}

// The IIIF identifier is the image id.
Result<ImageId> IiifImage(const PathParams& params) {
  auto it = params.find("identifier");
  if (it != params.end()) {
    auto v = core::ParseInteger<std::int64_t>(it->second);
    if (v && *v > 0) return ImageId(*v);
  }
  return Status::NotFound("no image '" + (it == params.end() ? std::string() : it->second) + "'");
}

// From the server's reading of the request (HttpRequest::host, secure): forwarded headers
// count only from a trusted proxy, and a Host that is no plain host name is not echoed.
std::string IiifBase(const HttpRequest& request, ImageId id) {
  const std::string host = request.host.empty() ? "localhost" : request.host;
  return std::string(request.secure ? "https" : "http") + "://" + host + "/iiif/3/" + std::to_string(id.value());
}

// IIIF answers carry CORS: viewers on other origins fetch them with their bearer token.
HttpResponse WithCors(HttpResponse r) {
  r.With("access-control-allow-origin", "*");
  return r;
}

// kUnsupported from the IIIF parser is a feature this server leaves out: 501, as the
// specification asks.
Handler IiifHandler(service::Service& service, RouteHandler fn) {
  return ViewerAuthed(service,
                      [fn](service::Service& s, const Caller& caller, const HttpRequest& request,
                           const PathParams& params) -> Result<HttpResponse> {
                        Result<HttpResponse> r = fn(s, caller, request, params);
                        if (!r.ok() && r.status().code() == ErrorCode::kUnsupported) {
                          HttpResponse out = ErrorResponse(r.status());
                          out.status = 501;
                          return WithCors(std::move(out));
                        }
                        if (!r.ok()) return r.status();
                        return WithCors(std::move(*r));
                      });
}

// The view as an answer; a client that already holds it (If-None-Match) gets 304 before any
// pixel is read. A view to be rendered is handed to a worker thread: the network threads only
// answer from the cache.
Result<HttpResponse> ViewResponse(service::ImageService& images, const Caller& caller, ImageId id,
                                  const HttpRequest& request, const service::ImageService::ViewPlan& plan) {
  const std::string if_none_match(request.header("if-none-match"));
  auto client_has = [&](std::string_view etag) { return !if_none_match.empty() && ETagMatches(if_none_match, etag); };
  VITRINE_ASSIGN_OR_RETURN(service::EncodedImage picture,
                           images.View(caller, id, plan, client_has, /*may_render=*/request.on_worker));
  return PictureResponse(request, std::move(picture));
}

Result<HttpResponse> GetRegion(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  return ViewResponse(service.images(), caller, id, request,
                      [&](const Image& image) { return ParseRegionRequest(query, image); });
}

Result<HttpResponse> GetPyramidStatus(service::Service& service, const Caller& caller, const HttpRequest&,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(auto state, service.images().PyramidStatus(caller, id));
  return JsonResponse(200, PyramidJson(state));
}

// The image's own tiles, without overlap, so that a tile is one stored tile (read as stored);
// overlap=1 asks for the classic 254 + 1 px form. OpenSeadragon repeats the .dzi's query on
// every tile, so descriptor and tiles agree. nullopt on a network thread when the image's tile
// side is not known yet (its file is read on a worker).
Result<std::optional<deep_zoom::Geometry>> DeepZoomGeometry(service::Service& service, const QueryParams& query,
                                                            const Image& image, bool on_worker) {
  std::string_view overlap = query.Get("overlap").value_or("0");
  if (overlap == "1") return std::optional(deep_zoom::kClassicGeometry);
  if (overlap != "0")
    return Status::InvalidArgument("overlap must be 0 (the image's own tiles) or 1 (254 + 1 px tiles)");
  VITRINE_ASSIGN_OR_RETURN(std::optional<int> side, service.images().TileSide(image, on_worker));
  if (!side) return std::optional<deep_zoom::Geometry>();
  return std::optional(deep_zoom::Geometry{*side, 0});
}

Result<HttpResponse> GetDeepZoomDescriptor(service::Service& service, const Caller& caller, const HttpRequest& request,
                                           const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Image image, service.images().ImageWithoutPropertiesIfViewer(caller, id));
  VITRINE_ASSIGN_OR_RETURN(std::optional<deep_zoom::Geometry> geometry,
                           DeepZoomGeometry(service, query, image, request.on_worker));
  if (!geometry) return RunOnWorker();
  HttpResponse r;
  r.body = deep_zoom::Descriptor(image.width, image.height, EncodedFormat::kJpeg, *geometry);
  r.With("content-type", "application/xml");
  return r;
}

Result<HttpResponse> GetDeepZoomTile(service::Service& service, const Caller& caller, const HttpRequest& request,
                                     const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  std::int64_t numbers[3] = {};
  const char* names[] = {"level", "col", "row"};
  for (int i = 0; i < 3; ++i) {
    auto v = core::ParseInteger<std::int64_t>(params.at(names[i]));
    if (!v || *v < 0 || *v > 1'000'000) {
      return Status::InvalidArgument(std::string("Deep Zoom ") + names[i] + " must be a whole number");
    }
    numbers[i] = *v;
  }
  const std::string& format = params.at("format");
  if (format != "jpg" && format != "png") return Status::InvalidArgument("Deep Zoom tiles are jpg or png");
  bool needs_worker = false;
  Result<HttpResponse> answer =
      ViewResponse(service.images(), caller, id, request, [&](const Image& image) -> Result<ViewRequest> {
        VITRINE_ASSIGN_OR_RETURN(std::optional<deep_zoom::Geometry> geometry,
                                 DeepZoomGeometry(service, query, image, request.on_worker));
        if (!geometry) {
          needs_worker = true;
          return Status::Unavailable("the tile geometry is read on a worker");
        }
        VITRINE_ASSIGN_OR_RETURN(ViewRequest view,
                                 deep_zoom::Tile(image.width, image.height, static_cast<int>(numbers[0]), numbers[1],
                                                 numbers[2], *EncodedFormatFromName(format), *geometry));
        VITRINE_RETURN_IF_ERROR(ParsePixelOptions(query, image, view));
        return view;
      });
  if (needs_worker) return RunOnWorker();
  return answer;
}

Result<HttpResponse> RedirectToIiifInfo(service::Service& service, const Caller& caller, const HttpRequest& request,
                                        const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IiifImage(params));
  VITRINE_RETURN_IF_ERROR(service.images().ImageWithoutPropertiesIfViewer(caller, id).status());
  HttpResponse r;
  r.status = 303;
  r.With("location", IiifBase(request, id) + "/info.json");
  return r;
}

Result<HttpResponse> GetIiifInfo(service::Service& service, const Caller& caller, const HttpRequest& request,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IiifImage(params));
  VITRINE_ASSIGN_OR_RETURN(Image image, service.images().ImageWithoutPropertiesIfViewer(caller, id));
  VITRINE_ASSIGN_OR_RETURN(std::optional<int> tile_side, service.images().TileSide(image, request.on_worker));
  if (!tile_side) return RunOnWorker();  // the image's file is read there
  HttpResponse r = JsonResponse(200, iiif::InfoJson(IiifBase(request, id), image.width, image.height, *tile_side));
  // JSON-LD when the client asks for it, plain JSON otherwise (the specification's rule).
  if (request.header("accept").find("application/ld+json") != std::string_view::npos) {
    r.With("content-type", "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"");
  }
  return r;
}

Result<HttpResponse> GetIiifImage(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IiifImage(params));
  return ViewResponse(service.images(), caller, id, request, [&](const Image& image) {
    return iiif::ParseImageRequest(params.at("region"), params.at("size"), params.at("rotation"),
                                   params.at("quality_format"), image.width, image.height);
  });
}

}  // namespace

void AddViewRoutes(Router& router, service::Service& service) {
  router.Add("GET", "/api/v1/images/{image_id}/region", ViewerAuthed(service, GetRegion));
  // Viewers poll it while a pyramid is built, so it takes their cookie too.
  router.Add("GET", "/api/v1/images/{image_id}/pyramid", ViewerAuthed(service, GetPyramidStatus));

  router.Add("GET", "/api/v1/images/{image_id}.dzi", ViewerAuthed(service, GetDeepZoomDescriptor));
  // OpenSeadragon repeats the .dzi URL's query on every tile: plane, channel and window there
  // apply to the whole view.
  router.Add("GET", "/api/v1/images/{image_id}_files/{level}/{col}_{row}.{format}",
             ViewerAuthed(service, GetDeepZoomTile));

  router.Add("GET", "/iiif/3/{identifier}", IiifHandler(service, RedirectToIiifInfo));
  router.Add("GET", "/iiif/3/{identifier}/info.json", IiifHandler(service, GetIiifInfo));
  router.Add("GET", "/iiif/3/{identifier}/{region}/{size}/{rotation}/{quality_format}",
             IiifHandler(service, GetIiifImage));
}

}  // namespace vitrine::http::routes
