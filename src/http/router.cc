#include "http/router.h"

#include "http/query.h"

namespace vitrine::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return out;
}

bool IsCapture(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  Route route{std::move(method), {}, std::move(handler), nullptr};
  for (auto segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

void Router::AddStreaming(std::string method, std::string_view pattern, StreamHandler handler) {
  Route route{std::move(method), {}, nullptr, std::move(handler)};
  for (auto segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match result;
  auto segments = SplitPath(path);
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    PathParams params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& want = route.segments[i];
      if (IsCapture(want)) {
        auto decoded = PercentDecode(segments[i], /*plus_is_space=*/false);
        if (!decoded.ok()) {
          result.bad_path = true;
          return result;
        }
        params.emplace(want.substr(1, want.size() - 2), std::move(*decoded));
      } else {
        matched = want == segments[i];
      }
    }
    if (!matched) continue;
    if (route.method != method) {
      result.allowed_methods.push_back(route.method);
      continue;
    }
    if (route.stream_handler) result.stream_handler = &route.stream_handler;
    else result.handler = &route.handler;
    result.params = std::move(params);
    result.allowed_methods.clear();
    return result;
  }
  return result;
}

}  // namespace vitrine::http
