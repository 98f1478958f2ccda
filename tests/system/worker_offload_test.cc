// Handlers that would block are run again on a worker thread: over real HTTP with one network
// thread, a request stuck in its handler on a worker does not stop another connection's request.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "http/api_v1.h"
#include "http/server.h"
#include "support/http_client.h"

namespace vitrine::testing {
namespace {

TEST(WorkerOffloadTest, ABlockingHandlerDoesNotHoldTheNetworkThread) {
  std::atomic<bool> release = false;
  std::atomic<int> network_calls = 0, worker_calls = 0;
  http::Router router;
  router.Add("GET", "/slow", [&](const http::HttpRequest& request, const http::PathParams&) {
    http::HttpResponse r;
    if (!request.on_worker) {
      ++network_calls;
      r.run_on_worker = true;
      return r;
    }
    ++worker_calls;
    for (int i = 0; i < 10'000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    r.body = release ? "done after the fast one" : "never released";
    return r;
  });
  router.Add("GET", "/fast", [&](const http::HttpRequest& request, const http::PathParams&) {
    http::HttpResponse r;
    r.body = request.on_worker ? "on a worker" : "on the network thread";
    return r;
  });
  http::RouterApplication app(std::move(router));
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;  // one network thread: were the slow handler on it, /fast would wait
  options.worker_threads = 1;
  options.access_log = false;
  auto server = std::move(http::Server::Start(options, app)).value();
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());

  auto slow = std::async(std::launch::async, [&] { return HttpCall("GET", base + "/slow"); });
  for (int i = 0; i < 5000 && worker_calls == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(worker_calls, 1);
  HttpResult fast = HttpCall("GET", base + "/fast");  // while /slow is still held
  release = true;
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.body, "on the network thread");
  HttpResult slow_answer = slow.get();
  EXPECT_EQ(slow_answer.status, 200);
  EXPECT_EQ(slow_answer.body, "done after the fast one");
  EXPECT_EQ(network_calls, 1);
  // The connection goes on serving after a worker's answer.
  EXPECT_EQ(HttpCall("GET", base + "/fast").body, "on the network thread");
  server->Stop();
}

}  // namespace
}  // namespace vitrine::testing
