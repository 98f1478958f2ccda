#include "compat/cytomine/cytomine_api.h"

#include <strings.h>

#include <charconv>
#include <limits>

#include "compat/cytomine/cytomine_routes.h"
#include "http/authenticate.h"
#include "http/responses.h"

namespace vitrine::compat::cytomine {
namespace {

// Public, as in Cytomine: clients call it before they sign anything (and sign it wrongly).
HttpResponse Ping(const HttpRequest& request, const PathParams&) {
  return CytomineJsonResponse(Json{{"alive", true},
                                   {"version", "vitrine"},
                                   {"serverURL", request.host.empty() ? "" : "http://" + request.host},
                                   {"serverID", "vitrine"}});
}

}  // namespace

http::Handler Cytomine(service::Service& service, CytomineHandler fn, bool heavy) {
  return [&service, fn = std::move(fn), heavy](const HttpRequest& request, const PathParams& params) -> HttpResponse {
    if (!request.on_worker && (heavy || http::AuthenticationWouldBlock(service.auth(), request))) {
      return http::routes::RunOnWorker();
    }
    auto caller = http::AuthenticateRequest(service.auth(), request);
    if (!caller.ok()) return CytomineErrorResponse(caller.status());
    Result<HttpResponse> response = fn(service, *caller, request, params);
    if (!response.ok()) return CytomineErrorResponse(response.status());
    return std::move(response).value();
  };
}

HttpResponse CytomineErrorResponse(const Status& status) {
  HttpResponse r = http::JsonResponse(http::HttpStatusFor(status.code()), ErrorBody(status));
  r.With("cache-control", "no-store");
  if (status.retry_after_seconds() > 0) r.With("retry-after", std::to_string(status.retry_after_seconds()));
  return r;
}

HttpResponse CytomineJsonResponse(const Json& body) {
  HttpResponse r = http::JsonResponse(200, body);
  r.With("cache-control", "no-store");
  return r;
}

Result<Slice> SliceOf(const http::QueryParams& query) {
  Slice slice;
  VITRINE_ASSIGN_OR_RETURN(auto max, query.GetIntIn("max", 0, std::numeric_limits<std::int32_t>::max()));
  VITRINE_ASSIGN_OR_RETURN(auto offset, query.GetIntIn("offset", 0, std::numeric_limits<std::int32_t>::max()));
  slice.max = max.value_or(0);
  slice.offset = offset.value_or(0);
  return slice;
}

Json ListOf(Json rows, const Slice& slice) {
  const auto size = static_cast<std::int64_t>(rows.size());
  Json page = Json::array();
  const std::int64_t end = slice.max > 0 ? std::min(size, slice.offset + slice.max) : size;
  for (std::int64_t i = slice.offset; i < end; ++i) page.push_back(std::move(rows[static_cast<std::size_t>(i)]));
  return ListEnvelope(std::move(page), size, slice.offset, slice.max);
}

Result<std::optional<std::int64_t>> OptionalIdField(const Json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::int64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() > 0) return std::optional(it->get<std::int64_t>());
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size() && v > 0) return std::optional(v);
  }
  return Status::InvalidArgument(std::string(field) + " must be a positive id");
}

bool Truthy(std::optional<std::string_view> value) {
  if (!value) return false;
  return *value == "1" || (value->size() == 4 && strncasecmp(value->data(), "true", 4) == 0);
}

void AddCytomineRoutes(http::Router& router, service::Service& service) {
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/server/ping", Ping);
    router.Add(method, "/server/ping.json", Ping);
  }
  AddUserRoutes(router, service);
  AddProjectRoutes(router, service);
  AddImageRoutes(router, service);
  AddOntologyRoutes(router, service);
  AddAnnotationRoutes(router, service);
  AddPropertyRoutes(router, service);
  AddUploadRoutes(router, service);
}

}  // namespace vitrine::compat::cytomine
