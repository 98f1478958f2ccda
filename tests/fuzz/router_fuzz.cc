// Request targets: the router (http/router) with the server's route table, and the query string
// (http/query). The first line of the input is "METHOD target". A route that matches must hand
// its handler exactly the captures its pattern names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "http/query.h"
#include "http/router.h"

namespace {

using vitrine::http::HttpRequest;
using vitrine::http::HttpResponse;
using vitrine::http::PathParams;
using vitrine::http::Router;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct RouteSpec {
  const char* method;
  const char* pattern;
};

// The patterns of src/http/routes (MakeApiV1Router needs a whole service to be built).
constexpr RouteSpec kRoutes[] = {
    {"DELETE", "/api/v1/annotation-runs/{run_id}"},
    {"DELETE", "/api/v1/annotations"},
    {"DELETE", "/api/v1/annotations/{annotation_id}"},
    {"DELETE", "/api/v1/auth/token"},
    {"DELETE", "/api/v1/images/{image_id}"},
    {"DELETE", "/api/v1/ontologies/{ontology_id}"},
    {"DELETE", "/api/v1/projects/{project_id}"},
    {"DELETE", "/api/v1/projects/{project_id}/members/{user_id}"},
    {"DELETE", "/api/v1/terms/{term_id}"},
    {"GET", "/api/v1/annotation-runs"},
    {"GET", "/api/v1/annotation-runs/{run_id}"},
    {"GET", "/api/v1/annotations"},
    {"GET", "/api/v1/annotations.geojson"},
    {"GET", "/api/v1/annotations/{annotation_id}"},
    {"GET", "/api/v1/health"},
    {"GET", "/api/v1/images"},
    {"GET", "/api/v1/images/{image_id}"},
    {"GET", "/api/v1/images/{image_id}.dzi"},
    {"GET", "/api/v1/images/{image_id}/file"},
    {"GET", "/api/v1/images/{image_id}/pyramid"},
    {"GET", "/api/v1/images/{image_id}/region"},
    {"GET", "/api/v1/images/{image_id}/thumbnail"},
    {"GET", "/api/v1/images/{image_id}_files/{level}/{col}_{row}.{format}"},
    {"GET", "/api/v1/ontologies"},
    {"GET", "/api/v1/ontologies/{ontology_id}"},
    {"GET", "/api/v1/projects"},
    {"GET", "/api/v1/projects/{project_id}"},
    {"GET", "/api/v1/projects/{project_id}/images"},
    {"GET", "/api/v1/projects/{project_id}/members"},
    {"GET", "/api/v1/projects/{project_id}/ontology"},
    {"GET", "/api/v1/users"},
    {"GET", "/api/v1/users/me"},
    {"GET", "/api/v1/users/{user_id}"},
    {"GET", "/iiif/3/{identifier}"},
    {"GET", "/iiif/3/{identifier}/info.json"},
    {"GET", "/iiif/3/{identifier}/{region}/{size}/{rotation}/{quality_format}"},
    {"PATCH", "/api/v1/images/{image_id}"},
    {"PATCH", "/api/v1/projects/{project_id}"},
    {"PATCH", "/api/v1/terms/{term_id}"},
    {"PATCH", "/api/v1/users/me"},
    {"PATCH", "/api/v1/users/{user_id}"},
    {"POST", "/api/v1/annotation-runs"},
    {"POST", "/api/v1/annotations"},
    {"POST", "/api/v1/auth/token"},
    {"POST", "/api/v1/images/{image_id}/annotations.geojson"},
    {"POST", "/api/v1/ontologies"},
    {"POST", "/api/v1/ontologies/{ontology_id}/terms"},
    {"POST", "/api/v1/projects"},
    {"POST", "/api/v1/projects/{project_id}/images/lookup"},
    {"POST", "/api/v1/users"},
    {"PUT", "/api/v1/projects/{project_id}/members/{user_id}"},
    {"PUT", "/api/v1/projects/{project_id}/ontology"},
    {"POST", "/api/v1/projects/{project_id}/images"},  // the streaming upload
};

std::set<std::string> CaptureNames(std::string_view pattern) {
  std::set<std::string> names;
  for (auto open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', open + 1)) {
    names.emplace(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
  }
  return names;
}

// Each handler answers its index in kRoutes as the status.
const Router& TheRouter() {
  static const Router router = [] {
    Router r;
    for (int i = 0; i < static_cast<int>(std::size(kRoutes)); ++i) {
      r.Add(kRoutes[i].method, kRoutes[i].pattern, [i](const HttpRequest&, const PathParams&) {
        HttpResponse response;
        response.status = i;
        return response;
      });
    }
    return r;
  }();
  return router;
}

void ParseQuery(std::string_view raw) {
  auto query = vitrine::http::QueryParams::Parse(raw);
  if (!query.ok()) return;
  for (const char* name : {"limit", "offset", "fields", "bbox", "image", "project"}) {
    if (auto value = query->Get(name)) Check(value->data() != nullptr);
    (void)query->GetInt(name);
  }
  (void)query->Page();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  input = input.substr(0, input.find('\n'));
  const auto space = input.find(' ');
  if (space == std::string_view::npos) return 0;
  const std::string_view method = input.substr(0, space), target = input.substr(space + 1);
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);

  const Router::Match match = TheRouter().Find(method, path);
  if (match.bad_path) Check(!match.handler && match.params.empty());
  if (match.handler) {
    Check(match.allowed_methods.empty());
    const int index = (*match.handler)(HttpRequest{}, match.params).status;
    Check(index >= 0 && index < static_cast<int>(std::size(kRoutes)) && kRoutes[index].method == method);
    std::set<std::string> names;
    for (const auto& [name, value] : match.params) {
      names.insert(name);
      Check(!value.empty());
    }
    Check(names == CaptureNames(kRoutes[index].pattern));
  }
  if (question != std::string_view::npos) ParseQuery(target.substr(question + 1));
  return 0;
}
