// Cytomine's image instances (and abstract images: the same Vitrine image), their downloads and
// thumbnails.
#include "compat/cytomine/cytomine_routes.h"
#include "http/routes/route_helpers.h"

namespace vitrine::compat::cytomine {
namespace {

// Cytomine's default thumbnail size (reference/cytomine.md §1.8).
constexpr int kDefaultThumbSize = 512;

HttpResponse Described(const Image& image, std::string_view class_name) {
  return CytomineJsonResponse(ImageJson(image, class_name));
}

Result<HttpResponse> GetImage(service::Service& service, const Caller& caller, const HttpRequest&,
                              const PathParams& params, std::string_view class_name) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IdIn<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(Image image, service.images().Get(caller, id));
  return Described(image, class_name);
}

Result<HttpResponse> ListProjectImages(service::Service& service, const Caller& caller, const HttpRequest& request,
                                       const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, IdIn<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  ImageFilter filter;
  filter.sort = ImageSort::kId;
  VITRINE_ASSIGN_OR_RETURN(
      Json list, PagedList<Image>(
                     slice, PageRequest::kMaxLimit,
                     [&](const PageRequest& page) { return service.images().List(caller, project, filter, page); },
                     [](const Image& image) { return ImageJson(image, kImageInstanceClass); }));
  return CytomineJsonResponse(list);
}

// The original file's bytes with 200 (the client follows a redirect too, when the blob store
// serves downloads itself).
Result<HttpResponse> Download(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IdIn<ImageId>(params, "image_id"));
  return http::routes::ServeImageFile(service.images(), caller, request, id);
}

// thumb.jpg / thumb.png with `maxSize` (longest side, default 512). Cytomine's `bits`,
// `contrast`, `gamma`, `colormap` and `inverse` are not offered: asked for, they are refused.
Result<HttpResponse> Thumbnail(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, IdIn<ImageId>(params, "image_id"));
  std::string format = params.at("format");
  if (format == "jpeg") format = "jpg";
  if (format != "jpg" && format != "png") {
    return Status::InvalidArgument("thumb." + format + " is not offered: ask for thumb.jpg or thumb.png");
  }
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(auto max_size, query.GetIntIn("maxSize", 1, 4096));
  if (auto bits = query.Get("bits"); bits && *bits != "8" && *bits != "max") {
    return Status::InvalidArgument("bits: only 8-bit thumbnails are offered");
  }
  for (const char* unsupported : {"contrast", "gamma", "colormap", "inverse"}) {
    if (query.Get(unsupported)) return Status::InvalidArgument(std::string(unsupported) + " is not offered");
  }
  VITRINE_ASSIGN_OR_RETURN(
      service::EncodedImage thumb,
      service.images().Thumbnail(caller, id, static_cast<int>(max_size.value_or(kDefaultThumbSize)), format,
                                 /*may_render=*/request.on_worker));
  return http::routes::PictureResponse(request, std::move(thumb));
}

}  // namespace

void AddImageRoutes(http::Router& router, service::Service& service) {
  for (auto [prefix, class_name] :
       {std::pair{"/api/imageinstance/", kImageInstanceClass}, std::pair{"/api/abstractimage/", kAbstractImageClass}}) {
    const std::string base = std::string(prefix) + "{image_id}";
    router.Add("GET", base + ".json",
               Cytomine(service, [class_name](auto& s, const Caller& c, const HttpRequest& r, const PathParams& p) {
                 return GetImage(s, c, r, p, class_name);
               }));
    router.Add("GET", base + "/download", Cytomine(service, Download));
    router.Add("GET", base + "/thumb.{format}", Cytomine(service, Thumbnail));
  }
  router.Add("GET", "/api/project/{project_id}/imageinstance.json",
             Cytomine(service, ListProjectImages, /*heavy=*/true));
}

}  // namespace vitrine::compat::cytomine
