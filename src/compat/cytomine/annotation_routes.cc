// Cytomine's annotations: one or many at a time, listings with its filters and column groups,
// and the terms of an annotation. Cytomine's geometry has its origin at the image's bottom-left
// corner with y up; Vitrine's at the top-left with y down: every WKT and point crossing here is
// mirrored within its image's height.
#include <cmath>
#include <map>
#include <set>

#include "compat/cytomine/cytomine_routes.h"
#include "geometry/geometry.h"

namespace vitrine::compat::cytomine {
namespace {

// The images a request touches, each read once (with the caller's rights).
class ImageLookup {
 public:
  ImageLookup(service::Service& service, const Caller& caller) : service_(service), caller_(caller) {}
  Result<const Image*> Get(ImageId id) {
    auto it = images_.find(id);
    if (it == images_.end()) {
      VITRINE_ASSIGN_OR_RETURN(Image image, service_.images().Get(caller_, id));
      it = images_.emplace(id, std::move(image)).first;
    }
    return &it->second;
  }

 private:
  service::Service& service_;
  const Caller& caller_;
  std::map<ImageId, Image> images_;
};

Result<std::string> Mirrored(const std::string& wkt, const Image& image) {
  return geometry::MirrorWktVertically(wkt, static_cast<double>(image.height));
}

// A term list as Cytomine sends it: "term" or "terms", a list of ids or one id.
Result<std::vector<TermId>> TermsOf(const Json& item) {
  std::vector<TermId> terms;
  for (const char* field : {"term", "terms"}) {
    auto it = item.find(field);
    if (it == item.end() || it->is_null()) continue;
    const Json list = it->is_array() ? *it : Json::array({*it});
    for (const Json& term : list) {
      if (!term.is_number_integer() || term.get<std::int64_t>() <= 0) {
        return Status::InvalidArgument(std::string(field) + " must hold term ids");
      }
      terms.emplace_back(term.get<std::int64_t>());
    }
  }
  return terms;
}

// Properties as Cytomine sends them with a new annotation: "properties" (or "property"), a list
// of {"key", "value"} or an object of key: value.
Result<Properties> PropertiesOf(const Json& item) {
  Properties properties;
  for (const char* field : {"property", "properties"}) {
    auto it = item.find(field);
    if (it == item.end() || it->is_null()) continue;
    auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    if (it->is_object()) {
      for (const auto& [key, value] : it->items()) properties[key] = text(value);
    } else if (it->is_array()) {
      for (const Json& p : *it) {
        if (!p.is_object() || !p.contains("key") || !p["key"].is_string()) {
          return Status::InvalidArgument(std::string(field) + " must hold {\"key\", \"value\"} objects");
        }
        properties[p["key"].get<std::string>()] = p.contains("value") ? text(p["value"]) : "";
      }
    } else {
      return Status::InvalidArgument(std::string(field) + " must be a list of {\"key\", \"value\"} or an object");
    }
  }
  return properties;
}

Result<service::NewAnnotation> NewAnnotationOf(const Json& item, ImageLookup& images) {
  if (!item.is_object()) return Status::InvalidArgument("an annotation must be a JSON object");
  VITRINE_ASSIGN_OR_RETURN(auto image_id, OptionalIdField(item, "image"));
  if (!image_id) return Status::InvalidArgument("an annotation needs its image");
  auto location = item.find("location");
  if (location == item.end() || !location->is_string()) {
    return Status::InvalidArgument("an annotation needs its location (WKT)");
  }
  VITRINE_ASSIGN_OR_RETURN(const Image* image, images.Get(ImageId(*image_id)));
  service::NewAnnotation a;
  a.image_id = image->id;
  VITRINE_ASSIGN_OR_RETURN(a.wkt, Mirrored(location->get<std::string>(), *image));
  a.repair = true;  // Cytomine makes an invalid shape valid rather than refusing it
  VITRINE_ASSIGN_OR_RETURN(a.terms, TermsOf(item));
  VITRINE_ASSIGN_OR_RETURN(a.properties, PropertiesOf(item));
  return a;
}

AnnotationColumns EveryColumn() {
  AnnotationColumns all;
  all.wkt = all.gis = all.image = true;
  return all;
}

Result<Json> AnnotationRow(const Annotation& a, const AnnotationColumns& columns, ImageLookup& images) {
  VITRINE_ASSIGN_OR_RETURN(const Image* image, images.Get(a.image_id));
  std::string wkt;
  if (columns.wkt) {
    VITRINE_ASSIGN_OR_RETURN(wkt, Mirrored(a.wkt, *image));
  }
  return AnnotationJson(a, wkt, image->height, columns, image, "");
}

Result<Json> StoredAnnotation(service::Service& service, const Caller& caller, AnnotationId id, ImageLookup& images) {
  VITRINE_ASSIGN_OR_RETURN(Annotation a, service.annotations().Get(caller, id));
  return AnnotationRow(a, EveryColumn(), images);
}

Result<HttpResponse> CreateAnnotations(service::Service& service, const Caller& caller, const HttpRequest& request,
                                       const PathParams&) {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::InvalidArgument("the body is not JSON");
  ImageLookup images(service, caller);
  std::vector<service::NewAnnotation> batch;
  const Json items = body.is_array() ? body : Json::array({body});
  batch.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto a = NewAnnotationOf(items[i], images);
    if (!a.ok()) {
      if (!body.is_array()) return a.status();
      return Status(a.status().code(), "annotation " + std::to_string(i) + ": " + a.status().message());
    }
    batch.push_back(std::move(*a));
  }
  if (!body.is_array()) {
    VITRINE_ASSIGN_OR_RETURN(auto ids, service.annotations().Create(caller, batch));
    VITRINE_ASSIGN_OR_RETURN(Json row, StoredAnnotation(service, caller, ids.front(), images));
    return CytomineJsonResponse(CommandEnvelope("annotation", "added", std::move(row)));
  }
  // The client sends its bulk saves in chunks of 15 and a trailing empty one.
  std::vector<AnnotationId> ids;
  if (!batch.empty()) {
    VITRINE_ASSIGN_OR_RETURN(ids, service.annotations().Create(caller, batch));
  }
  Json id_list = Json::array();
  std::string named;
  for (AnnotationId id : ids) {
    id_list.push_back(id.value());
    named += (named.empty() ? "" : ",") + std::to_string(id.value());
  }
  return CytomineJsonResponse(
      Json{{"data", {{"message", "userannotations " + named + " added"}}}, {"status", 200}, {"ids", id_list}});
}

Result<HttpResponse> GetAnnotation(service::Service& service, const Caller& caller, const HttpRequest&,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
  ImageLookup images(service, caller);
  VITRINE_ASSIGN_OR_RETURN(Json row, StoredAnnotation(service, caller, id, images));
  return CytomineJsonResponse(row);
}

// The client sends back the whole object: its location changes (terms change through
// AnnotationTerm, as in Cytomine).
Result<HttpResponse> UpdateAnnotation(service::Service& service, const Caller& caller, const HttpRequest& request,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  ImageLookup images(service, caller);
  VITRINE_ASSIGN_OR_RETURN(Annotation current, service.annotations().Get(caller, id));
  service::AnnotationChange change;
  change.repair = true;  // as on create
  if (auto location = body.find("location"); location != body.end() && location->is_string()) {
    VITRINE_ASSIGN_OR_RETURN(const Image* image, images.Get(current.image_id));
    VITRINE_ASSIGN_OR_RETURN(change.wkt, Mirrored(location->get<std::string>(), *image));
  }
  VITRINE_ASSIGN_OR_RETURN(Annotation updated, service.annotations().Update(caller, id, change));
  VITRINE_ASSIGN_OR_RETURN(Json row, AnnotationRow(updated, EveryColumn(), images));
  return CytomineJsonResponse(CommandEnvelope("annotation", "edited", std::move(row)));
}

Result<HttpResponse> DeleteAnnotation(service::Service& service, const Caller& caller, const HttpRequest&,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
  ImageLookup images(service, caller);
  VITRINE_ASSIGN_OR_RETURN(Json row, StoredAnnotation(service, caller, id, images));
  VITRINE_RETURN_IF_ERROR(service.annotations().Delete(caller, id));
  return CytomineJsonResponse(CommandEnvelope("annotation", "deleted", std::move(row)));
}

// Cytomine's column groups: the show* asked for, else basic, meta and term; hide* removes.
AnnotationColumns ColumnsOf(const http::QueryParams& query) {
  AnnotationColumns asked;
  asked.basic = asked.meta = asked.term = false;
  bool any = false;
  const std::pair<const char*, bool AnnotationColumns::*> groups[] = {
      {"Basic", &AnnotationColumns::basic}, {"Meta", &AnnotationColumns::meta}, {"WKT", &AnnotationColumns::wkt},
      {"GIS", &AnnotationColumns::gis},     {"Term", &AnnotationColumns::term}, {"Image", &AnnotationColumns::image},
      {"User", &AnnotationColumns::user}};
  for (const auto& [name, member] : groups) {
    if (Truthy(query.Get(std::string("show") + name))) asked.*member = any = true;
  }
  if (!any || Truthy(query.Get("showDefault"))) asked.basic = asked.meta = asked.term = true;
  for (const auto& [name, member] : groups) {
    if (Truthy(query.Get(std::string("hide") + name))) asked.*member = false;
  }
  return asked;
}

// Cytomine's filters Vitrine has no counterpart for: refused rather than silently ignored.
constexpr const char* kUnsupportedFilters[] = {"noTerm",
                                               "multipleTerm",
                                               "tag",
                                               "tags",
                                               "noTag",
                                               "track",
                                               "tracks",
                                               "noTrack",
                                               "multipleTrack",
                                               "slice",
                                               "slices",
                                               "usersForTerm",
                                               "reviewUsers",
                                               "baseAnnotation",
                                               "bboxAnnotation",
                                               "excludedAnnotation",
                                               "maxDistanceBaseAnnotation"};

Result<std::optional<Timestamp>> MillisParam(const http::QueryParams& query, const char* name) {
  // Milliseconds that still fit in microseconds: ±285,000 years.
  constexpr std::int64_t kMaxMillis = std::numeric_limits<std::int64_t>::max() / 1000;
  VITRINE_ASSIGN_OR_RETURN(auto ms, query.GetIntIn(name, -kMaxMillis, kMaxMillis));
  if (!ms) return std::optional<Timestamp>();
  return std::optional(Timestamp(std::chrono::milliseconds(*ms)));
}

// bbox as "x0,y0,x1,y1" or a WKT polygon, in Cytomine's coordinates of `image`.
Result<std::array<double, 4>> BoxOf(std::string_view text, const Image& image) {
  std::array<double, 4> box{};
  if (text.find('(') != std::string_view::npos) {
    VITRINE_ASSIGN_OR_RETURN(std::string mirrored, Mirrored(std::string(text), image));
    VITRINE_ASSIGN_OR_RETURN(geometry::Shape shape, geometry::Parse(mirrored, geometry::TextFormat::kWkt));
    return shape.bbox;
  }
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    auto comma = rest.find(',');
    if ((i < 3) == (comma == std::string_view::npos)) {
      return Status::InvalidArgument("bbox must be x0,y0,x1,y1 or a WKT polygon");
    }
    std::string_view item = rest.substr(0, comma);
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), box[i]);
    if (ec != std::errc() || end != item.data() + item.size() || !std::isfinite(box[i])) {
      return Status::InvalidArgument("bbox: '" + std::string(item) + "' is not a number");
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  const double height = static_cast<double>(image.height);
  return std::array<double, 4>{std::min(box[0], box[2]), height - std::max(box[1], box[3]), std::max(box[0], box[2]),
                               height - std::min(box[1], box[3])};
}

