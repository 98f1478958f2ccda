// /api/v1/tuboids: Sticky Pi's tracked insects, uploaded with their tiles and context images,
// listed by series (device, range wholly inside, algorithm), labelled (ITC labels) and deleted
// by series. Also the upload form both this API and Sticky Pi's /_put_tiled_tuboids take.
#include <set>

#include "core/parse_integer.h"
#include "core/tuboid_shots.h"
#include "http/multipart.h"
#include "http/routes/route_helpers.h"
#include "wire/tuboid_json.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

constexpr std::size_t kMaxNameBytes = 1024;
constexpr std::size_t kMaxSeriesInfoBytes = 16 * 1024;

class TuboidUploadSink final : public BodySink, private MultipartHandler {
 public:
  TuboidUploadSink(service::Service& service, Caller caller, ProjectId project, std::string boundary, TuboidForm form)
      : service_(service),
        caller_(std::move(caller)),
        project_(project),
        form_(std::move(form)),
        parser_(boundary, *this) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }

  HttpResponse Finish() override {
    Result<Tuboid> stored = Store();
    if (!stored.ok()) {
      // What this request ingested goes again: a refused tuboid leaves no images behind.
      service_.tuboids().Discard(created_);
      return form_.error(stored.status());
    }
    return form_.answer(*stored);
  }

 private:
  enum class Part { kIgnored, kShots, kName, kSeries, kTiles, kContext };

  Status OnPartBegin(const MultipartPart& part) override {
    part_ = Part::kIgnored;
    if (!seen_.insert(part.name).second) return Status::InvalidArgument("send one '" + part.name + "' part");
    if (part.name == "metadata") {
      part_ = Part::kShots;
    } else if (part.name == "tuboid_id") {
      part_ = Part::kName;
    } else if (part.name == "series_info") {
      part_ = Part::kSeries;
    } else if (part.name == "tuboid" || part.name == "context") {
      const bool tiles = part.name == "tuboid";
      auto& upload = tiles ? tiles_ : context_;
      if (upload) return Status::InvalidArgument("send one '" + part.name + "' part");
      VITRINE_ASSIGN_OR_RETURN(upload, service_.tuboids().BeginImage(caller_, project_, tiles));
      part_ = tiles ? Part::kTiles : Part::kContext;
    } else {
      return Status::InvalidArgument("a tuboid upload has no part '" + part.name +
                                     "' (metadata, tuboid, context, tuboid_id, series_info)");
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view bytes) override {
    auto append = [&](std::string& to, std::size_t limit, const char* what) {
      if (to.size() + bytes.size() > limit) return Status::TooLarge(std::string("the ") + what + " part is too long");
      to.append(bytes);
      return Status::Ok();
    };
    switch (part_) {
      case Part::kShots:
        return append(shots_, service::TuboidService::kMaxShotsBytes, "metadata");
      case Part::kName:
        return append(name_, kMaxNameBytes, "tuboid_id");
      case Part::kSeries:
        return append(series_info_, kMaxSeriesInfoBytes, "series_info");
      case Part::kTiles:
        return tiles_->Write(bytes);
      case Part::kContext:
        return context_->Write(bytes);
      case Part::kIgnored:
        return Status::Ok();
    }
    return Status::Ok();
  }

  Status OnPartEnd() override {
    part_ = Part::kIgnored;
    return Status::Ok();
  }

  Result<Tuboid> Store() {
    VITRINE_RETURN_IF_ERROR(parser_.Finish());
    if (!tiles_ || !context_ || shots_.empty() || name_.empty() || series_info_.empty()) {
      return Status::InvalidArgument(
          "a tuboid upload has the parts metadata (its shots), tuboid (the tiles), context, tuboid_id and "
          "series_info");
    }
    service::NewTuboid tuboid;
    // The name comes as a JSON string from Sticky Pi's client, as plain text from others.
    wire::Json name = wire::Json::parse(name_, nullptr, /*allow_exceptions=*/false);
    tuboid.name = !name.is_discarded() && name.is_string() ? name.get<std::string>() : name_;
    wire::Json series = wire::Json::parse(series_info_, nullptr, /*allow_exceptions=*/false);
    if (series.is_discarded() || !series.is_object()) {
      return Status::InvalidArgument("series_info must be a JSON object");
    }
    VITRINE_ASSIGN_OR_RETURN(tuboid.series, form_.series(series));
    tuboid.series.project_id = project_;
    tuboid.shots = std::move(shots_);
    VITRINE_ASSIGN_OR_RETURN(tuboid.tiles_image_id, service_.tuboids().FinishImage(*tiles_, true, created_));
    VITRINE_ASSIGN_OR_RETURN(tuboid.context_image_id, service_.tuboids().FinishImage(*context_, false, created_));
    return service_.tuboids().Create(caller_, tuboid);
  }

  service::Service& service_;
  Caller caller_;
  ProjectId project_;
  TuboidForm form_;
  MultipartParser parser_;
  Part part_ = Part::kIgnored;
  std::string shots_, name_, series_info_;
  std::set<std::string> seen_;  // part names
  std::unique_ptr<service::ImageUpload> tiles_, context_;
  std::vector<ImageId> created_;
};

Result<std::int64_t> IntegerField(const wire::Json& json, const char* field) {
  auto it = json.find(field);
  if (it == json.end() || !it->is_number_integer()) {
    return Status::InvalidArgument(std::string("series_info needs '") + field + "', an integer");
  }
  return it->get<std::int64_t>();
}

Result<std::string> TextField(const wire::Json& json, const char* field) {
  auto it = json.find(field);
  if (it == json.end() || !it->is_string()) {
    return Status::InvalidArgument(std::string("series_info needs '") + field + "', a string");
  }
  return it->get<std::string>();
}

