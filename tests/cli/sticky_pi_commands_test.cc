// `vitrine bundle` and `vitrine tuboid` through the real binary: ML bundles pushed and pulled
// by ETag on a data folder and on a server alike, and tuboids listed, shown, labelled and
// deleted by series on a server (they arrive by upload).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/cli_runner.h"
#include "support/cli_target.h"
#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "support/tuboid_form.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

namespace fs = std::filesystem;
using wire::Json;

using Target = CliTarget;

class StickyPiCommandsTest : public ::testing::Test {
 protected:
  std::string MakeFolder(const fs::path& data) { return MakeAliceFolder(data); }
  std::map<std::string, std::string> Env() { return AliceEnv(dir_.path()); }
  CommandResult Run(const Target& t, const std::string& command) { return RunOn(t, command); }
  wire::Json RunJson(const Target& t, const std::string& command) { return RunJsonOn(t, command); }

  static void Write(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  void BundleScript(const Target& t, const std::string& project) {
    const fs::path bundle = dir_.path() / "insect-detector";
    std::string model(16 * 1024 * 1024 + 5, '\0');  // two 15 MiB parts: a multipart ETag
    for (std::size_t i = 0; i < model.size(); i += 4096) model[i] = static_cast<char>(i / 4096);
    Write(bundle / "config" / "config.yaml", "lr: 0.01\n");
    Write(bundle / "data" / "0a5bb6f4.svg", "<svg/>");
    Write(bundle / "output" / "model_final.pth", model);
    Write(bundle / ".cache" / "scratch.txt", "not part of the bundle");
    const std::string p = " --project " + project;

    CommandResult pushed = Run(t, "bundle push " + bundle.string() + p);
    ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
    EXPECT_NE(pushed.output.find("3 of 3 files pushed"), std::string::npos) << pushed.output;
    Json listed = RunJson(t, "bundle list insect-detector" + p);
    ASSERT_EQ(listed.size(), 3u) << listed.dump();
    EXPECT_EQ(listed[2]["key"], "output/model_final.pth");
    EXPECT_TRUE(listed[2]["etag"].get<std::string>().ends_with("-2")) << listed.dump();
    EXPECT_NE(Run(t, "bundle push " + bundle.string() + p).output.find("0 of 3 files pushed"), std::string::npos)
        << "nothing changed, nothing moves";

    Write(bundle / "config" / "config.yaml", "lr: 0.001\n");
    EXPECT_NE(Run(t, "bundle push " + bundle.string() + p).output.find("1 of 3 files pushed"), std::string::npos);
    EXPECT_EQ(RunJson(t, "data list" + p).size(), 3u) << "the replaced version is gone";

    const fs::path copy = dir_.path() / "pulled";
    CommandResult pulled = Run(t, "bundle pull insect-detector " + copy.string() + p);
    ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
    EXPECT_NE(pulled.output.find("3 of 3 files pulled"), std::string::npos) << pulled.output;
    EXPECT_EQ(ReadTextFile(copy / "config" / "config.yaml"), "lr: 0.001\n");
    EXPECT_EQ(ReadTextFile(copy / "output" / "model_final.pth"), model);
    EXPECT_FALSE(fs::exists(copy / ".cache"));
    EXPECT_NE(Run(t, "bundle pull insect-detector " + copy.string() + p).output.find("0 of 3 files pulled"),
              std::string::npos);
    Write(copy / "data" / "0a5bb6f4.svg", "<svg>edited</svg>");
    EXPECT_NE(Run(t, "bundle pull insect-detector " + copy.string() + p).output.find("1 of 3 files pulled"),
              std::string::npos)
        << "a file edited here is brought back to the server's";

    const fs::path model_only = dir_.path() / "model-only";
    EXPECT_EQ(Run(t, "bundle pull insect-detector " + model_only.string() + " --what model" + p).exit_code, 0);
    EXPECT_TRUE(fs::exists(model_only / "output" / "model_final.pth"));
    EXPECT_TRUE(fs::exists(model_only / "config" / "config.yaml"));
    EXPECT_FALSE(fs::exists(model_only / "data"));

    const fs::path linked = dir_.path() / "linked", elsewhere = dir_.path() / "elsewhere";
    fs::create_directories(linked);
    fs::create_directories(elsewhere);
    fs::create_symlink(elsewhere, linked / "config");
    CommandResult escaped = Run(t, "bundle pull insect-detector " + linked.string() + p);
    EXPECT_EQ(escaped.exit_code, 1) << escaped.output;
    EXPECT_NE(escaped.output.find("through a link"), std::string::npos) << escaped.output;
    EXPECT_TRUE(fs::is_empty(elsewhere)) << "nothing was written through the link";
    fs::remove_all(linked);
    fs::remove_all(elsewhere);

    CommandResult missing = Run(t, "bundle pull no-such-bundle " + copy.string() + p);
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("has no bundle no-such-bundle"), std::string::npos) << missing.output;
    CommandResult bad_name = Run(t, "bundle push " + bundle.string() + " --name ../escape" + p);
    EXPECT_EQ(bad_name.exit_code, 1);
    EXPECT_NE(bad_name.output.find("not a bundle name"), std::string::npos) << bad_name.output;
    CommandResult no_folder = Run(t, "bundle push " + (dir_.path() / "nowhere").string() + p);
    EXPECT_EQ(no_folder.exit_code, 1);
    EXPECT_NE(no_folder.output.find("is not a folder"), std::string::npos) << no_folder.output;
  }

