#include "compat/stickypi/stickypi_api.h"

#include <cmath>
#include <cstdlib>

#include "auth/basic_auth.h"
#include "auth/link_signature.h"
#include "compat/stickypi/stickypi_routes.h"
#include "core/ascii.h"
#include "core/percent_encoding.h"
#include "core/time_format.h"
#include "http/authenticate.h"
#include "http/query.h"
#include "http/responses.h"
#include "http/routes/route_helpers.h"
#include "service/properties.h"

namespace vitrine::compat::stickypi {
namespace {

// The project property that marks the Sticky Pi project: a property rather than a name, since
// names are neither unique nor fixed; one that only administrators set.
constexpr const char* kProjectMark = service::kAdminOnlyProjectProperty;
constexpr const char* kProjectMarkValue = "project";

// What upstream's `api_version` column holds; clients only display it.
constexpr const char* kApiVersion = "vitrine";

std::optional<double> NumberProperty(const Image& image, const char* key) {
  auto it = image.properties.find(key);
  if (it == image.properties.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end != it->second.c_str() + it->second.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

Json NumberOrNull(std::optional<double> v) { return v ? Json(*v) : Json(nullptr); }

// "2020-06-20_21-33-24": the capture time as Sticky Pi file names write it.
std::string FileNameTime(Timestamp t) {
  std::string text = FormatTime(t);  // 2020-06-20T21:33:24Z
  text.pop_back();
  text[10] = '_';
  text[13] = '-';
  text[16] = '-';
  return text;
}

}  // namespace

http::Handler Route(const std::shared_ptr<StickyPi>& shared, StickyPiHandler fn) {
  return [shared, fn = std::move(fn)](const HttpRequest& request, const PathParams& params) -> HttpResponse {
    StickyPi& sticky = *shared;
    // Every route reads the catalog and may hash a password (Basic username:password).
    if (!request.on_worker) return http::routes::RunOnWorker();
    auto caller = AuthenticateStickyPi(sticky.service, request);
    if (!caller.ok()) return StickyPiError(caller.status());
    Json info = Json::array({Json::object()});
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      info = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      if (info.is_discarded()) return StickyPiError(Status::InvalidArgument("the request body is not valid JSON"));
      if (wire::NestedDeeperThan(info, wire::kMaxGeoJsonNesting)) {
        return StickyPiError(Status::InvalidArgument("the request body is nested too deeply"));
      }
      if (info.is_object()) info = Json::array({std::move(info)});
    }
    Result<Json> answer = fn(sticky, *caller, info, request, params);
    if (!answer.ok()) return StickyPiError(answer.status());
    return StickyPiJson(*answer);
  };
}

Result<Caller> AuthenticateStickyPi(const service::Service& service, const HttpRequest& request) {
  if (auto basic = auth::ParseBasicAuthorization(request.header("authorization")); basic && basic->password.empty()) {
    return service.auth().WithBearerToken(basic->username);
  }
  return http::AuthenticateRequest(service.auth(), request);
}

HttpResponse StickyPiError(const Status& status) {
  HttpResponse r = http::ErrorResponse(status);
  r.With("cache-control", "no-store");
  return r;
}

HttpResponse StickyPiJson(const Json& body) {
  HttpResponse r = http::JsonResponse(200, body);
  r.With("cache-control", "no-store");
  return r;
}

bool Like(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  auto same = [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a + 32 : a) == (b >= 'A' && b <= 'Z' ? b + 32 : b); };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '_' || same(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

Result<std::optional<ProjectId>> FindProject(StickyPi& sticky) {
  // Only an administrator sets the mark (ProjectService refuses anyone else), so a project that
  // carries it is the one an administrator chose.
  ProjectFilter filter;
  filter.property = PropertyMatch{kProjectMark, std::string(kProjectMarkValue)};
  VITRINE_ASSIGN_OR_RETURN(Page<Project> marked,
                           sticky.service.projects().List(Caller::LocalOperator(), filter, PageRequest{10, 0}));
  if (marked.items.empty()) return std::optional<ProjectId>();
  if (marked.total > 1) {
    std::string ids;
    for (const Project& project : marked.items) ids += (ids.empty() ? "" : ", ") + std::to_string(project.id.value());
    return Status::Conflict("several projects carry the property sticky_pi=project (" + ids +
                            (marked.total > 10 ? ", ..." : "") + "): an administrator removes it from all but one");
  }
  return std::optional(marked.items.front().id);
}

Result<ProjectId> ProjectForWriting(StickyPi& sticky, const Caller& caller) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  if (!project) {
    std::lock_guard lock(sticky.project_creation);
    VITRINE_ASSIGN_OR_RETURN(project, FindProject(sticky));
    if (!project) {
      if (!caller.user() || !caller.user()->admin) {
        return Status::PermissionDenied(
            "there is no Sticky Pi project yet: a Vitrine administrator makes it with their first Sticky Pi write "
            "(put_users, put_images)");
      }
      service::CreateProjectRequest request{sticky.options.project_name,
                                            "Sticky Pi trap images and detector results (docs/compat/stickypi.md)",
                                            {{kProjectMark, kProjectMarkValue}}};
      VITRINE_ASSIGN_OR_RETURN(Project made, sticky.service.projects().Create(caller, request));
      project = made.id;
    }
  }
  Status member = sticky.service.projects().Require(caller, *project, ProjectRole::kContributor);
  if (member.code() == ErrorCode::kNotFound || member.code() == ErrorCode::kPermissionDenied) {
    return Status::PermissionDenied("writing takes the contributor role in the Sticky Pi project (id " +
                                    std::to_string(project->value()) + "); its managers give it");
  }
  VITRINE_RETURN_IF_ERROR(member);
  return *project;
}

Status RequireStickyPiAdmin(StickyPi& sticky, const Caller& caller) {
  if (caller.is_admin()) return Status::Ok();
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  if (project && sticky.service.projects().Require(caller, *project, ProjectRole::kManager).ok()) return Status::Ok();
  return Status::PermissionDenied(
      "this takes Sticky Pi's admin role: a Vitrine administrator or a manager of the Sticky Pi project");
}

std::string FormatTime(Timestamp t) {
  return core::FormatIso8601(
      std::chrono::time_point_cast<Timestamp::duration>(std::chrono::floor<std::chrono::seconds>(t)));
}

Result<std::string> StringField(const Json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) {
    return Status::InvalidArgument(std::string("each item needs '") + field + "', a string");
  }
  return it->get<std::string>();
}

Result<Timestamp> ParseTime(const Json& object, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::string text, StringField(object, field));
  std::string iso = text;
  // The legacy form, as in file names: 2020-06-20_21-33-24.
  if (iso.size() == 19 && iso[10] == '_' && iso[13] == '-' && iso[16] == '-') {
    iso[10] = 'T';
    iso[13] = ':';
    iso[16] = ':';
  }
  if (iso.size() >= 19 && iso.find_first_of("Zz+", 19) == std::string::npos && iso.find('-', 19) == std::string::npos) {
    iso += 'Z';  // upstream's datetimes are naive and taken as UTC
  }
  auto t = core::ParseIso8601(iso);
  if (!t.ok()) {
    return Status::InvalidArgument(std::string(field) + " '" + text +
                                   "' is not a date and time: write 2020-06-20T21:33:24Z");
  }
  return *t;
}

