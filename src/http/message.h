// The HTTP request and response as the routes see them: plain data, independent of the server
// library, so routes can be tested without sockets and Beast stays in one translation unit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/byte_stream.h"
#include "vitrine/status.h"

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
  // Who the request is from and how it reached us: the peer's address and the connection's own
  // scheme and Host, unless the peer is a configured trusted proxy, whose X-Forwarded-For
  // (its last hop), X-Forwarded-Proto and X-Forwarded-Host are taken instead. Never the
  // forwarded headers of anyone else: a client could claim any address or scheme.
  std::string client;   // "127.0.0.1", "::1"
  bool secure = false;  // came over HTTPS (to us or to the trusted proxy)
  std::string host;     // "images.example.org:8443"; empty when none usable was sent
  // True when the handler runs on a worker thread, where it may take long (see HttpResponse).
  bool on_worker = false;

  // First value of a header by lowercase name; empty if absent.
  std::string_view header(std::string_view lowercase_name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // When set, the body is streamed from here instead (downloads); `stream_length` bytes exactly,
  // or, when negative, as many as the source gives (sent chunked). A source that fails midway
  // ends the connection: the client sees a broken response, never a short one.
  std::unique_ptr<core::ByteSource> stream;
  std::int64_t stream_length = 0;
  // No answer yet: the handler would have to block (render an image), and asks to be run again
  // with `on_worker` set, on a worker thread, so network threads never wait for it.
  bool run_on_worker = false;
  // With run_on_worker: the handler will mostly wait (a long-poll), on the executor's waits lane.
  // With a stream of unknown length: its reads mostly wait (a log followed), on that lane too.
  bool waits = false;

  HttpResponse& With(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

}  // namespace vitrine::http

namespace vitrine::http {

// Receives a request body as it arrives, for routes that must not hold it in memory (uploads).
// Destroyed without Finish() when the client goes away: it must then discard what it received.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(std::string_view chunk) = 0;
  virtual HttpResponse Finish() = 0;
};

// What the server runs. Implementations are safe for concurrent use.
class HttpApplication {
 public:
  virtual ~HttpApplication() = default;
  // Called with the request head (no body yet). A sink: the body is streamed into it. nullptr:
  // the body is read whole (up to the server's limit) and given to Handle. An error: answered
  // at once, and the body is never read (nor, with `Expect: 100-continue`, sent).
  virtual Result<std::unique_ptr<BodySink>> OpenStream(const HttpRequest& head) = 0;
  // True when OpenStream would open a sink for this request: the server then calls it on a
  // worker thread, since opening one authenticates (perhaps hashing a password) and checks rights.
  virtual bool IsStreamed(const HttpRequest& head) const = 0;
  virtual HttpResponse Handle(const HttpRequest& request) = 0;
};

}  // namespace vitrine::http
