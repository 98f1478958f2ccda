// Shared plumbing for route handlers: authentication, id parsing, body parsing, and turning a
// Result into a response.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "core/parse_integer.h"
#include "core/time_format.h"
#include "http/authenticate.h"
#include "http/query.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/service.h"
#include "wire/job_json.h"
#include "wire/json.h"

namespace vitrine::http::routes {

// Parses the `{name}` capture as a positive id of type IdT.
template <class IdT>
Result<IdT> PathId(const PathParams& params, const char* name) {
  auto it = params.find(name);
  if (it != params.end()) {
    auto v = core::ParseInteger<std::int64_t>(it->second);
    if (v && *v > 0) return IdT(*v);
  }
  return Status::InvalidArgument(std::string(name) + " must be a positive integer");
}

// The most ids one list parameter may name (docs/api.md): past it, 400, never a query the
// store cannot run.
inline constexpr std::size_t kMaxIdsPerList = 500;

// Sorts and removes repeats; kInvalidArgument past kMaxIdsPerList.
template <class IdT>
Result<std::vector<IdT>> DistinctIds(std::vector<IdT> ids, std::string_view what) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > kMaxIdsPerList) {
    return Status::InvalidArgument(std::string(what) + " names " + std::to_string(ids.size()) + " ids; at most " +
                                   std::to_string(kMaxIdsPerList) + " in one request");
  }
  return ids;
}

// "1,2,3" → ids, distinct and sorted.
template <class IdT>
Result<std::vector<IdT>> IdList(std::string_view csv, std::string_view what) {
  std::vector<IdT> ids;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    auto v = core::ParseInteger<std::int64_t>(item);
    if (!v || *v <= 0) return Status::InvalidArgument(std::string(what) + " must be positive ids separated by commas");
    ids.emplace_back(*v);
    if (ids.size() > 4 * kMaxIdsPerList) {  // even with repeats, too many to read on
      return Status::InvalidArgument(std::string(what) + ": at most " + std::to_string(kMaxIdsPerList) +
                                     " ids in one request");
    }
  }
  return DistinctIds(std::move(ids), what);
}

// A positive id in the query (`project=3`); nothing when absent.
template <class IdT>
Result<std::optional<IdT>> IdParam(const QueryParams& query, const char* name) {
  VITRINE_ASSIGN_OR_RETURN(auto v, query.GetInt(name));
  if (!v) return std::optional<IdT>();
  if (*v <= 0) return Status::InvalidArgument(std::string(name) + " must be a positive id");
  return std::optional<IdT>(IdT(*v));
}

// The ids under a singular and a plural name (`image=1&images=2,3`), in that order.
template <class IdT>
Result<std::vector<IdT>> IdListParam(const QueryParams& query, const char* singular, const char* plural) {
  std::vector<IdT> all;
  for (const char* name : {singular, plural}) {
    if (auto v = query.Get(name)) {
      VITRINE_ASSIGN_OR_RETURN(auto ids, IdList<IdT>(*v, name));
      all.insert(all.end(), ids.begin(), ids.end());
    }
  }
  return DistinctIds(std::move(all), plural);
}

// The user a "/users/me/..." or "/users/{user_id}/..." route is about.
inline Result<UserId> SubjectUser(const service::Caller& caller, const PathParams& params) {
  if (!params.contains("user_id")) return caller.user_id();
  return PathId<UserId>(params, "user_id");
}

// The answer that asks the server to run the handler again on a worker (see HttpResponse).
inline HttpResponse RunOnWorker() {
  HttpResponse later;
  later.run_on_worker = true;
  return later;
}

// The same for a handler that will mostly wait for an event (a long-poll): on the waits lane,
// so that it never holds a thread a rendering request could have had.
inline HttpResponse WaitOnWorker() {
  HttpResponse later = RunOnWorker();
  later.waits = true;
  return later;
}

// A route's handler: the service it works on, who asks (already signed in), the request and
// its path captures. Each registrar names one such function per route and wraps it in Authed,
// AuthedWork or ViewerAuthed, so that its table of routes reads on one screen.
using RouteHandler = Result<HttpResponse> (*)(service::Service& service, const service::Caller& caller,
                                              const HttpRequest& request, const PathParams& params);

// Wraps `fn(service, caller, request, params) -> HttpResponse or Result<HttpResponse>` (a
// RouteHandler, or a lambda of that shape) so that it runs only for a caller `authenticate`
// accepts, and any error becomes its JSON error response.
template <class Fn>
Handler WithCaller(service::Service& service,
                   Result<service::Caller> (*authenticate)(const service::Authenticator&, const HttpRequest&), Fn fn,
                   bool always_on_worker = false) {
  return [&service, authenticate, fn = std::move(fn), always_on_worker](const HttpRequest& request,
                                                                        const PathParams& params) -> HttpResponse {
    if (!request.on_worker && (always_on_worker || AuthenticationWouldBlock(service.auth(), request))) {
      return RunOnWorker();
    }
    auto caller = authenticate(service.auth(), request);
    if (!caller.ok()) return ErrorResponse(caller.status());
    Result<HttpResponse> response = fn(service, *caller, request, params);
    if (!response.ok()) return ErrorResponse(response.status());
    return std::move(response).value();
  };
}

// Signed in by the Authorization header.
template <class Fn>
Handler Authed(service::Service& service, Fn fn) {
  return WithCaller(service, &AuthenticateRequest, std::move(fn));
}

// Signed in, and always run on a worker: for handlers whose work grows with the request (bulk
// writes, imports, exports, box queries), which must never hold a network thread.
template <class Fn>
Handler AuthedWork(service::Service& service, Fn fn) {
  return WithCaller(service, &AuthenticateRequest, std::move(fn), /*always_on_worker=*/true);
}

