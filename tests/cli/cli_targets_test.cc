// Every `vitrine` command that manages content runs the same against a server (--server URL)
// and directly on a data folder (--data DIR): one script, run both ways, must print the same
// thing (creation times, tokens and keys aside) and exit the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "imaging/init.h"
#include "support/cli_runner.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

namespace fs = std::filesystem;

// Values that differ between two correct runs: when something was made, and fresh secrets.
void MaskVolatile(wire::Json& json) {
  static const std::set<std::string> kVolatile = {"created_at", "updated_at",  "expires_at", "revoked_at",
                                                  "token",      "private_key", "public_key"};
  if (json.is_object()) {
    for (auto& [key, value] : json.items()) {
      if (kVolatile.contains(key) && !value.is_null())
        value = "<volatile>";
      else
        MaskVolatile(value);
    }
  } else if (json.is_array()) {
    for (auto& item : json) MaskVolatile(item);
  }
}

// The upload/download summary carries timings: keep only the counts.
// "2026-11-22T11:12:24.316622Z" in a table becomes "0000-00-00T00:00:00.000000Z": same width.
std::string ZeroTimestamps(std::string line) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  for (std::size_t at = 0; at + kShape.size() <= line.size(); ++at) {
    bool matches = true;
    for (std::size_t k = 0; k < kShape.size() && matches; ++k) {
      char c = line[at + k];
      matches = kShape[k] == 'd' ? (c >= '0' && c <= '9') : c == kShape[k];
    }
    if (!matches) continue;
    for (std::size_t k = 0; k < kShape.size(); ++k) {
      if (kShape[k] == 'd') line[at + k] = '0';
    }
    at += kShape.size() - 1;
  }
  return line;
}

std::string Normalize(const std::string& output) {
  auto json = wire::Json::parse(output, nullptr, false);
  if (!json.is_discarded()) {
    MaskVolatile(json);
    return json.dump(1);
  }
  // "uploaded 3, skipped 0, failed 0 in 0.2 s (14.1 files/s, 0.1 MB/s)": drop from " in ".
  std::string out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto timing = line.find(" in ");
    if (timing != std::string::npos && line.find(", failed ") != std::string::npos) line.erase(timing);
    out += ZeroTimestamps(line) + "\n";
  }
  return out;
}

struct Target {
  std::string args;  // appended to every command
  std::map<std::string, std::string> env;
};

class CliTargetsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(imaging::InitializeImaging("vitrine-tests").ok()); }

  // A fresh data folder holding one administrator, "root".
  fs::path FreshFolder(const std::string& name) {
    fs::path data = dir_.path() / name;
    CommandResult root = RunVitrine("user add root --admin --password password-root --data " + data.string());
    EXPECT_EQ(root.exit_code, 0) << root.output;
    return data;
  }

  // Each run has its own hash cache, so neither benefits from the other's.
  std::map<std::string, std::string> BaseEnv(const std::string& cache = "cache") {
    return {{"XDG_CACHE_HOME", (dir_.path() / cache).string()},
            {"VITRINE_CREDENTIALS", (dir_.path() / "no-such-file").string()},
            {"VITRINE_PASSWORD", "password-root"}};
  }

  // The script: every content command, including ones that must fail. Returns the transcript.
  std::vector<std::string> RunScript(const Target& target, const fs::path& downloads) {
    std::vector<std::string> transcript;
    auto run = [&](const std::string& command) {
      CommandResult r = RunVitrine(command + target.args, "", target.env);
      std::string step = "$ " + command + "\n[exit " + std::to_string(r.exit_code) + "]\n" + Normalize(r.output);
      for (std::size_t at; (at = step.find(downloads.string())) != std::string::npos;) {
        step.replace(at, downloads.string().size(), "<downloads>");
      }
      transcript.push_back(step);
      return r;
    };
    run("user add bob --password password-bob --name Bob --json");
    run("user add carol --password password-carol --json");
    run("user add bob --password password-bob");
    run("user add 'bad name' --password password-x");
    run("user list --json");
    run("user disable bob");
    run("user enable bob");
    run("user passwd carol --password password-carol-2");
    run("user passwd nobody --password password-x");
    CommandResult project = run("project create Traps --owner bob --description 'Sticky traps' --json");
    std::string id = std::to_string(wire::Json::parse(project.output)["id"].get<int>());
    run("project create Other --json");
    run("project list --json");
    run("project show " + id + " --json");
    run("project show 999");
    run("project update " + id + " --set site=north --set 'grant=7 b' --json");
    run("project update " + id + " --unset grant --set stain=HE");
    run("project update " + id + " --set =x");
    run("project update " + id);
    run("project list --property site=north");
    run("project list --property grant");
    run("project member " + id + " carol contributor");
    run("project member " + id + " '#3' viewer");
    run("project member " + id + " carol boss");
    run("project members " + id + " --json");
    run("project member " + id + " bob none");
    run("project member " + id + " carol none");
    run("key create --user bob --json");
    run("key list --user bob --json");
    run("key revoke --user bob 1");
    run("key revoke --user bob 99");
    run("key list --user bob --json");
    run("key create --json");
    run("token create --user carol --expires-in 600 --json");
    run("upload -p " + id + " -j 1 " + (dir_.path() / "photos").string());
    run("upload -p " + id + " -j 1 " + (dir_.path() / "photos").string());
    run("upload -p 999 " + (dir_.path() / "photos").string());
    run("download -p " + id + " -j 1 " + downloads.string());
    run("download -p " + id + " -j 1 " + downloads.string());
    run("project delete " + id);
    run("project show " + id);
    return transcript;
  }

  TempDir dir_;
};

