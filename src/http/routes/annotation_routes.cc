// /api/v1/annotations: create one or many, list with filters and field selection, delete one
// or many by filter.
#include <charconv>
#include <cmath>

#include "core/time_format.h"
#include "http/routes/route_helpers.h"
#include "interchange/annotation_geojson.h"
#include "wire/annotation_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;
using service::NewAnnotation;

Result<double> ParseNumber(std::string_view text, std::string_view what) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not a number");
  }
  return v;
}

// "1,2,3" → ids.
template <class IdT>
Result<std::vector<IdT>> IdList(std::string_view csv, std::string_view what) {
  std::vector<IdT> ids;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || v <= 0) {
      return Status::InvalidArgument(std::string(what) + " must be positive ids separated by commas");
    }
    ids.emplace_back(v);
  }
  return ids;
}

Result<AnnotationFilter> ParseFilter(const QueryParams& query) {
  AnnotationFilter f;
  VITRINE_ASSIGN_OR_RETURN(auto project, query.GetInt("project"));
  if (project) {
    if (*project <= 0) return Status::InvalidArgument("project must be a positive id");
    f.project = ProjectId(*project);
  }
  for (const char* name : {"image", "images"}) {
    if (auto v = query.Get(name)) {
      VITRINE_ASSIGN_OR_RETURN(auto ids, IdList<ImageId>(*v, name));
      f.images.insert(f.images.end(), ids.begin(), ids.end());
    }
  }
  for (const char* name : {"user", "users"}) {
    if (auto v = query.Get(name)) {
      VITRINE_ASSIGN_OR_RETURN(auto ids, IdList<UserId>(*v, name));
      f.users.insert(f.users.end(), ids.begin(), ids.end());
    }
  }
  for (const char* name : {"term", "terms"}) {
    if (auto v = query.Get(name)) {
      VITRINE_ASSIGN_OR_RETURN(auto ids, IdList<TermId>(*v, name));
      f.terms.insert(f.terms.end(), ids.begin(), ids.end());
    }
  }
  VITRINE_ASSIGN_OR_RETURN(f.term_descendants, BoolParam(query, "descendants"));
  if (auto v = query.Get("algorithm")) f.algorithm = std::string(*v);
  if (auto v = query.Get("algorithm_version")) f.algorithm_version = std::string(*v);
  if (auto v = query.Get("device")) f.device_like = std::string(*v);
  for (auto [name, target] : {std::pair{"created_from", &f.created_from}, std::pair{"created_to", &f.created_to},
                              std::pair{"captured_from", &f.captured_from}, std::pair{"captured_to", &f.captured_to}}) {
    if (auto v = query.Get(name)) {
      auto t = core::ParseIso8601(*v);
      if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
      *target = *t;
    }
  }
  if (auto v = query.Get("bbox")) {
    std::array<double, 4> box{};
    std::string_view rest = *v;
    for (int i = 0; i < 4; ++i) {
      auto comma = rest.find(',');
      if ((i < 3) == (comma == std::string_view::npos)) {
        return Status::InvalidArgument("bbox must be four numbers x0,y0,x1,y1");
      }
      VITRINE_ASSIGN_OR_RETURN(box[i], ParseNumber(rest.substr(0, comma), "bbox"));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    f.bbox = box;
  }
  VITRINE_ASSIGN_OR_RETURN(f.exact, BoolParam(query, "exact"));
  if (f.exact && !f.bbox) return Status::InvalidArgument("exact needs a bbox");
  VITRINE_ASSIGN_OR_RETURN(f.property, ParsePropertyFilter(query));
  return f;
}

Result<PageRequest> ParsePage(const QueryParams& query) {
  PageRequest page;
  VITRINE_ASSIGN_OR_RETURN(auto limit, query.GetInt("limit"));
  VITRINE_ASSIGN_OR_RETURN(auto offset, query.GetInt("offset"));
  if (limit) page.limit = *limit;
  if (offset) page.offset = *offset;
  return page;
}

struct Rendering {
  wire::AnnotationFields fields;
  service::AnnotationOutput output;
};

Result<Rendering> ParseRendering(const QueryParams& query) {
  Rendering r{wire::DefaultAnnotationFields(), {}};
  if (auto v = query.Get("fields")) {
    VITRINE_ASSIGN_OR_RETURN(r.fields, wire::ParseAnnotationFields(*v));
  }
  r.output.wkt = wire::Has(r.fields, wire::AnnotationField::kWkt);
  r.output.geojson = wire::Has(r.fields, wire::AnnotationField::kGeoJson);
  r.output.properties = wire::Has(r.fields, wire::AnnotationField::kProperties);
  r.output.terms = wire::Has(r.fields, wire::AnnotationField::kTerms);
  if (auto v = query.Get("simplify")) {
    VITRINE_ASSIGN_OR_RETURN(r.output.simplify, ParseNumber(*v, "simplify"));
  }
  return r;
}

Result<NewAnnotation> ParseNewAnnotation(const wire::Json& item, bool repair_all) {
  if (!item.is_object()) return Status::InvalidArgument("each annotation must be a JSON object");
  NewAnnotation a;
  VITRINE_ASSIGN_OR_RETURN(auto image, wire::OptionalInt(item, "image_id"));
  if (!image || *image <= 0) return Status::InvalidArgument("image_id is required (a positive id)");
  a.image_id = ImageId(*image);
  bool has_wkt = item.contains("wkt");
  bool has_geojson = item.contains("geojson");
  if (has_wkt == has_geojson) return Status::InvalidArgument("give the geometry as exactly one of wkt or geojson");
  if (has_wkt) {
    VITRINE_ASSIGN_OR_RETURN(a.wkt, wire::RequiredString(item, "wkt"));
    if (a.wkt.empty()) return Status::InvalidArgument("malformed WKT: it is empty");
  } else {
    const wire::Json& geojson = item["geojson"];
    if (geojson.is_string()) a.geojson = geojson.get<std::string>();
    else if (geojson.is_object()) a.geojson = geojson.dump();
    else return Status::InvalidArgument("geojson must be a GeoJSON geometry object");
    if (a.geojson.empty()) return Status::InvalidArgument("malformed GeoJSON: it is empty");
  }
  VITRINE_ASSIGN_OR_RETURN(auto repair, wire::OptionalBool(item, "repair"));
  a.repair = repair.value_or(repair_all);
  if (item.contains("properties")) {
    VITRINE_ASSIGN_OR_RETURN(a.properties, wire::PropertiesFromJson(item["properties"]));
  }
  VITRINE_ASSIGN_OR_RETURN(a.algorithm, wire::OptionalString(item, "algorithm"));
  VITRINE_ASSIGN_OR_RETURN(a.algorithm_version, wire::OptionalString(item, "algorithm_version"));
  if (item.contains("terms")) {
    const wire::Json& terms = item["terms"];
    if (!terms.is_array()) return Status::InvalidArgument("terms must be an array of term ids");
    for (const auto& t : terms) {
      if (!t.is_number_integer() || t.get<std::int64_t>() <= 0) {
        return Status::InvalidArgument("terms must be an array of term ids");
      }
      a.terms.emplace_back(t.get<std::int64_t>());
    }
  }
  return a;
}

}  // namespace

