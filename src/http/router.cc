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

// Matches one path segment against a pattern segment of literal text and `{name}` captures
// ("{col}_{row}.{format}"). Each capture takes the shortest non-empty text up to the next
// literal (the rest, for the last); adds the captures to `params`. Counts the literal
// characters matched into `literal`, so that "{id}.dzi" wins over "{id}" for "5.dzi".
bool MatchSegment(std::string_view pattern, std::string_view text, PathParams& params, std::size_t& literal,
                  bool& bad_escape) {
  while (!pattern.empty()) {
    if (pattern.front() != '{') {
      auto open = pattern.find('{');
      std::string_view fixed = pattern.substr(0, open);
      if (!text.starts_with(fixed)) return false;
      literal += fixed.size();
      text.remove_prefix(fixed.size());
      pattern = open == std::string_view::npos ? std::string_view() : pattern.substr(open);
      continue;
    }
    auto close = pattern.find('}');
    if (close == std::string_view::npos) return false;
    std::string_view name = pattern.substr(1, close - 1);
    pattern.remove_prefix(close + 1);
    std::string_view next_literal = pattern.substr(0, pattern.find('{'));
    std::size_t end = next_literal.empty() ? text.size() : text.find(next_literal, 1);
    if (end == std::string_view::npos || end == 0) return false;
    auto decoded = PercentDecode(text.substr(0, end), /*plus_is_space=*/false);
    if (!decoded.ok()) {
      bad_escape = true;
      return false;
    }
    params.emplace(std::string(name), std::move(*decoded));
    text.remove_prefix(end);
  }
  return text.empty();
}

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
  // The most specific route whose path matches (most literal characters); among those, the one
  // for this method.
  std::optional<std::size_t> best_literal;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    PathParams params;
    std::size_t literal = 0;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      matched = MatchSegment(route.segments[i], segments[i], params, literal, result.bad_path);
      if (result.bad_path) return Match{.bad_path = true};
    }
    if (!matched || (best_literal && literal < *best_literal)) continue;
    if (!best_literal || literal > *best_literal) {
      best_literal = literal;
      result = Match{};
    }
    if (route.method != method) {
      if (!result.handler && !result.stream_handler) result.allowed_methods.push_back(route.method);
      continue;
    }
    if (result.handler || result.stream_handler) continue;  // an earlier route of the same rank
    if (route.stream_handler)
      result.stream_handler = &route.stream_handler;
    else
      result.handler = &route.handler;
    result.params = std::move(params);
    result.allowed_methods.clear();
  }
  return result;
}

}  // namespace vitrine::http