Json ImageRow(const Image& image) {
  auto version = image.properties.find("device_version");
  auto bat = NumberProperty(image, "bat");
  auto but = image.properties.find("but");
  Json but_value = nullptr;
  if (but != image.properties.end() && !but->second.empty()) {
    but_value = but->second != "0" && core::Lowercase(but->second) != "false";
  }
  return Json{{"id", image.id.value()},
              {"device", image.device.value_or("")},
              {"datetime", image.captured_at ? Json(FormatTime(*image.captured_at)) : Json(nullptr)},
              {"md5", image.md5},
              {"device_version", version != image.properties.end() ? version->second : "1.0.0"},
              {"width", image.width},
              {"height", image.height},
              {"lat", NumberOrNull(NumberProperty(image, "lat"))},
              {"lng", NumberOrNull(NumberProperty(image, "lng"))},
              {"alt", NumberOrNull(NumberProperty(image, "alt"))},
              {"temp", NumberOrNull(NumberProperty(image, "temp"))},
              {"hum", NumberOrNull(NumberProperty(image, "hum"))},
              {"lum", NumberOrNull(NumberProperty(image, "lum"))},
              {"bat", bat ? Json(std::llround(*bat)) : Json(nullptr)},
              {"but", but_value},
              {"datetime_created", FormatTime(image.created_at)},
              {"api_version", kApiVersion},
              {"api_user_id", image.created_by.value()},
              {"url", ""}};
}

Status CheckImageWhat(std::string_view what) {
  if (what == "metadata" || what == "image" || what == "thumbnail" || what == "thumbnail-mini") return Status::Ok();
  return Status::InvalidArgument("'" + std::string(what) +
                                 "' is not something to get: ask for metadata, image, thumbnail or thumbnail-mini");
}

std::string BaseUrl(const HttpRequest& request) {
  return std::string(request.secure ? "https://" : "http://") + (request.host.empty() ? "localhost" : request.host);
}

std::string SignedQuery(const StickyPi& sticky, const Caller& caller, const std::string& object) {
  const std::int64_t expires = std::chrono::duration_cast<std::chrono::seconds>(
                                   (sticky.service.clock().Now() + sticky.options.link_lifetime).time_since_epoch())
                                   .count();
  const std::int64_t user = caller.user() ? caller.user_id().value() : 0;
  const std::string signature = auth::SignLink(sticky.options.link_key, {object, user, expires});
  return "user=" + std::to_string(user) + "&expires=" + std::to_string(expires) + "&signature=" + signature;
}

