// Sticky Pi's tiled tuboids and ITC labels, on Vitrine's tuboids (service/tuboid_service.h):
// uploads by the multipart form /api/v1/tuboids shares, series wholly inside a range, deletes
// by series (admin), and the classifier's labels by tuboid name.
#include "compat/stickypi/stickypi_routes.h"
#include "core/ascii.h"
#include "core/percent_encoding.h"
#include "http/multipart.h"
#include "http/routes/route_helpers.h"
#include "wire/tuboid_json.h"

namespace vitrine::compat::stickypi {
namespace {

constexpr const char* kApiVersion = "vitrine";

Status CheckTuboidWhat(std::string_view what) {
  if (what == "metadata" || what == "data") return Status::Ok();
  return Status::InvalidArgument("'" + std::string(what) + "' is not something to get: ask for metadata or data");
}

Result<std::int64_t> IntegerField(const Json& json, const char* field) {
  auto it = json.find(field);
  if (it == json.end() || !it->is_number_integer()) {
    return Status::InvalidArgument(std::string("each item needs '") + field + "', an integer");
  }
  return it->get<std::int64_t>();
}

// Upstream's series_info: device, start_datetime, end_datetime, algo_name, algo_version,
// n_images and n_tuboids.
Result<TuboidSeries> SeriesInfo(const Json& json) {
  TuboidSeries s;
  VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(json, "device"));
  s.device = core::Lowercase(device);
  VITRINE_ASSIGN_OR_RETURN(s.start, ParseTime(json, "start_datetime"));
  VITRINE_ASSIGN_OR_RETURN(s.end, ParseTime(json, "end_datetime"));
  VITRINE_ASSIGN_OR_RETURN(s.algorithm, StringField(json, "algo_name"));
  VITRINE_ASSIGN_OR_RETURN(s.algorithm_version, StringField(json, "algo_version"));
  VITRINE_ASSIGN_OR_RETURN(s.n_images, IntegerField(json, "n_images"));
  VITRINE_ASSIGN_OR_RETURN(s.n_tuboids, IntegerField(json, "n_tuboids"));
  return s;
}

Json SeriesRow(const TuboidSeries& s) {
  return Json{{"id", s.id.value()},
              {"device", s.device},
              {"start_datetime", FormatTime(s.start)},
              {"end_datetime", FormatTime(s.end)},
              {"n_images", s.n_images},
              {"n_tuboids", s.n_tuboids},
              {"algo_name", s.algorithm},
              {"algo_version", s.algorithm_version},
              {"datetime_created", FormatTime(s.created_at)},
              {"api_version", kApiVersion},
              {"api_user_id", s.created_by.value()}};
}

// A row of upstream's tiled_tuboids, with its series' fields suffixed "_series".
Json TuboidRow(const Tuboid& t) {
  return Json{{"id", t.id.value()},
              {"parent_series_id", t.series.id.value()},
              {"tuboid_id", t.name},
              {"id_in_series", t.index_in_series},
              {"start_datetime", FormatTime(t.start)},
              {"end_datetime", FormatTime(t.end)},
              {"n_shots", t.n_shots},
              {"datetime_created", FormatTime(t.created_at)},
              {"api_version", kApiVersion},
              {"api_user_id", t.created_by.value()},
              {"algo_name_series", t.series.algorithm},
              {"algo_version_series", t.series.algorithm_version},
              {"n_tuboids_series", t.series.n_tuboids},
              {"device_series", t.series.device},
              {"start_datetime_series", FormatTime(t.series.start)},
              {"end_datetime_series", FormatTime(t.series.end)}};
}

Json LabelRow(const ItcLabel& l) {
  auto text = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return Json{{"id", l.id.value()},
              {"parent_tuboid_id", l.tuboid_id.value()},
              {"algo_name", l.algorithm},
              {"algo_version", l.algorithm_version},
              {"label", l.label},
              {"pattern", l.pattern},
              {"type", l.type},
              {"order", text(l.order)},
              {"family", text(l.family)},
              {"genus", text(l.genus)},
              {"species", text(l.species)},
              {"datetime_created", FormatTime(l.created_at)},
              {"api_version", kApiVersion},
              {"api_user_id", l.created_by.value()}};
}

// The files of a tuboid, as signed links: its shots, its tiles image and its context image.
void AddFileLinks(const StickyPi& sticky, const Caller& caller, const HttpRequest& request, const Tuboid& t,
                  Json& row) {
  const std::string shots = "tuboid/" + std::to_string(t.id.value()) + "/metadata";
  row["metadata"] = BaseUrl(request) + "/stickypi/tuboids/" + std::to_string(t.id.value()) + "/metadata.txt?" +
                    SignedQuery(sticky, caller, shots);
  auto image_link = [&](std::optional<ImageId> id, const char* filename) -> Json {
    if (!id) return nullptr;
    const std::string object = "image/" + std::to_string(id->value()) + "/image";
    return BaseUrl(request) + "/stickypi/files/" + std::to_string(id->value()) + "/image/" + filename + "?" +
           SignedQuery(sticky, caller, object);
  };
  row["tuboid"] = image_link(t.tiles_image_id, "tuboid.jpg");
  row["context"] = image_link(t.context_image_id, "context.jpg");
}

// Every tuboid matching `filter` the caller can read.
Result<std::vector<Tuboid>> AllTuboids(StickyPi& sticky, const Caller& caller, const TuboidFilter& filter) {
  std::vector<Tuboid> out;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(
        Page<Tuboid> page, sticky.service.tuboids().List(caller, filter, PageRequest{PageRequest::kMaxLimit, offset}));
    if (static_cast<std::int64_t>(out.size() + page.items.size()) > kMaxSeriesRows) {
      return Status::TooLarge("more than " + std::to_string(kMaxSeriesRows) +
                              " tuboids match: ask for a shorter time range");
    }
    for (Tuboid& t : page.items) out.push_back(std::move(t));
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  return out;
}

// Upstream's series query for tuboids: device LIKE, and the series wholly inside [start, end].
Result<TuboidFilter> SeriesFilter(const Json& item) {
  TuboidFilter filter;
  VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
  filter.device_like = core::Lowercase(device);
  VITRINE_ASSIGN_OR_RETURN(filter.contained_from, ParseTime(item, "start_datetime"));
  VITRINE_ASSIGN_OR_RETURN(filter.contained_to, ParseTime(item, "end_datetime"));
  return filter;
}

Result<Json> GetTiledTuboidSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                                  const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckTuboidWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  Json rows = Json::array();
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(TuboidFilter filter, SeriesFilter(item));
    VITRINE_ASSIGN_OR_RETURN(std::vector<Tuboid> tuboids, AllTuboids(sticky, caller, filter));
    for (const Tuboid& t : tuboids) {
      Json row = TuboidRow(t);
      if (what == "data") AddFileLinks(sticky, caller, request, t, row);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// Admin: the series of the Sticky Pi project wholly inside each range, with their tuboids,
// labels and images; answers the series deleted.
Result<Json> DeleteTiledTuboids(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                const PathParams&) {
  VITRINE_RETURN_IF_ERROR(RequireStickyPiAdmin(sticky, caller));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  Json rows = Json::array();
  if (!project) return rows;
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(TuboidFilter filter, SeriesFilter(item));
    filter.project = project;
    VITRINE_ASSIGN_OR_RETURN(std::vector<Tuboid> tuboids, AllTuboids(sticky, caller, filter));
    std::map<TuboidSeriesId, TuboidSeries> series;
    for (const Tuboid& t : tuboids) series.emplace(t.series.id, t.series);
    for (const auto& [id, s] : series) {
      VITRINE_RETURN_IF_ERROR(sticky.service.tuboids().DeleteSeries(caller, id));
      rows.push_back(SeriesRow(s));
    }
  }
  return rows;
}

// The tuboids named, by name: in the Sticky Pi project for writes, else wherever the caller reads.
Result<std::map<std::string, Tuboid>> TuboidsNamed(StickyPi& sticky, const Caller& caller,
                                                   std::vector<std::string> names, std::optional<ProjectId> within) {
  std::map<std::string, Tuboid> out;
  if (names.empty()) return out;
  if (names.size() > kMaxLookups) {
    return Status::TooLarge("ask for at most " + std::to_string(kMaxLookups) + " tuboids at once");
  }
  TuboidFilter filter;
  filter.names = std::move(names);
  filter.project = within;
  VITRINE_ASSIGN_OR_RETURN(std::vector<Tuboid> found, AllTuboids(sticky, caller, filter));
  for (Tuboid& t : found) out.emplace(t.name, std::move(t));
  return out;
}

Result<Json> PutItcLabels(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                          const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectForWriting(sticky, caller));
  std::vector<std::string> names;
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(std::string name, StringField(item, "tuboid_id"));
    names.push_back(std::move(name));
  }
  VITRINE_ASSIGN_OR_RETURN(auto tuboids, TuboidsNamed(sticky, caller, names, project));
  Json rows = Json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Json native = items[i];
    auto rename = [&](const char* from, const char* to) {
      if (auto it = native.find(from); it != native.end()) native[to] = *it;
    };
    rename("algo_name", "algorithm");
    rename("algo_version", "algorithm_version");
    VITRINE_ASSIGN_OR_RETURN(ItcLabel label, wire::ItcLabelFromJson(native));
    auto tuboid = tuboids.find(names[i]);
    if (tuboid == tuboids.end()) return Status::NotFound("the Sticky Pi project has no tuboid " + names[i]);
    label.tuboid_id = tuboid->second.id;
    VITRINE_ASSIGN_OR_RETURN(ItcLabel stored, sticky.service.tuboids().CreateLabel(caller, label));
    rows.push_back(LabelRow(stored));
  }
  return rows;
}

