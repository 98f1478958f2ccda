// The HTTP request and response as the routes see them: plain data, independent of the server
// library, so routes can be tested without sockets and Beast stays in one translation unit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitrine::http {

struct Header {
  std::string name;  // lowercase
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request-target, exactly as received: "/api/v1/x?y=1"
  std::string path;    // target before '?', not yet percent-decoded
  std::string query;   // target after '?', raw
  std::vector<Header> headers;
  std::string body;
  std::string peer;  // "127.0.0.1:53412"

  // First value of a header by lowercase name; empty if absent.
  std::string_view header(std::string_view lowercase_name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  HttpResponse& With(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

}  // namespace vitrine::http