Result<std::vector<std::int64_t>> Ids(const http::QueryParams& query, const char* singular, const char* plural) {
  std::vector<std::int64_t> ids;
  for (const char* name : {singular, plural}) {
    auto v = query.Get(name);
    if (!v || v->empty() || *v == "null") continue;
    std::string_view rest = *v;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
      if (ec != std::errc() || end != item.data() + item.size() || id <= 0) {
        return Status::InvalidArgument(std::string(name) + " must be ids separated by commas");
      }
      ids.push_back(id);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return ids;
}

Result<AnnotationFilter> FilterOf(const http::QueryParams& query, ImageLookup& images) {
  for (const char* name : kUnsupportedFilters) {
    if (auto v = query.Get(name); v && !v->empty() && *v != "null" && *v != "False" && *v != "false") {
      return Status::InvalidArgument(std::string("the filter '") + name + "' is not offered by Vitrine");
    }
  }
  AnnotationFilter f;
  VITRINE_ASSIGN_OR_RETURN(auto project, query.GetInt("project"));
  if (project) {
    if (*project <= 0) return Status::InvalidArgument("project must be a positive id");
    f.project = ProjectId(*project);
  }
  VITRINE_ASSIGN_OR_RETURN(auto image_ids, Ids(query, "image", "images"));
  for (std::int64_t id : image_ids) f.images.emplace_back(id);
  VITRINE_ASSIGN_OR_RETURN(auto user_ids, Ids(query, "user", "users"));
  for (std::int64_t id : user_ids) f.users.emplace_back(id);
  VITRINE_ASSIGN_OR_RETURN(auto term_ids, Ids(query, "term", "terms"));
  for (std::int64_t id : term_ids) f.terms.emplace_back(id);
  VITRINE_ASSIGN_OR_RETURN(f.created_from, MillisParam(query, "afterThan"));
  VITRINE_ASSIGN_OR_RETURN(f.created_to, MillisParam(query, "beforeThan"));
  if (auto bbox = query.Get("bbox"); bbox && !bbox->empty()) {
    if (f.images.size() != 1) return Status::InvalidArgument("bbox needs exactly one image");
    VITRINE_ASSIGN_OR_RETURN(const Image* image, images.Get(f.images.front()));
    VITRINE_ASSIGN_OR_RETURN(f.bbox, BoxOf(*bbox, *image));
    f.exact = true;
  }
  return f;
}

Result<HttpResponse> ListAnnotations(service::Service& service, const Caller& caller, const HttpRequest& request,
                                     const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  ImageLookup images(service, caller);
  VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, FilterOf(query, images));
  const AnnotationColumns columns = ColumnsOf(query);
  service::AnnotationOutput output;
  output.wkt = columns.wkt;
  output.terms = columns.term;
  output.properties = false;
  if (Truthy(query.Get("reviewed"))) {
    // Vitrine has no review workflow: no annotation is a reviewed one.
    VITRINE_RETURN_IF_ERROR(service.annotations().List(caller, filter, {0, 0}, output).status());
    return CytomineJsonResponse(ListEnvelope(Json::array(), 0, slice.offset, slice.max));
  }
  std::map<UserId, std::string> usernames;
  Status row_error;
  VITRINE_ASSIGN_OR_RETURN(
      Json list, PagedList<Annotation>(
                     slice, service.annotations().limits().max_page,
                     [&](const PageRequest& page) {
                       service::AnnotationOutput paged = output;
                       paged.count_total = page.offset == slice.offset;  // counting every match is the costly part
                       return service.annotations().List(caller, filter, page, paged);
                     },
                     [&](const Annotation& a) -> Json {
                       auto row = AnnotationRow(a, columns, images);
                       if (!row.ok()) {
                         row_error = row.status();
                         return Json();
                       }
                       if (columns.user) {
                         auto [it, fresh] = usernames.try_emplace(a.created_by);
                         if (fresh) {
                           // Others' accounts are not the caller's to read; their project's members are.
                           auto user = service.users().Get(caller, a.created_by);
                           if (user.ok()) {
                             it->second = user->username;
                           } else if (auto members = service.projects().ListMembers(caller, a.project_id);
                                      members.ok()) {
                             for (const ProjectMember& m : *members) usernames[m.user_id] = m.username;
                           }
                         }
                         (*row)["creator"] = (*row)["name"] = it->second;
                       }
                       return std::move(*row);
                     }));
  VITRINE_RETURN_IF_ERROR(row_error);
  return CytomineJsonResponse(list);
}

