// A small blocking HTTP client for tests (libcurl), so the server is exercised over real sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitrine::testing {

struct HttpResult {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string error;  // transport failure; empty when a response arrived

  std::string header(const std::string& lowercase_name) const;
};

HttpResult HttpCall(const std::string& method, const std::string& url, const std::vector<std::string>& headers = {},
                    const std::string& body = "");

// The same, from another loopback address (127.0.0.2, ...): a second client as the server sees it.
HttpResult HttpCallFrom(const std::string& local_address, const std::string& method, const std::string& url,
                        const std::vector<std::string>& headers = {}, const std::string& body = "");

// A GET whose body is handed to `on_data` as it arrives (a stream followed), within `timeout_ms`.
HttpResult HttpFollow(const std::string& url, const std::vector<std::string>& headers,
                      const std::function<void(std::string_view)>& on_data, long timeout_ms = 30000);

// Sends `raw` bytes on a new TCP connection to 127.0.0.1:port and returns everything the server
// sends back before closing (or until `timeout_ms` passes).
std::string RawExchange(int port, const std::string& raw, int timeout_ms = 3000);

}  // namespace vitrine::testing
