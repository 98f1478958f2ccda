// Maps (method, path) to a handler. Patterns are segments of literal text and `{name}` captures:
// "/api/v1/projects/{id}/members/{user_id}", "/images/{id}_files/{level}/{col}_{row}.{format}".
// A capture takes the shortest non-empty text up to the literal after it; captures are
// percent-decoded. Where several patterns match, the one with the most literal text wins.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace vitrine::http {

using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;
// For routes whose body is streamed: given the head, returns where the body goes.
using StreamHandler = std::function<Result<std::unique_ptr<BodySink>>(const HttpRequest&, const PathParams&)>;

class Router {
 public:
  void Add(std::string method, std::string_view pattern, Handler handler);
  void AddStreaming(std::string method, std::string_view pattern, StreamHandler handler);

  struct Match {
    const Handler* handler = nullptr;
    const StreamHandler* stream_handler = nullptr;
    PathParams params;
    // Set when the path matched but the method did not: the methods that would have.
    std::vector<std::string> allowed_methods;
    bool bad_path = false;  // the path had a malformed percent-escape
  };
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for a capture
    Handler handler;
    StreamHandler stream_handler;
  };
  std::vector<Route> routes_;
};

}  // namespace vitrine::http