// For pictures that browsers fetch: also signed in by cookie or a short-lived access_token in
// the URL (see AuthenticateViewer).
template <class Fn>
Handler ViewerAuthed(service::Service& service, Fn fn) {
  return WithCaller(service, &AuthenticateViewer, std::move(fn));
}

template <class T>
Result<HttpResponse> JsonOr(int status, Result<T> result) {
  if (!result.ok()) return result.status();
  return JsonResponse(status, wire::ToJson(*result));
}

inline Result<HttpResponse> NoContentOr(const Status& status) {
  if (!status.ok()) return status;
  return NoContent();
}

// A flag in the query: absent, "false" or "0" is false; "true", "1" or a bare `name` is true.
inline Result<bool> BoolParam(const QueryParams& query, std::string_view name) {
  auto v = query.Get(name);
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  return Status::InvalidArgument(std::string(name) + " must be true or false");
}

// An ISO 8601 time in the query; nothing when absent.
inline Result<std::optional<Timestamp>> TimeParam(const QueryParams& query, const char* name) {
  auto v = query.Get(name);
  if (!v) return std::optional<Timestamp>();
  auto t = core::ParseIso8601(*v);
  if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
  return std::optional<Timestamp>(*t);
}

// `property=KEY` or `property=KEY=VALUE` → the filter; nothing when absent.
inline Result<std::optional<PropertyMatch>> ParsePropertyFilter(const QueryParams& query) {
  auto v = query.Get("property");
  if (!v) return std::optional<PropertyMatch>();
  auto eq = v->find('=');
  if (v->empty() || eq == 0) return Status::InvalidArgument("property filter must be KEY or KEY=VALUE");
  std::optional<std::string> value;
  if (eq != std::string_view::npos) value = std::string(v->substr(eq + 1));
  return std::optional(std::make_pair(std::string(v->substr(0, eq)), value));
}

inline bool ETagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

inline HttpResponse NotModified(const std::string& etag) {
  HttpResponse r;
  r.status = 304;
  r.With("etag", etag);
  return r;
}

// A thumbnail, region or tile: 304 when the client holds it already, else the bytes with a
// strong ETag. Private: whoever may read it was checked, a shared cache cannot know that.
// A finite decimal number, the whole of `text`; kInvalidArgument naming `what` otherwise.
inline Result<double> ParseNumber(std::string_view text, std::string_view what) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not a number");
  }
  return v;
}

inline wire::Json PyramidJson(const service::ImageService::PyramidState& state) {
  wire::Json out{{"status", state.status}};
  if (state.progress) out["progress"] = *state.progress;
  return out;
}

// A picture that is still to be rendered is handed to a worker thread (see HttpResponse).
inline HttpResponse PictureResponse(const HttpRequest& request, service::EncodedImage picture) {
  if (picture.needs_render) return RunOnWorker();
  if (picture.not_modified) return NotModified(picture.etag);
  if (auto inm = request.header("if-none-match"); !inm.empty() && ETagMatches(inm, picture.etag)) {
    return NotModified(picture.etag);
  }
  HttpResponse r;
  r.body = std::move(picture.bytes);
  r.With("content-type", picture.mime_type).With("etag", picture.etag);
  r.With("cache-control", "private, max-age=86400");
  return r;
}

// A download's header: the file's name, quotes and backslashes replaced.
inline std::string ContentDisposition(const std::string& filename) {
  std::string safe;
  for (char c : filename) safe += (c == '"' || c == '\\') ? '_' : c;
  return "attachment; filename=\"" + safe + "\"";
}

// An image's original file: 304 on a matching ETag, 307 to the blob store when downloads are
// redirected, 206 for a Range, else 200 with the bytes streamed.
Result<HttpResponse> ServeImageFile(service::ImageService& images, const service::Caller& caller,
                                    const HttpRequest& request, ImageId id);

// A data file's bytes (Range, If-None-Match), for `caller`.
Result<HttpResponse> ServeDataFile(service::JobService& jobs, const service::Caller& caller, const HttpRequest& request,
                                   DataId id);

// How one protocol reads and answers the tuboid upload form (multipart parts `metadata`: the
// shots; `tuboid`: the tiles JPEG; `context`: the context JPEG; `tuboid_id`: the name, plain or
// as a JSON string; `series_info`: a JSON object), which /api/v1/tuboids and Sticky Pi's
// /_put_tiled_tuboids share. The images stream into `project`'s ingest; a refused tuboid
// leaves none behind.
struct TuboidForm {
  std::function<Result<TuboidSeries>(const wire::Json& series_info)> series;
  std::function<HttpResponse(const Tuboid&)> answer;
  std::function<HttpResponse(const Status&)> error;
};
std::unique_ptr<BodySink> MakeTuboidUploadSink(service::Service& service, service::Caller caller, ProjectId project,
                                               std::string boundary, TuboidForm form);

void AddAuthRoutes(Router& router, service::Service& service);
void AddJobRoutes(Router& router, service::Service& service);
void AddFeatureRoutes(Router& router, service::Service& service);
void AddUserRoutes(Router& router, service::Service& service);
void AddProjectRoutes(Router& router, service::Service& service);
void AddImageRoutes(Router& router, service::Service& service);
void AddAnnotationRoutes(Router& router, service::Service& service);
void AddAnnotationRunRoutes(Router& router, service::Service& service);
void AddOntologyRoutes(Router& router, service::Service& service);
void AddViewRoutes(Router& router, service::Service& service);
void AddTuboidRoutes(Router& router, service::Service& service);

}  // namespace vitrine::http::routes
