// kill -9 during concurrent uploads: whatever the server acknowledged is there and intact after
// a restart, and nothing half-written is listed.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/digest.h"
#include "imaging/init.h"
#include "support/cli_runner.h"
#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

TEST(CrashTest, AcknowledgedUploadsSurviveKillNineAndNothingPartialIsListed) {
  ASSERT_TRUE(imaging::InitializeImaging("vitrine-tests").ok());
  TempDir dir;
  auto data = dir.path() / "data";
  std::string d = " --data " + data.string();
  ASSERT_EQ(RunVitrine("user add alice --password password-alice" + d).exit_code, 0);
  ASSERT_EQ(RunVitrine("project create Crash --owner alice" + d).exit_code, 0);
  std::string token = RunVitrine("token create --user alice" + d).output;
  token = token.substr(0, token.find('\n'));
  std::string auth = "Authorization: Bearer " + token;

  constexpr int kImages = 48;
  std::vector<std::string> images(kImages);
  for (int i = 0; i < kImages; ++i) {
    auto path = dir.path() / ("img" + std::to_string(i) + ".jpg");
    WriteSampleImage(path, {.width = 900 + i, .height = 700});
    images[i] = ReadFileBytes(path);
  }

  auto server = std::make_unique<ServeProcess>(data, dir.path() / "serve1.log");
  ASSERT_GT(server->port(), 0) << server->log();

  struct Ack {
    int id;
    std::string sha256;
  };
  std::mutex mu;
  std::vector<Ack> acks;
  std::atomic<int> next{0};
  std::atomic<bool> server_gone{false};
  std::vector<std::thread> uploaders;
  for (int t = 0; t < 4; ++t) {
    uploaders.emplace_back([&] {
      for (int i; !server_gone && (i = next++) < kImages;) {
        HttpResult r =
            HttpCall("POST", server->url() + "/api/v1/projects/1/images?filename=img" + std::to_string(i) + ".jpg",
                     {auth}, images[i]);
        if (!r.error.empty()) {  // the connection died with the server
          server_gone = true;
          return;
        }
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acks.push_back({Json::parse(r.body)["id"].get<int>(), Json::parse(r.body)["sha256"].get<std::string>()});
        }
      }
    });
  }
  // Kill once some uploads are acknowledged and others are in flight.
  for (int waited = 0; waited < 400; ++waited) {
    {
      std::lock_guard lock(mu);
      if (acks.size() >= 6) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  server->Kill();
  for (auto& t : uploaders) t.join();
  std::vector<Ack> acknowledged;
  {
    std::lock_guard lock(mu);
    acknowledged = acks;
  }
  ASSERT_GE(acknowledged.size(), 6u);
  ASSERT_LT(acknowledged.size(), static_cast<std::size_t>(kImages)) << "the kill came too late to test anything";

  server = std::make_unique<ServeProcess>(data, dir.path() / "serve2.log");
  ASSERT_GT(server->port(), 0) << server->log();
  for (const Ack& ack : acknowledged) {
    HttpResult file = HttpCall("GET", server->url() + "/api/v1/images/" + std::to_string(ack.id) + "/file", {auth});
    ASSERT_EQ(file.status, 200) << "acknowledged image " << ack.id << " is missing";
    EXPECT_EQ(core::Sha256Hex(file.body), ack.sha256) << "acknowledged image " << ack.id << " is damaged";
  }
  HttpResult listed = HttpCall("GET", server->url() + "/api/v1/projects/1/images?limit=1000", {auth});
  Json page = Json::parse(listed.body);
  EXPECT_GE(page["total"].get<std::size_t>(), acknowledged.size());
  for (const auto& item : page["items"]) {
    std::string id = std::to_string(item["id"].get<int>());
    HttpResult file = HttpCall("GET", server->url() + "/api/v1/images/" + id + "/file", {auth});
    EXPECT_EQ(core::Sha256Hex(file.body), item["sha256"]) << "listed image " << id << " is partial";
    EXPECT_EQ(HttpCall("GET", server->url() + "/api/v1/images/" + id + "/thumbnail", {auth}).status, 200);
  }
  // Temp files the crash left behind are collectable, and collecting touches no listed image.
  CommandResult gc = RunVitrine("gc --grace-seconds 0" + d);
  EXPECT_EQ(gc.exit_code, 0) << gc.output;
  for (const auto& item : page["items"]) {
    HttpResult file =
        HttpCall("GET", server->url() + "/api/v1/images/" + std::to_string(item["id"].get<int>()) + "/file", {auth});
    EXPECT_EQ(core::Sha256Hex(file.body), item["sha256"]);
  }
  EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace vitrine::testing
