// Stopping the server while requests are in flight, on network threads and on workers: each
// request it took in is answered, every thread ends, and nothing is touched after it is gone
// (this test runs under ASan too).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

TEST(ShutdownTest, StopsCleanlyWithRequestsInFlight) {
  auto server = std::make_unique<TestServer>();
  const std::string token = server->CreateUserWithToken("alice");
  const std::string auth = "Authorization: Bearer " + token;
  const std::string base = server->url("");
  Json project = Json::parse(HttpCall("POST", base + "/api/v1/projects", {auth}, R"({"name":"P"})").body);
  TempDir files;
  WriteSampleImage(files.path() / "a.png", {.width = 640, .height = 480});
  HttpResult uploaded = HttpCall("POST", base + "/api/v1/projects/" + project["id"].dump() + "/images?filename=a.png",
                                 {auth}, ReadFileBytes(files.path() / "a.png"));
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const std::string image = Json::parse(uploaded.body)["id"].dump();

  std::atomic<int> answered{0}, dropped{0};
  std::atomic<bool> gone{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 2000 && !gone; ++i) {
        HttpResult r;
        switch ((t + i) % 3) {
          case 0:
            r = HttpCall("GET", base + "/api/v1/health");
            break;
          case 1:  // rendered on a worker, a different size each time so the cache never answers
            r = HttpCall("GET", base + "/api/v1/images/" + image + "/region?max_size=" + std::to_string(50 + i % 400),
                         {auth});
            break;
          default:
            r = HttpCall("POST", base + "/api/v1/annotations", {auth},
                         R"([{"image_id":)" + image + R"j(,"wkt":"POINT (10 10)"}])j");
        }
        if (!r.error.empty()) {
          // The server gone: "couldn't connect", or a reset for a connection still in the
          // kernel's listen queue when the acceptor closed, which the server never took in.
          // A request taken in and then dropped is a closed connection with no answer.
          if (r.error.find("returned nothing") != std::string::npos) {
            ++dropped;
            ADD_FAILURE() << "case " << (t + i) % 3 << ": " << r.error;
          }
          return;
        }
        ++answered;
      }
    });
  }
  for (int i = 0; i < 20'000 && answered < 60; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(answered, 60) << "the load never got going";
  server.reset();  // Stop() with requests on network threads and workers, then destruction
  gone = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(dropped, 0) << "requests in flight at the stop must be answered";
}

}  // namespace
}  // namespace vitrine::testing
