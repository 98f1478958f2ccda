// Sticky Pi's uid annotations (one detector document per image and algorithm version) as
// Vitrine annotation runs: each contour is an annotation of the run, so a detector's output is
// queryable like any annotation in /api/v1 (by box, by property, by run).
#include <cmath>

#include "compat/stickypi/stickypi_routes.h"
#include "core/ascii.h"

namespace vitrine::compat::stickypi {
namespace {

// The keys of a contour dict kept as annotation properties (the contour itself is the geometry).
constexpr const char* kContourKey = "contour";
// One answer with what=data holds at most this many contours in all (each is a JSON document of
// its own, rebuilt in memory): past it the client is asked for a shorter range.
constexpr std::int64_t kMaxContoursPerAnswer = 500'000;

Status CheckAnnotationWhat(std::string_view what) {
  if (what == "metadata" || what == "data") return Status::Ok();
  return Status::InvalidArgument("'" + std::string(what) + "' is not something to get: ask for metadata or data");
}

// OpenCV's contour ([[[x, y]], ...], or plainly [[x, y], ...]) as WKT: a polygon, or a line or a
// point for contours too short to bound an area.
Result<std::string> ContourWkt(const Json& contour, std::size_t index) {
  const std::string where = "annotation " + std::to_string(index);
  if (!contour.is_array() || contour.empty())
    return Status::InvalidArgument(where + ": contour must be a list of points");
  std::vector<std::pair<std::string, std::string>> points;
  for (const Json& raw : contour) {
    const Json& point = raw.is_array() && raw.size() == 1 && raw[0].is_array() ? raw[0] : raw;
    if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_number()) {
      return Status::InvalidArgument(where + ": each contour point must be [x, y] or [[x, y]]");
    }
    points.emplace_back(point[0].dump(), point[1].dump());
  }
  auto join = [&](bool close) {
    std::string text;
    for (const auto& [x, y] : points) text += (text.empty() ? "" : ", ") + x + " " + y;
    if (close && points.front() != points.back()) text += ", " + points.front().first + " " + points.front().second;
    return text;
  };
  if (points.size() == 1) return "POINT (" + join(false) + ")";
  if (points.size() == 2) return "LINESTRING (" + join(false) + ")";
  return "POLYGON ((" + join(true) + "))";
}

// A property's text back as the JSON value it was: numbers as numbers, the rest as strings.
Json PropertyValue(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !parsed.is_discarded() && parsed.is_number() ? parsed : Json(text);
}

// GeoJSON coordinates back to OpenCV's contour form: a polygon's outer ring without the point
// that closes it.
Json ContourOf(const std::string& geojson) {
  Json geometry = Json::parse(geojson, nullptr, /*allow_exceptions=*/false);
  Json contour = Json::array();
  if (geometry.is_discarded() || !geometry.contains("coordinates")) return contour;
  const std::string type = geometry.value("type", "");
  const Json& c = geometry["coordinates"];
  Json ring;
  if (type == "Point") {
    ring = Json::array({c});
  } else if (type == "LineString") {
    ring = c;
  } else if (type == "Polygon" && !c.empty()) {
    ring = c[0];
    if (ring.size() > 1) ring.erase(ring.size() - 1);
  } else if (type == "MultiPolygon" && !c.empty() && !c[0].empty()) {  // a contour MakeValid split
    ring = c[0][0];
    if (ring.size() > 1) ring.erase(ring.size() - 1);
  }
  for (const Json& point : ring) {
    Json xy = Json::array();
    for (const Json& v : point) {
      // Whole numbers go back as integers, as OpenCV wrote them; only those an int64 holds exactly.
      const double d = v.get<double>();
      const bool whole = std::fabs(d) < 0x1p53 && d == std::trunc(d);
      xy.push_back(whole ? Json(static_cast<std::int64_t>(d)) : v);
    }
    contour.push_back(Json::array({xy}));
  }
  return contour;
}

Json RunRow(const AnnotationRun& run) {
  return Json{{"id", run.id.value()},
              {"parent_image_id", run.image_id.value()},
              {"algo_name", run.algorithm},
              {"algo_version", run.algorithm_version},
              {"n_objects", run.annotation_count},
              {"json", ""},
              {"datetime_created", FormatTime(run.created_at)},
              {"api_version", "vitrine"},
              {"api_user_id", run.created_by.value()}};
}

// The document as the detector sent it, rebuilt from the run: its metadata and, in input order,
// each annotation's contour and properties.
Result<std::string> RunDocument(StickyPi& sticky, const Caller& caller, const AnnotationRun& run,
                                std::int64_t& contours_left) {
  contours_left -= run.annotation_count;
  if (contours_left < 0) {
    return Status::TooLarge("the documents asked for hold more than " + std::to_string(kMaxContoursPerAnswer) +
                            " contours: ask for fewer images or a shorter time range");
  }
  AnnotationFilter filter;
  filter.images = {run.image_id};
  filter.run = run.id;
  AnnotationView view;
  view.wkt = false;
  view.geojson = true;
  view.terms = false;
  view.count_total = false;
  Json annotations = Json::array();
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(
        Page<Annotation> page,
        sticky.service.annotations().List(caller, filter, PageRequest{PageRequest::kMaxLimit, offset}, view));
    for (const Annotation& a : page.items) {
      Json item{{kContourKey, ContourOf(a.geojson)}};
      for (const auto& [key, value] : a.properties) item[key] = PropertyValue(value);
      annotations.push_back(std::move(item));
    }
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  Json metadata = Json::object();
  for (const auto& [key, value] : run.metadata) metadata[key] = value;
  metadata["algo_name"] = run.algorithm;
  metadata["algo_version"] = run.algorithm_version;
  return Json{{"annotations", std::move(annotations)}, {"metadata", std::move(metadata)}}.dump();
}

Result<Json> RunRows(StickyPi& sticky, const Caller& caller, const AnnotationRunFilter& filter, std::string_view what,
                     Json& rows, std::int64_t& contours_left) {
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(
        Page<AnnotationRun> page,
        sticky.service.annotation_runs().List(caller, filter, PageRequest{PageRequest::kMaxLimit, offset}));
    if (static_cast<std::int64_t>(rows.size() + page.items.size()) > kMaxSeriesRows) {
      return Status::TooLarge("more than " + std::to_string(kMaxSeriesRows) +
                              " annotation documents match: ask for a shorter time range");
    }
    for (const AnnotationRun& run : page.items) {
      Json row = RunRow(run);
      if (what == "data") {
        VITRINE_ASSIGN_OR_RETURN(std::string document, RunDocument(sticky, caller, run, contours_left));
        row["json"] = std::move(document);
      }
      rows.push_back(std::move(row));
    }
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  return rows;
}

// [{"annotations": [...], "metadata": {algo_name, algo_version, device, datetime, md5}}]: each
// document becomes a run of the image (device, datetime), whose MD5 must be `md5`. A second
// document for the same image, algorithm and version is refused (409); a new version is not.
Result<Json> PutUidAnnotations(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                               const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> documents, Objects(info));
  // Detector output is written onto the Sticky Pi project's images only, as uploads are.
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  Json rows = Json::array();
  for (const Json& document : documents) {
    auto metadata = document.find("metadata");
    auto contours = document.find("annotations");
    if (metadata == document.end() || !metadata->is_object() || contours == document.end() || !contours->is_array()) {
      return Status::InvalidArgument("each document needs 'metadata' (an object) and 'annotations' (a list)");
    }
    NewAnnotationRun run;
    VITRINE_ASSIGN_OR_RETURN(run.algorithm, StringField(*metadata, "algo_name"));
    VITRINE_ASSIGN_OR_RETURN(run.algorithm_version, StringField(*metadata, "algo_version"));
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(*metadata, "device"));
    VITRINE_ASSIGN_OR_RETURN(Timestamp datetime, ParseTime(*metadata, "datetime"));
    VITRINE_ASSIGN_OR_RETURN(std::string md5, StringField(*metadata, "md5"));
    std::optional<Image> image;
    if (project) {
      VITRINE_ASSIGN_OR_RETURN(image, FindImage(sticky, caller, device, datetime, project));
    }
    if (!image) {
      return Status::NotFound("the Sticky Pi project has no image of device " + device + " at " + FormatTime(datetime) +
                              ": annotations need their image uploaded first");
    }
    run.image_id = image->id;
    run.image_md5 = md5;
    for (const auto& [key, value] : metadata->items()) {
      if (key == "algo_name" || key == "algo_version") continue;
      run.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    for (std::size_t i = 0; i < contours->size(); ++i) {
      const Json& contour = (*contours)[i];
      if (!contour.is_object()) return Status::InvalidArgument("annotation " + std::to_string(i) + " is not an object");
      NewAnnotation annotation;
      annotation.image_id = image->id;
      VITRINE_ASSIGN_OR_RETURN(annotation.wkt, ContourWkt(contour.value(kContourKey, Json()), i));
      annotation.repair = true;  // detector contours may touch themselves
      for (const auto& [key, value] : contour.items()) {
        if (key == kContourKey || value.is_null() || value.is_structured()) continue;
        annotation.properties[key] = value.is_string() ? value.get<std::string>() : value.dump();
      }
      run.annotations.push_back(std::move(annotation));
    }
    VITRINE_ASSIGN_OR_RETURN(CreatedAnnotationRun created, sticky.service.annotation_runs().Create(caller, run));
    rows.push_back(RunRow(created.run));
  }
  return rows;
}

