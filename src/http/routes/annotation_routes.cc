// /api/v1/annotations: create one or many, list with filters and field selection, delete one
// or many by filter.
#include <array>
#include <cmath>

#include "core/time_format.h"
#include "http/routes/route_helpers.h"
#include "interchange/annotation_geojson.h"
#include "wire/annotation_batch_reader.h"
#include "wire/annotation_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;
using service::NewAnnotation;

wire::Json IdArray(const std::vector<AnnotationId>& ids) {
  wire::Json list = wire::Json::array();
  for (AnnotationId id : ids) list.push_back(id.value());
  return list;
}

Result<AnnotationFilter> ParseFilter(const QueryParams& query) {
  AnnotationFilter f;
  VITRINE_ASSIGN_OR_RETURN(f.project, IdParam<ProjectId>(query, "project"));
  VITRINE_ASSIGN_OR_RETURN(f.images, IdListParam<ImageId>(query, "image", "images"));
  VITRINE_ASSIGN_OR_RETURN(f.users, IdListParam<UserId>(query, "user", "users"));
  VITRINE_ASSIGN_OR_RETURN(f.terms, IdListParam<TermId>(query, "term", "terms"));
  VITRINE_ASSIGN_OR_RETURN(f.term_descendants, BoolParam(query, "descendants"));
  if (auto v = query.Get("algorithm")) f.algorithm = std::string(*v);
  if (auto v = query.Get("algorithm_version")) f.algorithm_version = std::string(*v);
  VITRINE_ASSIGN_OR_RETURN(f.run, IdParam<AnnotationRunId>(query, "run"));
  if (auto v = query.Get("device")) f.device_like = std::string(*v);
  for (auto [name, target] : {std::pair{"created_from", &f.created_from}, std::pair{"created_to", &f.created_to},
                              std::pair{"captured_from", &f.captured_from}, std::pair{"captured_to", &f.captured_to}}) {
    VITRINE_ASSIGN_OR_RETURN(*target, TimeParam(query, name));
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

struct Rendering {
  wire::AnnotationFields fields;
  service::AnnotationOutput output;
};

// A viewer showing a view's share of a million annotations needs "more than this many", not
// their exact count, which costs a scan of every match.
constexpr std::int64_t kMaxCountUpTo = 1'000'000'000;

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
  VITRINE_ASSIGN_OR_RETURN(auto count_up_to, query.GetIntIn("count_up_to", 1, kMaxCountUpTo));
  r.output.count_up_to = count_up_to.value_or(0);
  return r;
}

// One annotation object (answered with the annotation) or an array of them (answered with
// their ids). A plain array goes through the fast reader, anything else through nlohmann.
Result<HttpResponse> CreateAnnotations(service::Service& service, const Caller& caller, const HttpRequest& request,
                                       const PathParams&) {
  auto& annotations = service.annotations();
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(bool repair, BoolParam(query, "repair"));
  if (auto plain = wire::ReadPlainAnnotationBatch(request.body, repair)) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<AnnotationId> ids, annotations.Create(caller, *plain));
    return JsonResponse(201, wire::Json{{"ids", IdArray(ids)}});
  }
  wire::Json body = wire::Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (!body.is_array() && !body.is_object()) {
    return Status::InvalidArgument("send one annotation object or an array of them");
  }
  std::vector<NewAnnotation> batch;
  const bool single = body.is_object();
  if (single) {
    VITRINE_ASSIGN_OR_RETURN(NewAnnotation a, wire::NewAnnotationFromJson(body, repair));
    batch.push_back(std::move(a));
  } else {
    batch.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      auto a = wire::NewAnnotationFromJson(body[i], repair);
      if (!a.ok()) return Status(a.status().code(), "annotation " + std::to_string(i) + ": " + a.status().message());
      batch.push_back(std::move(*a));
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<AnnotationId> ids, annotations.Create(caller, batch));
  if (single) {
    VITRINE_ASSIGN_OR_RETURN(Annotation created, annotations.Get(caller, ids.front()));
    return JsonResponse(201, wire::ToJson(created, wire::DefaultAnnotationFields()));
  }
  return JsonResponse(201, wire::Json{{"ids", IdArray(ids)}});
}

Result<HttpResponse> ListAnnotations(service::Service& service, const Caller& caller, const HttpRequest& request,
                                     const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.UncheckedPage());
  VITRINE_ASSIGN_OR_RETURN(Rendering rendering, ParseRendering(query));
  VITRINE_ASSIGN_OR_RETURN(Page<Annotation> found, service.annotations().List(caller, filter, page, rendering.output));
  // Written as text: a page can hold 10,000 annotations with their geometry.
  HttpResponse response;
  response.status = 200;
  std::string& body = response.body;
  body = "{\"items\":[";
  for (std::size_t i = 0; i < found.items.size(); ++i) {
    if (i) body += ',';
    wire::AppendJson(body, found.items[i], rendering.fields);
  }
  body += "],\"total\":" + std::to_string(found.total);
  const std::int64_t cap = rendering.output.count_up_to;
  if (cap > 0 && found.total >= cap) body += ",\"total_is_lower_bound\":true";
  body += "}";
  response.With("content-type", "application/json");
  return response;
}

