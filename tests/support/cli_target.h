// What CLI tests act on: a data folder or a server, with the environment the commands run in,
// and the user alice (password "password-alice") with her project.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "support/cli_runner.h"
#include "wire/json.h"

namespace vitrine::testing {

struct CliTarget {
  std::string args;  // " --data DIR --username alice" or " --server URL --username alice"
  std::map<std::string, std::string> env;
};

// A data folder holding alice and her project "Traps"; the project's id.
inline std::string MakeAliceFolder(const std::filesystem::path& data) {
  std::string folder = " --data " + data.string();
  EXPECT_EQ(RunVitrine("user add alice --password password-alice" + folder).exit_code, 0);
  CommandResult project = RunVitrine("project create Traps --owner alice --json" + folder);
  EXPECT_EQ(project.exit_code, 0) << project.output;
  return std::to_string(wire::Json::parse(project.output)["id"].get<int>());
}

// Signs in as alice by password, with no credentials file (`scratch` holds none).
inline std::map<std::string, std::string> AliceEnv(const std::filesystem::path& scratch) {
  return {{"VITRINE_CREDENTIALS", (scratch / "no-such-file").string()}, {"VITRINE_PASSWORD", "password-alice"}};
}

inline CommandResult RunOn(const CliTarget& t, const std::string& command) {
  return RunVitrine(command + t.args, "", t.env);
}

// The command's --json output; a failure or output that is not JSON fails the test.
inline wire::Json RunJsonOn(const CliTarget& t, const std::string& command) {
  CommandResult r = RunOn(t, command + " --json");
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  auto json = wire::Json::parse(r.output, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << command << "\n" << r.output;
  return json;
}

}  // namespace vitrine::testing