Result<Timestamp> TimeField(const wire::Json& json, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::string text, TextField(json, field));
  auto t = core::ParseIso8601(text);
  if (!t.ok()) return Status::InvalidArgument(std::string("series_info's ") + field + ": " + t.status().message());
  return *t;
}

// Vitrine's own names for a series: device, start, end, algorithm, algorithm_version, n_images,
// n_tuboids.
Result<TuboidSeries> NativeSeries(const wire::Json& json) {
  TuboidSeries s;
  VITRINE_ASSIGN_OR_RETURN(s.device, TextField(json, "device"));
  VITRINE_ASSIGN_OR_RETURN(s.start, TimeField(json, "start"));
  VITRINE_ASSIGN_OR_RETURN(s.end, TimeField(json, "end"));
  VITRINE_ASSIGN_OR_RETURN(s.algorithm, TextField(json, "algorithm"));
  VITRINE_ASSIGN_OR_RETURN(s.algorithm_version, TextField(json, "algorithm_version"));
  VITRINE_ASSIGN_OR_RETURN(s.n_images, IntegerField(json, "n_images"));
  VITRINE_ASSIGN_OR_RETURN(s.n_tuboids, IntegerField(json, "n_tuboids"));
  return s;
}

Result<std::unique_ptr<BodySink>> UploadTuboid(service::Service& service, const HttpRequest& head, const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateRequest(service.auth(), head));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(head.query));
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, IdParam<ProjectId>(query, "project"));
  if (!project) return Status::InvalidArgument("project is required (?project=ID)");
  VITRINE_RETURN_IF_ERROR(service.projects().Require(caller, *project, ProjectRole::kContributor));
  VITRINE_ASSIGN_OR_RETURN(std::string boundary, MultipartParser::BoundaryOf(head.header("content-type")));
  return MakeTuboidUploadSink(
      service, std::move(caller), *project, std::move(boundary),
      TuboidForm{NativeSeries, [](const Tuboid& t) { return JsonResponse(201, wire::ToJson(t)); },
                 [](const Status& s) { return ErrorResponse(s); }});
}

Result<HttpResponse> ListTuboids(service::Service& service, const Caller& caller, const HttpRequest& request,
                                 const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  TuboidFilter f;
  VITRINE_ASSIGN_OR_RETURN(f.project, IdParam<ProjectId>(query, "project"));
  VITRINE_ASSIGN_OR_RETURN(f.series, IdParam<TuboidSeriesId>(query, "series"));
  if (auto v = query.Get("device")) f.device_like = std::string(*v);
  if (auto v = query.Get("names")) {
    for (std::string_view name : core::SplitOn(*v, ',')) f.names.emplace_back(name);
  }
  if (auto v = query.Get("name")) f.names.emplace_back(*v);
  VITRINE_ASSIGN_OR_RETURN(f.ids, IdListParam<TuboidId>(query, "id", "ids"));
  if (auto v = query.Get("algorithm")) f.algorithm = std::string(*v);
  if (auto v = query.Get("algorithm_version")) f.algorithm_version = std::string(*v);
  VITRINE_ASSIGN_OR_RETURN(f.contained_from, TimeParam(query, "from"));
  VITRINE_ASSIGN_OR_RETURN(f.contained_to, TimeParam(query, "to"));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> found, service.tuboids().List(caller, f, page));
  wire::Json items = wire::Json::array();
  for (const Tuboid& t : found.items) items.push_back(wire::ToJson(t));
  return JsonResponse(200, wire::Json{{"items", std::move(items)}, {"total", found.total}});
}

Result<HttpResponse> GetTuboid(service::Service& service, const Caller& caller, const HttpRequest&,
                               const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TuboidId id, PathId<TuboidId>(params, "tuboid_id"));
  VITRINE_ASSIGN_OR_RETURN(Tuboid tuboid, service.tuboids().Get(caller, id));
  return JsonResponse(200, wire::ToJson(tuboid));
}

Result<HttpResponse> LabelTuboid(service::Service& service, const Caller& caller, const HttpRequest& request,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TuboidId id, PathId<TuboidId>(params, "tuboid_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  VITRINE_ASSIGN_OR_RETURN(ItcLabel label, wire::ItcLabelFromJson(body));
  label.tuboid_id = id;
  VITRINE_ASSIGN_OR_RETURN(ItcLabel stored, service.tuboids().CreateLabel(caller, label));
  return JsonResponse(201, wire::ToJson(stored));
}

Result<HttpResponse> DeleteSeries(service::Service& service, const Caller& caller, const HttpRequest&,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(TuboidSeriesId id, PathId<TuboidSeriesId>(params, "series_id"));
  return NoContentOr(service.tuboids().DeleteSeries(caller, id));
}

}  // namespace

std::unique_ptr<BodySink> MakeTuboidUploadSink(service::Service& service, Caller caller, ProjectId project,
                                               std::string boundary, TuboidForm form) {
  return std::make_unique<TuboidUploadSink>(service, std::move(caller), project, std::move(boundary), std::move(form));
}

void AddTuboidRoutes(Router& router, service::Service& service) {
  router.AddStreaming("POST", "/api/v1/tuboids", std::bind_front(UploadTuboid, std::ref(service)));
  router.Add("GET", "/api/v1/tuboids", Authed(service, ListTuboids));
  router.Add("GET", "/api/v1/tuboids/{tuboid_id}", Authed(service, GetTuboid));
  router.Add("POST", "/api/v1/tuboids/{tuboid_id}/labels", AuthedWork(service, LabelTuboid));
  router.Add("DELETE", "/api/v1/tuboid-series/{series_id}", AuthedWork(service, DeleteSeries));
}

}  // namespace vitrine::http::routes
