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
  return router;
}

HttpResponse Dispatch(const Router& router, const HttpRequest& request) {
  Router::Match match = router.Find(request.method, request.path);
  if (match.bad_path) return ErrorResponse(Status::InvalidArgument("malformed percent-escape in the path"));
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