  TempDir dir_;
};

TEST_F(StickyPiCommandsTest, BundlesOnADataFolder) {
  fs::path data = dir_.path() / "d";
  std::string project = MakeFolder(data);
  BundleScript({" --data " + data.string() + " --username alice", Env()}, project);
}

TEST_F(StickyPiCommandsTest, BundlesAndTuboidsOnAServer) {
  fs::path data = dir_.path() / "d";
  std::string project = MakeFolder(data);
  ServeProcess serve(data, dir_.path() / "serve.log");
  ASSERT_GT(serve.port(), 0) << serve.log();
  Target server{" --server " + serve.url() + " --username alice", Env()};
  BundleScript(server, project);

  HttpResult signed_in = HttpCall("POST", serve.url() + "/api/v1/auth/token", {"Content-Type: application/json"},
                                  Json{{"username", "alice"}, {"password", "password-alice"}}.dump());
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string token = Json::parse(signed_in.body)["token"];
  auto jpeg = [&](int seed) {
    const fs::path path = dir_.path() / ("t" + std::to_string(seed) + ".jpg");
    WriteSampleImage(path, {.width = 100 + seed, .height = 50});
    return ReadFileBytes(path);
  };
  const Json series = {{"device", "08038ade"},
                       {"start", "2020-07-08T20:00:00Z"},
                       {"end", "2020-07-09T15:00:00Z"},
                       {"algorithm", "sticky-pi-siamese-insect-matcher"},
                       {"algorithm_version", "1606980656-91e2"},
                       {"n_images", 50},
                       {"n_tuboids", 1}};
  HttpResult uploaded = HttpCall(
      "POST", serve.url() + "/api/v1/tuboids?project=" + project,
      {"Authorization: Bearer " + token,
       std::string("Content-Type: multipart/form-data; boundary=") + kTuboidFormBoundary},
      TuboidFormBody({"08038ade.2020-07-08_20-00-00.2020-07-09_15-00-00.1606980656-91e2.0000",
                      "08038ade.2020-07-08_22-16-46,854.2,185.4,2.3\n08038ade.2020-07-08_22-35-31,853.9,184.3,2.2\n",
                      jpeg(1), jpeg(2), series.dump()}));
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const std::string id = std::to_string(Json::parse(uploaded.body)["id"].get<int>());
  const std::string series_id = std::to_string(Json::parse(uploaded.body)["series"]["id"].get<int>());

  Json listed = RunJson(server, "tuboid list --device 0803% --from 2020-07-08T00:00:00Z --to 2020-07-10T00:00:00Z");
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["n_shots"], 2);
  EXPECT_EQ(RunJson(server, "tuboid list --from 2020-07-09T00:00:00Z").size(), 0u) << "series wholly inside";
  CommandResult shown = Run(server, "tuboid show " + id);
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("2 shots from 2020-07-08T22:16:46Z"), std::string::npos) << shown.output;
  EXPECT_EQ(RunJson(server, "tuboid show " + id)["shots"].size(), 2u);

  const std::string label =
      " --algorithm insect-tuboid-classifier --algorithm-version 1611000000-ab --label 2"
      " --pattern ^Insecta.*Diptera.* --type Insecta --order Diptera";
  CommandResult labelled = Run(server, "tuboid label " + id + label);
  EXPECT_EQ(labelled.exit_code, 0) << labelled.output;
  CommandResult again = Run(server, "tuboid label " + id + label);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("already"), std::string::npos) << again.output;
  CommandResult table = Run(server, "tuboid list");
  EXPECT_NE(table.output.find("Diptera (1611000000-ab)"), std::string::npos) << table.output;
  EXPECT_EQ(Run(server, "tuboid show 999").exit_code, 1);

  CommandResult deleted = Run(server, "tuboid delete-series " + series_id);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(RunJson(server, "tuboid list").size(), 0u);
  EXPECT_EQ(Run(server, "tuboid delete-series " + series_id).exit_code, 1);
  serve.Stop();
}

}  // namespace
}  // namespace vitrine::testing