Result<Json> GetItcLabels(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                          const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  std::vector<std::string> names;
  for (const Json& item : items) {
    if (item.empty()) continue;
    VITRINE_ASSIGN_OR_RETURN(std::string name, StringField(item, "tuboid_id"));
    names.push_back(std::move(name));
  }
  VITRINE_ASSIGN_OR_RETURN(auto tuboids, TuboidsNamed(sticky, caller, names, std::nullopt));
  std::vector<TuboidId> ids;
  for (const auto& [name, t] : tuboids) ids.push_back(t.id);
  Json rows = Json::array();
  for (std::size_t at = 0; at < ids.size(); at += PageRequest::kMaxLimit) {
    std::vector<TuboidId> chunk(
        ids.begin() + static_cast<std::ptrdiff_t>(at),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + PageRequest::kMaxLimit)));
    VITRINE_ASSIGN_OR_RETURN(std::vector<ItcLabel> labels, sticky.service.tuboids().Labels(caller, chunk));
    for (const ItcLabel& l : labels) rows.push_back(LabelRow(l));
  }
  return rows;
}

Result<std::unique_ptr<http::BodySink>> OpenTuboidUpload(const std::shared_ptr<StickyPi>& sticky,
                                                         const HttpRequest& head) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateStickyPi(sticky->service, head));
  VITRINE_ASSIGN_OR_RETURN(std::string boundary, http::MultipartParser::BoundaryOf(head.header("content-type")));
  // Rights are checked now, before any byte of the body is read.
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectForWriting(*sticky, caller));
  // Upstream answers a list holding the list of rows.
  return http::routes::MakeTuboidUploadSink(
      sticky->service, std::move(caller), project, std::move(boundary),
      http::routes::TuboidForm{SeriesInfo,
                               [](const Tuboid& t) { return StickyPiJson(Json::array({Json::array({TuboidRow(t)})})); },
                               StickyPiError});
}