// The region an "included" listing names, in Vitrine's coordinates: another annotation's shape
// (`annotation=ID`, itself left out of the answer) or `geometry=WKT` in Cytomine's.
Result<std::pair<std::string, std::optional<AnnotationId>>> IncludingRegion(service::Service& service,
                                                                            const Caller& caller,
                                                                            const http::QueryParams& query,
                                                                            const Image& image) {
  if (auto given = query.Get("annotation"); given && !given->empty() && *given != "null") {
    VITRINE_ASSIGN_OR_RETURN(auto id, query.GetInt("annotation"));
    if (!id || *id <= 0) return Status::InvalidArgument("annotation must be a positive id");
    VITRINE_ASSIGN_OR_RETURN(Annotation container, service.annotations().Get(caller, AnnotationId(*id)));
    if (container.image_id != image.id) {
      return Status::InvalidArgument("annotation " + std::to_string(*id) + " is not on image " +
                                     std::to_string(image.id.value()));
    }
    return std::pair(container.wkt, std::optional(container.id));
  }
  if (auto wkt = query.Get("geometry"); wkt && !wkt->empty()) {
    VITRINE_ASSIGN_OR_RETURN(std::string mirrored, Mirrored(std::string(*wkt), image));
    return std::pair(mirrored, std::optional<AnnotationId>());
  }
  return Status::InvalidArgument("name the region the annotations lie in: annotation=ID or geometry=WKT");
}