Result<Json> GetUidAnnotations(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                               const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckAnnotationWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > kMaxLookups) {
    return Status::TooLarge("ask for the documents of at most " + std::to_string(kMaxLookups) + " images at once");
  }
  std::int64_t contours_left = kMaxContoursPerAnswer;
  Json rows = Json::array();
  for (const Json& item : items) {
    if (item.empty()) continue;
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    VITRINE_ASSIGN_OR_RETURN(Timestamp datetime, ParseTime(item, "datetime"));
    VITRINE_ASSIGN_OR_RETURN(std::optional<Image> image, FindImage(sticky, caller, device, datetime));
    if (!image) continue;
    AnnotationRunFilter filter;
    filter.images = {image->id};
    VITRINE_RETURN_IF_ERROR(RunRows(sticky, caller, filter, what, rows, contours_left).status());
  }
  return rows;
}

// Documents of the images of devices matching `device` (LIKE) captured in [start, end).
Result<Json> GetUidAnnotationsSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                                     const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckAnnotationWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  std::int64_t contours_left = kMaxContoursPerAnswer;
  Json rows = Json::array();
  for (const Json& item : items) {
    AnnotationRunFilter filter;
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    filter.device_like = core::Lowercase(device);
    VITRINE_ASSIGN_OR_RETURN(filter.captured_from, ParseTime(item, "start_datetime"));
    VITRINE_ASSIGN_OR_RETURN(filter.captured_to, ParseTime(item, "end_datetime"));
    if (auto algo = item.find("algo_name"); algo != item.end() && algo->is_string()) filter.algorithm = *algo;
    if (auto v = item.find("algo_version"); v != item.end() && v->is_string()) filter.algorithm_version = *v;
    VITRINE_RETURN_IF_ERROR(RunRows(sticky, caller, filter, what, rows, contours_left).status());
  }
  return rows;
}

}  // namespace

void AddUidAnnotationRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/put_uid_annotations", Route(sticky, PutUidAnnotations));
  router.Add("POST", "/get_uid_annotations/{what}", Route(sticky, GetUidAnnotations));
  router.Add("POST", "/get_uid_annotations_series/{what}", Route(sticky, GetUidAnnotationsSeries));
}

}  // namespace vitrine::compat::stickypi