// GET /stickypi/tuboids/{id}/metadata.txt?user=&expires=&signature=: the tuboid's shots.
HttpResponse ServeShots(StickyPi& sticky, const HttpRequest& request, const PathParams& params) {
  if (!request.on_worker) return http::routes::RunOnWorker();
  return LinkAnswer([&]() -> Result<HttpResponse> {
    VITRINE_ASSIGN_OR_RETURN(TuboidId id, http::routes::PathId<TuboidId>(params, "tuboid_id"));
    VITRINE_ASSIGN_OR_RETURN(const Caller caller,
                             VerifySignedQuery(sticky, request, "tuboid/" + std::to_string(id.value()) + "/metadata"));
    VITRINE_ASSIGN_OR_RETURN(Tuboid tuboid, sticky.service.tuboids().Get(caller, id));
    HttpResponse r;
    r.status = 200;
    r.body = std::move(tuboid.shots);
    r.With("content-type", "text/plain; charset=utf-8");
    return r;
  }());
}

}  // namespace

void AddTuboidRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.AddStreaming("POST", "/_put_tiled_tuboids",
                      [sticky](const HttpRequest& head, const PathParams&) { return OpenTuboidUpload(sticky, head); });
  router.Add("POST", "/get_tiled_tuboid_series/{what}", Route(sticky, GetTiledTuboidSeries));
  router.Add("POST", "/delete_tiled_tuboids", Route(sticky, DeleteTiledTuboids));
  router.Add("POST", "/put_itc_labels", Route(sticky, PutItcLabels));
  router.Add("POST", "/_get_itc_labels", Route(sticky, GetItcLabels));
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/stickypi/tuboids/{tuboid_id}/metadata.txt",
               [sticky](const HttpRequest& request, const PathParams& p) { return ServeShots(*sticky, request, p); });
  }
}

}  // namespace vitrine::compat::stickypi
