// The HTTP/1.1 server: asynchronous (Boost.Beast on Asio), keep-alive, bounded memory.
//
// A request's body is either streamed into the sink the application opens for it (uploads of
// any size, in bounded memory) or read whole up to max_body_bytes (larger ones get 413 before
// their body is read). Responses are sent from memory or streamed from a ByteSource. The server
// answers `Expect: 100-continue`, enforces idle, header and body timeouts, writes one access-log
// line per request, and on Stop() finishes requests in flight before closing.
// Beast is kept out of this header: only server.cc includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/executor.h"
#include "http/message.h"
#include "vitrine/status.h"

namespace vitrine::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  unsigned threads = 0;       // 0: one per core
  // Requests whose handler asks to block (HttpResponse::run_on_worker), uploads being opened
  // and finished, and generated bodies run on this executor's request lane, so a slow one never
  // holds a network thread. It must outlive the server. Without one, the server runs its own
  // with `worker_threads` threads (0: one per core, at least 2).
  core::Executor* executor = nullptr;
  unsigned worker_threads = 0;
  std::uint64_t max_body_bytes = 16 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};    // keep-alive connection with no request started
  std::chrono::seconds header_timeout{30};  // from a request's first byte to its last header
  std::chrono::seconds body_timeout{120};   // to read a request body, and to write a response
  std::chrono::seconds shutdown_grace{10};  // Stop() waits this long for requests in flight
  bool access_log = true;
  // Connections beyond this are answered 503 and closed at once: each costs a socket and
  // buffers (bodies read whole are bounded apart, by max_buffered_body_bytes).
  std::size_t max_connections = 4096;
  // Requests waiting for or running on a worker beyond this are answered 503 with a short
  // Retry-After, instead of queueing work nobody will wait for.
  std::size_t max_worker_queue = 512;
  // Bodies read whole (JSON, not uploads) are held before their handler authenticates them:
  // together they stay within this many bytes, past which requests get 503.
  std::uint64_t max_buffered_body_bytes = std::uint64_t{512} << 20;
  // Addresses of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed.
  std::vector<std::string> trusted_proxies;
};

class Server {
 public:
  // Binds and starts serving at once. kUnavailable if the address cannot be bound.
  // `app` must outlive the server.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, HttpApplication& app);
  ~Server();  // Stops if still running.

  std::uint16_t port() const;
  // Graceful stop: no new connections, idle ones closed, requests in flight answered (within
  // shutdown_grace). Idempotent; returns when every server thread has ended.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks the calling thread until the process receives SIGINT or SIGTERM.
void WaitForTerminationSignal();

}  // namespace vitrine::http
