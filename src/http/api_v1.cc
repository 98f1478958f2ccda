#include "http/api_v1.h"

#include <spdlog/spdlog.h>

#include "http/responses.h"
#include "http/routes/route_helpers.h"

namespace vitrine::http {

Router MakeApiV1Router(service::Service& service) {
  Router router;
  routes::AddAuthRoutes(router, service);
  routes::AddUserRoutes(router, service);
  routes::AddProjectRoutes(router, service);
  routes::AddImageRoutes(router, service);
  routes::AddAnnotationRoutes(router, service);
  routes::AddAnnotationRunRoutes(router, service);
  routes::AddOntologyRoutes(router, service);
  routes::AddViewRoutes(router, service);
  routes::AddJobRoutes(router, service);
  routes::AddFeatureRoutes(router, service);
  routes::AddTuboidRoutes(router, service);
  return router;
}

namespace {

std::string_view RoutedMethod(const HttpRequest& request) {
  return request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
}

}  // namespace

Result<std::unique_ptr<BodySink>> RouterApplication::OpenStream(const HttpRequest& head) {
  Router::Match match = router_.Find(RoutedMethod(head), head.path);
  if (!match.stream_handler) return std::unique_ptr<BodySink>();
  try {
    return (*match.stream_handler)(head, match.params);
  } catch (const std::exception& e) {
    spdlog::error("stream handler for {} {} threw: {}", head.method, head.path, e.what());
    return Status::Internal("internal error");
  }
}

bool RouterApplication::IsStreamed(const HttpRequest& head) const {
  return router_.Find(RoutedMethod(head), head.path).stream_handler != nullptr;
}

HttpResponse RouterApplication::Handle(const HttpRequest& request) { return Dispatch(router_, request); }

HttpResponse Dispatch(const Router& router, const HttpRequest& request) {
  Router::Match match = router.Find(RoutedMethod(request), request.path);
  if (match.bad_path) return ErrorResponse(Status::InvalidArgument("malformed percent-escape in the path"));
  if (match.stream_handler) {
    // Reached only when the server was not asked to stream (tests calling Dispatch directly).
    return ErrorResponse(Status::Internal("streaming route called without a stream"));
  }
  if (!match.handler) {
    if (!match.allowed_methods.empty()) {
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      HttpResponse r = JsonResponse(
          405, wire::ErrorBody(Status::InvalidArgument(request.method + " is not allowed here; use " + allow)));
      r.With("allow", allow);
      return r;
    }
    return ErrorResponse(Status::NotFound("no route for " + request.method + " " + request.path));
  }
  try {
    return (*match.handler)(request, match.params);
  } catch (const std::exception& e) {
    // Handlers report errors as values; reaching here is a bug, which must not take the server down.
    spdlog::error("handler for {} {} threw: {}", request.method, request.path, e.what());
    return ErrorResponse(Status::Internal("internal error"));
  }
}

}  // namespace vitrine::http