Result<HttpResponse> DeleteMatchingAnnotations(service::Service& service, const Caller& caller,
                                               const HttpRequest& request, const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
  VITRINE_ASSIGN_OR_RETURN(bool dry_run, BoolParam(query, "dry_run"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t n, service.annotations().DeleteMatching(caller, filter, dry_run));
  return JsonResponse(200, dry_run ? wire::Json{{"would_delete", n}} : wire::Json{{"deleted", n}});
}

Result<HttpResponse> ExportGeoJson(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, ParseFilter(query));
  HttpResponse response;
  VITRINE_ASSIGN_OR_RETURN(response.stream, interchange::ExportGeoJsonStream(service, caller, filter));
  response.stream_length = -1;  // chunked: the length is known only at the end
  response.With("Content-Type", "application/geo+json");
  return response;
}

Result<HttpResponse> ImportGeoJson(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId image, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(bool repair, BoolParam(query, "repair"));
  VITRINE_ASSIGN_OR_RETURN(auto ids, interchange::ImportGeoJson(service, caller, image, request.body, repair));
  return JsonResponse(201, wire::Json{{"ids", IdArray(ids)}});
}

Result<HttpResponse> GetAnnotation(service::Service& service, const Caller& caller, const HttpRequest& request,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, PathId<AnnotationId>(params, "annotation_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Rendering rendering, ParseRendering(query));
  VITRINE_ASSIGN_OR_RETURN(Annotation a, service.annotations().Get(caller, id, rendering.output));
  return JsonResponse(200, wire::ToJson(a, rendering.fields));
}

// {"wkt"?, "terms"?: [ids], "properties"?: {"key": "value" or null}}: each part given replaces
// the stored one (properties key by key).
Result<HttpResponse> UpdateAnnotation(service::Service& service, const Caller& caller, const HttpRequest& request,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, PathId<AnnotationId>(params, "annotation_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  service::AnnotationChange change;
  for (const auto& [key, value] : body.items()) {
    if (key != "wkt" && key != "terms" && key != "properties") {
      return Status::InvalidArgument("unknown field '" + key + "': an annotation's wkt, terms and properties change");
    }
  }
  VITRINE_ASSIGN_OR_RETURN(change.wkt, wire::OptionalString(body, "wkt"));
  if (auto it = body.find("terms"); it != body.end()) {
    if (!it->is_array()) return Status::InvalidArgument("terms must be a list of term ids");
    std::vector<TermId> terms;
    for (const auto& term : *it) {
      if (!term.is_number_integer() || term.get<std::int64_t>() <= 0) {
        return Status::InvalidArgument("terms must be a list of term ids");
      }
      terms.emplace_back(term.get<std::int64_t>());
    }
    change.terms = std::move(terms);
  }
  if (auto it = body.find("properties"); it != body.end()) {
    VITRINE_ASSIGN_OR_RETURN(change.properties, wire::PropertyChangesFromJson(*it));
  }
  VITRINE_ASSIGN_OR_RETURN(Annotation updated, service.annotations().Update(caller, id, change));
  return JsonResponse(200, wire::ToJson(updated));
}

Result<HttpResponse> DeleteAnnotation(service::Service& service, const Caller& caller, const HttpRequest&,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, PathId<AnnotationId>(params, "annotation_id"));
  return NoContentOr(service.annotations().Delete(caller, id));
}

}  // namespace

void AddAnnotationRoutes(Router& router, service::Service& service) {
  router.Add("POST", "/api/v1/annotations", AuthedWork(service, CreateAnnotations));
  router.Add("GET", "/api/v1/annotations", AuthedWork(service, ListAnnotations));
  router.Add("DELETE", "/api/v1/annotations", AuthedWork(service, DeleteMatchingAnnotations));
  router.Add("GET", "/api/v1/annotations.geojson", AuthedWork(service, ExportGeoJson));
  router.Add("POST", "/api/v1/images/{image_id}/annotations.geojson", AuthedWork(service, ImportGeoJson));
  router.Add("GET", "/api/v1/annotations/{annotation_id}", Authed(service, GetAnnotation));
  router.Add("PATCH", "/api/v1/annotations/{annotation_id}", AuthedWork(service, UpdateAnnotation));
  router.Add("DELETE", "/api/v1/annotations/{annotation_id}", Authed(service, DeleteAnnotation));
}

}  // namespace vitrine::http::routes
