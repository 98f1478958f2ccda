// Plumbing shared by the Sticky Pi route files: the handler wrapper (Sticky Pi's authentication,
// its list-of-dicts bodies, Vitrine's JSON errors), the Sticky Pi project and its roles, the wire
// forms of times and image rows, and the registrars.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/link_signature.h"
#include "compat/stickypi/stickypi_api.h"
#include "http/router.h"
#include "service/service.h"
#include "wire/json.h"

namespace vitrine::compat::stickypi {

using http::HttpRequest;
using http::HttpResponse;
using http::PathParams;
using service::Caller;
using wire::Json;

// What every route shares.
struct StickyPi {
  StickyPi(service::Service& s, StickyPiOptions o) : service(s), options(std::move(o)) {}
  service::Service& service;
  const StickyPiOptions options;
  std::mutex project_creation;  // one Sticky Pi project, even when two first writes race
};

// A route's work: who asks, the request's list of dicts (`[{}]` when it sent none), the
// request, its captures. Answers the JSON the client decodes.
using StickyPiHandler =
    std::function<Result<Json>(StickyPi&, const Caller&, const Json& info, const HttpRequest&, const PathParams&)>;
// The handler shares `sticky`: it lives as long as the router keeps a route.
http::Handler Route(const std::shared_ptr<StickyPi>& sticky, StickyPiHandler fn);

// Sticky Pi's credentials: Basic `token:` (the token from /get_token as the username, no
// password), Basic `username:password`, or any credential the native API takes.
Result<Caller> AuthenticateStickyPi(const service::Service& service, const HttpRequest& request);
// A 4xx/5xx with Vitrine's JSON error body. (Upstream answers a bare 500; its client retries any
// non-200 answer, then raises with the body, which then names the problem.)
HttpResponse StickyPiError(const Status& status);
HttpResponse StickyPiJson(const Json& body);

// SQL LIKE as upstream's MySQL runs it on its text columns: '%' any run, '_' one character,
// ASCII case ignored. Matching costs up to pattern × text steps: routes refuse patterns longer
// than kMaxLikePattern and requests with more than kMaxLikeFilters filters.
bool Like(std::string_view pattern, std::string_view text);
inline constexpr std::size_t kMaxLikePattern = 256;
inline constexpr std::size_t kMaxLikeFilters = 100;

// The Sticky Pi project, or nullopt before the first write made it.
Result<std::optional<ProjectId>> FindProject(StickyPi& sticky);
// The Sticky Pi project, made now (with the caller as manager) if there is none; kNotFound or
// kPermissionDenied unless the caller may write to it (Sticky Pi's read_write_user).
Result<ProjectId> ProjectForWriting(StickyPi& sticky, const Caller& caller);
// Sticky Pi's admin: a Vitrine administrator, or a manager of the Sticky Pi project.
Status RequireStickyPiAdmin(StickyPi& sticky, const Caller& caller);

// "2020-06-20T21:33:24Z", as upstream writes every datetime (whole seconds, UTC).
std::string FormatTime(Timestamp t);
// "2020-06-20T21:33:24Z", the legacy "2020-06-20_21-33-24", or either without a zone (UTC).
Result<Timestamp> ParseTime(const Json& object, const char* field);
Result<std::string> StringField(const Json& object, const char* field);

// An image as a row of upstream's `images` table (sensor values from the image's properties)
// with `url` empty; LinkFor fills it for what=image, thumbnail, thumbnail-mini.
Json ImageRow(const Image& image);
// kInvalidArgument for a `what` that is none of metadata, image, thumbnail, thumbnail-mini.
Status CheckImageWhat(std::string_view what);
std::string LinkFor(const StickyPi& sticky, const Caller& caller, const HttpRequest& request, const Image& image,
                    std::string_view what);

// Links that need no credentials: "http://host" as the request reached us; the query
// `user=&expires=&signature=` binding `object` (auth/link_signature.h) to the caller for the
// configured lifetime; and back, the caller a request's signed query (or a claim) speaks for:
// kPermissionDenied when unsigned, tampered, expired, or its user may no longer sign in.
std::string BaseUrl(const HttpRequest& request);
std::string SignedQuery(const StickyPi& sticky, const Caller& caller, const std::string& object);
Result<Caller> VerifySignedQuery(StickyPi& sticky, const HttpRequest& request, const std::string& object);
Result<Caller> LinkCaller(StickyPi& sticky, const auth::LinkClaim& claim, const std::string& signature);
// What a link answers: `served`, that no cache may keep, or the error.
HttpResponse LinkAnswer(Result<HttpResponse> served);

// The image of `device` captured at `datetime` (to the second) the caller can read, if any:
// in any project the caller reads, or only in `within` (writes go to the Sticky Pi project).
Result<std::optional<Image>> FindImage(StickyPi& sticky, const Caller& caller, const std::string& device,
                                       Timestamp datetime, std::optional<ProjectId> within = std::nullopt);
// At most this many (device, datetime) lookups in one request (a client asks 128 at a time).
inline constexpr std::size_t kMaxLookups = 10'000;
// At most this many rows in one series answer (upstream answers everything in one go).
inline constexpr std::int64_t kMaxSeriesRows = 100'000;

// Each element of `info` (an object), or kInvalidArgument naming the element that is not one.
Result<std::vector<Json>> Objects(const Json& info);

void AddUserRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddImageRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddUidAnnotationRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddMlBundleRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddTuboidRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddProjectRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);
void AddProjectSeriesRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky);

}  // namespace vitrine::compat::stickypi