// /api/annotation/included.json: one image's annotations lying wholly in a region, with the
// listing's other filters and its columns. Candidates come by bounding box; GEOS decides.
Result<HttpResponse> ListIncluded(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  ImageLookup images(service, caller);
  VITRINE_ASSIGN_OR_RETURN(AnnotationFilter filter, FilterOf(query, images));
  if (filter.images.size() != 1) return Status::InvalidArgument("included annotations need exactly one image");
  if (filter.bbox) return Status::InvalidArgument("included annotations take a region, not a bbox");
  VITRINE_ASSIGN_OR_RETURN(const Image* image, images.Get(filter.images.front()));
  VITRINE_ASSIGN_OR_RETURN(auto region, IncludingRegion(service, caller, query, *image));
  VITRINE_ASSIGN_OR_RETURN(geometry::Shape shape, geometry::Parse(region.first, geometry::TextFormat::kWkt));
  VITRINE_ASSIGN_OR_RETURN(geometry::CoverTest cover, geometry::CoverTest::Of(shape.wkb));
  filter.bbox = shape.bbox;
  const AnnotationColumns columns = ColumnsOf(query);
  service::AnnotationOutput output;
  output.terms = columns.term;
  output.properties = false;
  output.count_total = false;
  const std::int64_t page_size = service.annotations().limits().max_page;
  Json rows = Json::array();
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(auto page, service.annotations().List(caller, filter, {page_size, 0}, output));
    for (const Annotation& a : page.items) {
      if (a.id == region.second) continue;
      VITRINE_ASSIGN_OR_RETURN(bool inside, cover.Covers(a.wkt));
      if (!inside) continue;
      if (static_cast<std::int64_t>(rows.size()) == kMaxRowsPerAnswer) {
        return Status::TooLarge("more than " + std::to_string(kMaxRowsPerAnswer) + " annotations lie in the region");
      }
      VITRINE_ASSIGN_OR_RETURN(Json row, AnnotationRow(a, columns, images));
      rows.push_back(std::move(row));
    }
    if (static_cast<std::int64_t>(page.items.size()) < page_size) break;
    filter.after = page.items.back().id;
  }
  return CytomineJsonResponse(ListOf(std::move(rows), slice));
}

