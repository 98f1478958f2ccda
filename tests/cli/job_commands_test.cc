// `vitrine analytic`, `vitrine data` and `vitrine job` through the real binary, on a data folder
// (no workers: queued jobs stay queued) and on a server (whose in-process worker runs them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/cli_runner.h"
#include "support/cli_target.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

namespace fs = std::filesystem;

using Target = CliTarget;

class JobCommandsTest : public ::testing::Test {
 protected:
  std::string MakeFolder(const fs::path& data) { return MakeAliceFolder(data); }
  std::map<std::string, std::string> Env() { return AliceEnv(dir_.path()); }
  CommandResult Run(const Target& t, const std::string& command) { return RunOn(t, command); }
  wire::Json RunJson(const Target& t, const std::string& command) { return RunJsonOn(t, command); }

  // What both targets must do alike.
  void CommonScript(const Target& t, const std::string& project) {
    CommandResult analytics = Run(t, "analytic list");
    ASSERT_EQ(analytics.exit_code, 0) << analytics.output;
    for (const char* name : {"vitrine/noop", "vitrine/pyramids", "vitrine/dark-objects"}) {
      EXPECT_NE(analytics.output.find(name), std::string::npos) << analytics.output;
    }
    wire::Json listed = RunJson(t, "analytic list --all-versions");
    ASSERT_TRUE(listed.is_array());
    CommandResult shown = Run(t, "analytic show " + std::to_string(listed[0]["id"].get<int>()));
    EXPECT_EQ(shown.exit_code, 0) << shown.output;
    EXPECT_NE(shown.output.find("\"parameters\""), std::string::npos) << "the document is shown: " << shown.output;
    CommandResult remove = Run(t, "analytic remove " + std::to_string(listed[0]["id"].get<int>()));
    EXPECT_EQ(remove.exit_code, 1) << remove.output;

    // Parameters are checked at creation, naming the field.
    CommandResult bad = Run(t, "job create vitrine/noop --project " + project + " --param sleep_ms=soon");
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("sleep_ms"), std::string::npos) << bad.output;
    CommandResult unknown = Run(t, "job create vitrine/noop --project " + project + " --param nonsense=1");
    EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
    EXPECT_NE(unknown.output.find("nonsense"), std::string::npos) << unknown.output;
    CommandResult bad_input = Run(t, "job create vitrine/pyramids --project " + project + " --input images=photo:1");
    EXPECT_EQ(bad_input.exit_code, 1) << bad_input.output;
    EXPECT_NE(bad_input.output.find("--input"), std::string::npos) << bad_input.output;

    // Created, started, killed, shown, archived, removed.
    wire::Json job = RunJson(t, "job create vitrine/noop --project " + project + " --name probe --param sleep_ms=3000");
    EXPECT_EQ(job["state"], "READY");
    EXPECT_EQ(job["parameters"]["sleep_ms"], 3000);
    const std::string id = std::to_string(job["id"].get<int>());
    EXPECT_EQ(RunJson(t, "job start " + id)["state"].get<std::string>().empty(), false);
    wire::Json killed = RunJson(t, "job kill " + id);
    EXPECT_EQ(killed["state"], "FAILED");
    EXPECT_EQ(killed["failure_type"], "USER");
    CommandResult show = Run(t, "job show " + id);
    EXPECT_EQ(show.exit_code, 0) << show.output;
    EXPECT_NE(show.output.find("FAILED (USER)"), std::string::npos) << show.output;
    EXPECT_NE(show.output.find("killed by alice"), std::string::npos) << show.output;
    CommandResult waited = Run(t, "job wait " + id);
    EXPECT_EQ(waited.exit_code, 1) << waited.output;
    EXPECT_NE(waited.output.find("FAILED (USER): killed by alice"), std::string::npos) << waited.output;
    EXPECT_EQ(Run(t, "job logs " + id).exit_code, 0);
    CommandResult no_output = Run(t, "job download " + id);
    EXPECT_EQ(no_output.exit_code, 1);
    EXPECT_NE(no_output.output.find("no outputs"), std::string::npos) << no_output.output;
    EXPECT_EQ(RunJson(t, "job list --project " + project).size(), 1u);
    EXPECT_EQ(RunJson(t, "job list --state FAILED").size(), 1u);
    EXPECT_EQ(Run(t, "job list --state BROKEN").exit_code, 1);
    EXPECT_EQ(Run(t, "job archive " + id).exit_code, 0);
    EXPECT_EQ(RunJson(t, "job list --project " + project).size(), 0u);
    EXPECT_EQ(RunJson(t, "job list --archived").size(), 1u);
    EXPECT_EQ(Run(t, "job remove " + id).exit_code, 0);
    CommandResult gone = Run(t, "job show " + id);
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_NE(gone.output.find("job " + id + " not found"), std::string::npos) << gone.output;

    // Data: up, listed, down with the same bytes, removed.
    std::string bytes;
    for (int i = 0; i < 100'000; ++i) bytes.push_back(static_cast<char>(i % 253));
    fs::path file = dir_.path() / "weights.bin";
    std::ofstream(file, std::ios::binary) << bytes;
    wire::Json data = RunJson(t, "data upload " + file.string() + " --project " + project + " --ttl 3600");
    EXPECT_EQ(data["size"], bytes.size());
    EXPECT_FALSE(data["expires_at"].is_null());
    const std::string data_id = std::to_string(data["id"].get<int>());
    EXPECT_EQ(RunJson(t, "data list --project " + project).size(), 1u);
    fs::path copy = dir_.path() / "copy.bin";
    fs::remove(copy);
    CommandResult down = Run(t, "data download " + data_id + " -o " + copy.string());
    ASSERT_EQ(down.exit_code, 0) << down.output;
    EXPECT_EQ(ReadTextFile(copy), bytes);
    EXPECT_EQ(Run(t, "data remove " + data_id).exit_code, 0);
    CommandResult missing = Run(t, "data download " + data_id + " -o " + copy.string());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("not found"), std::string::npos) << missing.output;
  }

  TempDir dir_;
};

TEST_F(JobCommandsTest, OnADataFolder) {
  fs::path data = dir_.path() / "d";
  std::string project = MakeFolder(data);
  Target folder{" --data " + data.string() + " --username alice", Env()};
  CommonScript(folder, project);
  // No worker runs on a bare folder: waiting gives up, naming the state.
  CommandResult waited = Run(folder, "job create vitrine/noop --project " + project + " --start --wait --timeout 1");
  EXPECT_EQ(waited.exit_code, 1) << waited.output;
  EXPECT_NE(waited.output.find("still QUEUED"), std::string::npos) << waited.output;
}

TEST_F(JobCommandsTest, OnAServerWhoseWorkerRunsThem) {
  fs::path data = dir_.path() / "d";
  std::string project = MakeFolder(data);
  ServeProcess serve(data, dir_.path() / "serve.log");
  ASSERT_GT(serve.port(), 0) << serve.log();
  Target server{" --server " + serve.url() + " --username alice", Env()};
  CommonScript(server, project);

  CommandResult done =
      Run(server, "job create vitrine/noop --project " + project + " --param sleep_ms=20 --start --wait");
  EXPECT_EQ(done.exit_code, 0) << done.output;
  EXPECT_NE(done.output.find("COMPLETE"), std::string::npos) << done.output;
  CommandResult failed =
      Run(server, "job create vitrine/noop --project " + project + " --param fail=true --start --wait --json");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("FAILED (ANALYTIC)"), std::string::npos) << failed.output;
  serve.Stop();
}

}  // namespace
}  // namespace vitrine::testing
