// The native JSON API under /api/v1: every route, registered on one router.
#pragma once

#include "http/router.h"
#include "service/service.h"

namespace vitrine::http {

// `service` must outlive the router.
Router MakeApiV1Router(service::Service& service);

// Serves a router: streaming routes get their sink at OpenStream, the rest go through Dispatch.
// HEAD is answered by the GET route (the server sends the headers only).
class RouterApplication final : public HttpApplication {
 public:
  explicit RouterApplication(Router router) : router_(std::move(router)) {}
  Result<std::unique_ptr<BodySink>> OpenStream(const HttpRequest& head) override;
  bool IsStreamed(const HttpRequest& head) const override;
  HttpResponse Handle(const HttpRequest& request) override;

 private:
  Router router_;
};

// Runs the router on one request: 404/405/400 for unknown paths, wrong methods and bad
// escapes, and a 500 JSON body (never a dropped connection) if a handler throws.
HttpResponse Dispatch(const Router& router, const HttpRequest& request);

}  // namespace vitrine::http