void AddAnnotationRoutes(Router& router, service::Service& service) {
  auto& annotations = service.annotations();

  router.Add("POST", "/api/v1/annotations",
             Authed(service, [&annotations](const Caller& caller, const HttpRequest& request,
                                            const PathParams&) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(bool repair, BoolParam(query, "repair"));
               wire::Json body = wire::Json::parse(request.body, nullptr, false);
               if (body.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
               if (!body.is_array() && !body.is_object()) {
                 return Status::InvalidArgument("send one annotation object or an array of them");
               }
               std::vector<NewAnnotation> batch;
               const bool single = body.is_object();
               if (single) {
                 VITRINE_ASSIGN_OR_RETURN(NewAnnotation a, ParseNewAnnotation(body, repair));
                 batch.push_back(std::move(a));
               } else {
                 batch.reserve(body.size());
                 for (std::size_t i = 0; i < body.size(); ++i) {
                   auto a = ParseNewAnnotation(body[i], repair);
                   if (!a.ok()) {
                     return Status(a.status().code(), "annotation " + std::to_string(i) + ": " + a.status().message());
                   }
                   batch.push_back(std::move(*a));
                 }
               }
               VITRINE_ASSIGN_OR_RETURN(std::vector<AnnotationId> ids, annotations.Create(caller, batch));
               if (single) {
                 VITRINE_ASSIGN_OR_RETURN(Annotation created, annotations.Get(caller, ids.front()));
                 return JsonResponse(201, wire::ToJson(created, wire::DefaultAnnotationFields()));
               }
               wire::Json id_list = wire::Json::array();
               for (AnnotationId id : ids) id_list.push_back(id.value());
               return JsonResponse(201, wire::Json{{"ids", std::move(id_list)}});
             }));

  router.Add("GET", "/api/v1/annotations",
             Authed(service, [&annotations](const Caller& caller, const HttpRequest& request,
                                            const PathParams&) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
               VITRINE_ASSIGN_OR_RETURN(PageRequest page, ParsePage(query));
               VITRINE_ASSIGN_OR_RETURN(Rendering rendering, ParseRendering(query));
               VITRINE_ASSIGN_OR_RETURN(Page<Annotation> found,
                                        annotations.List(caller, filter, page, rendering.output));
               wire::Json items = wire::Json::array();
               for (const auto& a : found.items) items.push_back(wire::ToJson(a, rendering.fields));
               return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
             }));

  router.Add("DELETE", "/api/v1/annotations",
             Authed(service, [&annotations](const Caller& caller, const HttpRequest& request,
                                            const PathParams&) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
               VITRINE_ASSIGN_OR_RETURN(bool dry_run, BoolParam(query, "dry_run"));
               VITRINE_ASSIGN_OR_RETURN(std::int64_t n, annotations.DeleteMatching(caller, filter, dry_run));
               return JsonResponse(200, dry_run ? wire::Json{{"would_delete", n}} : wire::Json{{"deleted", n}});
             }));

  router.Add("GET", "/api/v1/annotations.geojson",
             Authed(service, [&service](const Caller& caller, const HttpRequest& request,
                                        const PathParams&) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
               VITRINE_ASSIGN_OR_RETURN(std::string collection, interchange::ExportGeoJson(service, caller, filter));
               HttpResponse response;
               response.status = 200;
               response.body = std::move(collection);
               response.With("Content-Type", "application/geo+json");
               return response;
             }));
  router.Add("POST", "/api/v1/images/{image_id}/annotations.geojson",
             Authed(service, [&service](const Caller& caller, const HttpRequest& request,
                                        const PathParams& params) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(ImageId image, PathId<ImageId>(params, "image_id"));
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(bool repair, BoolParam(query, "repair"));
               VITRINE_ASSIGN_OR_RETURN(auto ids, interchange::ImportGeoJson(service, caller, image, request.body, repair));
               wire::Json id_list = wire::Json::array();
               for (AnnotationId id : ids) id_list.push_back(id.value());
               return JsonResponse(201, wire::Json{{"ids", std::move(id_list)}});
             }));

  router.Add("GET", "/api/v1/annotations/{annotation_id}",
             Authed(service, [&annotations](const Caller& caller, const HttpRequest& request,
                                            const PathParams& params) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(AnnotationId id, PathId<AnnotationId>(params, "annotation_id"));
               VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
               VITRINE_ASSIGN_OR_RETURN(Rendering rendering, ParseRendering(query));
               VITRINE_ASSIGN_OR_RETURN(Annotation a, annotations.Get(caller, id, rendering.output));
               return JsonResponse(200, wire::ToJson(a, rendering.fields));
             }));

  router.Add("DELETE", "/api/v1/annotations/{annotation_id}",
             Authed(service, [&annotations](const Caller& caller, const HttpRequest&,
                                            const PathParams& params) -> Result<HttpResponse> {
               VITRINE_ASSIGN_OR_RETURN(AnnotationId id, PathId<AnnotationId>(params, "annotation_id"));
               return NoContentOr(annotations.Delete(caller, id));
             }));
}

}  // namespace vitrine::http::routes