// kNotFound unless the annotation carries the term.
Status CarriedTerm(service::Service& service, const Caller& caller, AnnotationId id, TermId term) {
  service::AnnotationOutput terms_only;
  terms_only.wkt = terms_only.properties = false;
  VITRINE_ASSIGN_OR_RETURN(Annotation a, service.annotations().Get(caller, id, terms_only));
  if (std::find(a.terms.begin(), a.terms.end(), term) == a.terms.end()) {
    return Status::NotFound("annotation " + std::to_string(id.value()) + " does not carry term " +
                            std::to_string(term.value()));
  }
  return Status::Ok();
}

// Terms of one annotation: /api/annotation/{a}/term/{t}.json.
Json AnnotationTermJson(AnnotationId annotation, TermId term, const Caller& caller) {
  return Json{{"id", PropertyId("annotationterm", annotation.value(), std::to_string(term.value()))},
              {"class", "be.cytomine.domain.ontology.AnnotationTerm"},
              {"userannotation", annotation.value()},
              {"term", term.value()},
              {"user", caller.user_id().value()}};
}

Result<HttpResponse> ChangeAnnotationTerm(service::Service& service, const Caller& caller, const PathParams& params,
                                          bool add) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
  VITRINE_ASSIGN_OR_RETURN(TermId term, IdIn<TermId>(params, "term_id"));
  service::AnnotationChange change;
  if (add) {
    change.add_terms = {term};
  } else {
    VITRINE_RETURN_IF_ERROR(CarriedTerm(service, caller, id, term));
    change.remove_terms = {term};
  }
  VITRINE_RETURN_IF_ERROR(service.annotations().Update(caller, id, change).status());
  return CytomineJsonResponse(
      CommandEnvelope("annotationterm", add ? "added" : "deleted", AnnotationTermJson(id, term, caller)));
}

