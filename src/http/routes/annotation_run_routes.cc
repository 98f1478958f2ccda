// /api/v1/annotation-runs: one algorithm version's results on one image, stored, listed as a
// series by device and capture time, fetched and deleted as a unit.
#include "http/routes/route_helpers.h"
#include "wire/annotation_run_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

Result<AnnotationRunFilter> ParseRunFilter(const QueryParams& query) {
  AnnotationRunFilter f;
  VITRINE_ASSIGN_OR_RETURN(f.project, IdParam<ProjectId>(query, "project"));
  VITRINE_ASSIGN_OR_RETURN(f.images, IdListParam<ImageId>(query, "image", "images"));
  if (auto v = query.Get("algorithm")) f.algorithm = std::string(*v);
  if (auto v = query.Get("algorithm_version")) f.algorithm_version = std::string(*v);
  if (auto v = query.Get("device")) f.device_like = std::string(*v);
  VITRINE_ASSIGN_OR_RETURN(f.captured_from, TimeParam(query, "captured_from"));
  VITRINE_ASSIGN_OR_RETURN(f.captured_to, TimeParam(query, "captured_to"));
  VITRINE_ASSIGN_OR_RETURN(f.metadata, ParsePropertyFilter(query));
  return f;
}

Result<HttpResponse> CreateRun(service::Service& service, const Caller& caller, const HttpRequest& request,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(bool repair, BoolParam(query, "repair"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(NewAnnotationRun run, wire::NewAnnotationRunFromJson(body, repair));
  VITRINE_ASSIGN_OR_RETURN(CreatedAnnotationRun created, service.annotation_runs().Create(caller, run));
  return JsonResponse(201, wire::ToJson(created));
}

Result<HttpResponse> ListRuns(service::Service& service, const Caller& caller, const HttpRequest& request,
                              const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(AnnotationRunFilter filter, ParseRunFilter(query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.UncheckedPage());
  VITRINE_ASSIGN_OR_RETURN(Page<AnnotationRun> found, service.annotation_runs().List(caller, filter, page));
  wire::Json items = wire::Json::array();
  for (const auto& run : found.items) items.push_back(wire::ToJson(run));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
}

Result<HttpResponse> GetRun(service::Service& service, const Caller& caller, const HttpRequest&,
                            const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationRunId id, PathId<AnnotationRunId>(params, "run_id"));
  VITRINE_ASSIGN_OR_RETURN(AnnotationRun run, service.annotation_runs().Get(caller, id));
  return JsonResponse(200, wire::ToJson(run));
}

Result<HttpResponse> DeleteRun(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationRunId id, PathId<AnnotationRunId>(params, "run_id"));
  return NoContentOr(service.annotation_runs().Delete(caller, id));
}

// {"project", "algorithm", "min_version"?, "device"?, "from"?, "to"?, "limit"?}: images a
// detector worker now holds (service/annotation_run_service.h).
Result<HttpResponse> LeaseImages(service::Service& service, const Caller& caller, const HttpRequest& request,
                                 const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  service::AnnotationLeaseRequest lease;
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> project, wire::OptionalInt(body, "project"));
  if (!project) return Status::InvalidArgument("name the project to lease images of");
  lease.project = ProjectId(*project);
  VITRINE_ASSIGN_OR_RETURN(lease.algorithm, wire::RequiredString(body, "algorithm"));
  VITRINE_ASSIGN_OR_RETURN(auto min_version, wire::OptionalString(body, "min_version"));
  lease.min_version = min_version.value_or("");
  VITRINE_ASSIGN_OR_RETURN(lease.device_like, wire::OptionalString(body, "device"));
  for (auto [field, bound] : {std::pair{"from", &lease.from}, std::pair{"to", &lease.to}}) {
    if (body.contains(field)) {
      VITRINE_ASSIGN_OR_RETURN(*bound, wire::TimeAt(body, field));
    }
  }
  VITRINE_ASSIGN_OR_RETURN(auto limit, wire::OptionalInt(body, "limit"));
  lease.limit = limit.value_or(lease.limit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Image> leased, service.annotation_runs().LeaseImages(caller, lease));
  wire::Json items = wire::Json::array();
  for (const Image& image : leased) items.push_back(wire::ToJson(image));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}});
}

}  // namespace

void AddAnnotationRunRoutes(Router& router, service::Service& service) {
  router.Add("POST", "/api/v1/annotation-runs", AuthedWork(service, CreateRun));
  router.Add("GET", "/api/v1/annotation-runs", Authed(service, ListRuns));
  router.Add("GET", "/api/v1/annotation-runs/{run_id}", Authed(service, GetRun));
  router.Add("DELETE", "/api/v1/annotation-runs/{run_id}", AuthedWork(service, DeleteRun));
  router.Add("POST", "/api/v1/annotation-leases", AuthedWork(service, LeaseImages));
}

}  // namespace vitrine::http::routes