Result<Caller> VerifySignedQuery(StickyPi& sticky, const HttpRequest& request, const std::string& object) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(auto user, query.GetInt("user"));
  VITRINE_ASSIGN_OR_RETURN(auto expires, query.GetInt("expires"));
  auto signature = query.Get("signature");
  if (!user || !expires || !signature) {
    return Status::PermissionDenied("this link is not signed: ask the API for a new link");
  }
  return LinkCaller(sticky, auth::LinkClaim{object, *user, *expires}, std::string(*signature));
}

Result<Caller> LinkCaller(StickyPi& sticky, const auth::LinkClaim& claim, const std::string& signature) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(sticky.service.clock().Now().time_since_epoch()).count();
  VITRINE_RETURN_IF_ERROR(auth::VerifyLink(sticky.options.link_key, claim, signature, now));
  // The link speaks for its user as they are now: disabled, or out of the project, it opens nothing.
  auto account = sticky.service.users().Get(Caller::LocalOperator(), UserId(claim.user));
  if (!account.ok() || !account->enabled) return Status::PermissionDenied("this link's user may no longer sign in");
  return Caller::ForUser(*account);
}

HttpResponse LinkAnswer(Result<HttpResponse> served) {
  if (!served.ok()) return StickyPiError(served.status());
  // A link outlives neither its signature nor its user's rights: nothing may keep its answer.
  HttpResponse response = std::move(served).value();
  std::erase_if(response.headers, [](const http::Header& h) { return core::Lowercase(h.name) == "cache-control"; });
  response.With("cache-control", "no-store");
  return response;
}

std::string LinkFor(const StickyPi& sticky, const Caller& caller, const HttpRequest& request, const Image& image,
                    std::string_view what) {
  const std::string object = "image/" + std::to_string(image.id.value()) + "/" + std::string(what);
  // The last path segment is the file's Sticky Pi name: clients parse the image they fetch
  // (ImageParser) by the name the URL ends with, and keep it when they save it.
  std::string name = image.device && image.captured_at ? *image.device + "." + FileNameTime(*image.captured_at) + ".jpg"
                                                       : image.filename;
  if (what != "image") name += "." + std::string(what);
  return BaseUrl(request) + "/stickypi/files/" + object.substr(6) + "/" + core::PercentEncode(name) + "?" +
         SignedQuery(sticky, caller, object);
}

Result<std::optional<Image>> FindImage(StickyPi& sticky, const Caller& caller, const std::string& device,
                                       Timestamp datetime, std::optional<ProjectId> within) {
  if (device.empty() || device.find_first_of("%_\\") != std::string::npos) {
    return Status::InvalidArgument("device '" + device + "' is not a device id (8 hexadecimal digits)");
  }
  ImageFilter filter;
  filter.device_like = core::Lowercase(device);
  filter.captured_from = datetime;
  filter.captured_to = datetime + std::chrono::seconds(1);
  VITRINE_ASSIGN_OR_RETURN(Page<Image> found,
                           within ? sticky.service.images().List(caller, *within, filter, PageRequest{1, 0})
                                  : sticky.service.images().ListAcrossProjects(caller, filter, PageRequest{1, 0}));
  if (found.items.empty()) return std::optional<Image>();
  return std::optional(std::move(found.items.front()));
}

Result<std::vector<Json>> Objects(const Json& info) {
  if (!info.is_array()) return Status::InvalidArgument("the request body must be a JSON list of objects");
  std::vector<Json> out;
  out.reserve(info.size());
  for (std::size_t i = 0; i < info.size(); ++i) {
    if (!info[i].is_object()) return Status::InvalidArgument("item " + std::to_string(i) + " is not a JSON object");
    out.push_back(info[i]);
  }
  return out;
}

Status AddStickyPiRoutes(http::Router& router, service::Service& service, StickyPiOptions options) {
  // Anyone could sign links with a guessable key, and open every picture with them.
  if (options.link_key.size() < kMinLinkKeySize) {
    return Status::InvalidArgument("the Sticky Pi link key needs at least " + std::to_string(kMinLinkKeySize) +
                                   " bytes");
  }
  auto sticky = std::make_shared<StickyPi>(service, std::move(options));
  AddUserRoutes(router, sticky);
  AddImageRoutes(router, sticky);
  AddUidAnnotationRoutes(router, sticky);
  AddMlBundleRoutes(router, sticky);
  AddTuboidRoutes(router, sticky);
  AddProjectRoutes(router, sticky);
  AddProjectSeriesRoutes(router, sticky);
  return Status::Ok();
}

}  // namespace vitrine::compat::stickypi