Result<HttpResponse> GetAnnotationTerm(service::Service& service, const Caller& caller, const HttpRequest&,
                                       const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationId id, IdIn<AnnotationId>(params, "annotation_id"));
  VITRINE_ASSIGN_OR_RETURN(TermId term, IdIn<TermId>(params, "term_id"));
  VITRINE_RETURN_IF_ERROR(CarriedTerm(service, caller, id, term));
  return CytomineJsonResponse(AnnotationTermJson(id, term, caller));
}

}  // namespace

void AddAnnotationRoutes(http::Router& router, service::Service& service) {
  router.Add("POST", "/api/annotation.json", Cytomine(service, CreateAnnotations, /*heavy=*/true));
  router.Add("GET", "/api/annotation.json", Cytomine(service, ListAnnotations, /*heavy=*/true));
  router.Add("GET", "/api/annotation/included.json", Cytomine(service, ListIncluded, /*heavy=*/true));
  // One annotation under each of the names Cytomine gives it.
  for (const char* domain : {"annotation", "userannotation", "algoannotation"}) {
    const std::string path = std::string("/api/") + domain + "/{annotation_id}.json";
    router.Add("GET", path, Cytomine(service, GetAnnotation, /*heavy=*/true));
    router.Add("PUT", path, Cytomine(service, UpdateAnnotation, /*heavy=*/true));
    router.Add("DELETE", path, Cytomine(service, DeleteAnnotation, /*heavy=*/true));
  }
  const char* term_path = "/api/annotation/{annotation_id}/term/{term_id}.json";
  router.Add("GET", term_path, Cytomine(service, GetAnnotationTerm));
  router.Add("POST", term_path,
             Cytomine(
                 service,
                 [](auto& s, const Caller& c, const HttpRequest&, const PathParams& p) {
                   return ChangeAnnotationTerm(s, c, p, true);
                 },
                 /*heavy=*/true));
  router.Add("DELETE", term_path,
             Cytomine(
                 service,
                 [](auto& s, const Caller& c, const HttpRequest&, const PathParams& p) {
                   return ChangeAnnotationTerm(s, c, p, false);
                 },
                 /*heavy=*/true));
}

}  // namespace vitrine::compat::cytomine