TEST_F(CliTargetsTest, SameScriptSameResultOnAServerAndOnAFolder) {
  fs::create_directories(dir_.path() / "photos");
  for (int i = 0; i < 3; ++i) {
    WriteSampleImage(dir_.path() / "photos" / ("trap-" + std::to_string(i) + ".jpg"), {.width = 90 + i, .height = 60});
  }

  fs::path folder = FreshFolder("folder-data");
  Target local{" --data " + folder.string() + " --username root", BaseEnv("cache-folder")};
  std::vector<std::string> on_folder = RunScript(local, dir_.path() / "from-folder");

  fs::path served = FreshFolder("served-data");
  ServeProcess server(served, dir_.path() / "serve.log");
  Target remote{" --server " + server.url() + " --username root", BaseEnv("cache-server")};
  std::vector<std::string> on_server = RunScript(remote, dir_.path() / "from-server");

  ASSERT_EQ(on_folder.size(), on_server.size());
  for (std::size_t i = 0; i < on_folder.size(); ++i) EXPECT_EQ(on_folder[i], on_server[i]);

  // And the script did what it says, not merely the same wrong thing twice.
  std::string all = [&] {
    std::ostringstream joined;
    for (const auto& step : on_server) joined << step << "\n";
    return joined.str();
  }();
  EXPECT_NE(all.find("$ user add bob --password password-bob\n[exit 1]"), std::string::npos) << all;
  EXPECT_NE(all.find("$ project member 1 bob none\n[exit 1]"), std::string::npos) << all;
  EXPECT_NE(all.find("'carol' is now viewer of project 1"), std::string::npos) << all;
  EXPECT_NE(all.find("uploaded 3, skipped 0, failed 0"), std::string::npos) << all;
  EXPECT_NE(all.find("uploaded 0, skipped 3, failed 0"), std::string::npos) << all;
  EXPECT_NE(all.find("downloaded 3, skipped 0, failed 0"), std::string::npos) << all;
  EXPECT_NE(all.find("downloaded 0, skipped 3, failed 0"), std::string::npos) << all;
  EXPECT_NE(all.find("$ project show 1\n[exit 1]"), std::string::npos) << all;
  EXPECT_NE(all.find("\"grant\": \"7 b\""), std::string::npos) << all;
  EXPECT_NE(all.find("  site = north\n  stain = HE\n"), std::string::npos) << all;
  EXPECT_NE(all.find("$ project list --property site=north\n[exit 0]\nID  NAME   CREATED"), std::string::npos) << all;
  EXPECT_NE(all.find("$ project list --property grant\n[exit 0]\nID  NAME  CREATED\n\n$"), std::string::npos) << all;
  EXPECT_NE(all.find("$ project update 1 --set =x\n[exit 1]"), std::string::npos) << all;
  for (int i = 0; i < 3; ++i) {
    std::string name = "trap-" + std::to_string(i) + ".jpg";
    EXPECT_EQ(ReadTextFile(dir_.path() / "from-server" / name), ReadTextFile(dir_.path() / "photos" / name));
    EXPECT_EQ(ReadTextFile(dir_.path() / "from-folder" / name), ReadTextFile(dir_.path() / "photos" / name));
  }
}

TEST_F(CliTargetsTest, ServerUrlsOfTheFileSchemeOpenTheFolder) {
  fs::path folder = FreshFolder("data");
  auto env = BaseEnv();
  CommandResult listed = RunVitrine("user list --json --server file://" + folder.string(), "", env);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(wire::Json::parse(listed.output)[0]["username"], "root");

  CommandResult both = RunVitrine("user list --server file://" + folder.string() + " --data " + folder.string());
  EXPECT_NE(both.exit_code, 0);

  CommandResult bad = RunVitrine("user list --server ftp://example.org", "", env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("unknown URL scheme"), std::string::npos) << bad.output;
}

TEST_F(CliTargetsTest, CredentialsOfTheFolderOwnerNeedANamedUser) {
  fs::path folder = FreshFolder("data");
  CommandResult key = RunVitrine("key create --data " + folder.string(), "", BaseEnv());
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_NE(key.output.find("name a user"), std::string::npos) << key.output;
  CommandResult project = RunVitrine("project create Orphan --data " + folder.string(), "", BaseEnv());
  EXPECT_EQ(project.exit_code, 1);
  EXPECT_NE(project.output.find("owner"), std::string::npos) << project.output;
}

}  // namespace
}  // namespace vitrine::testing
