// The `vitrine` binary as a person uses it: exit codes, messages, and working on a data folder
// while a server runs on it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "support/cli_runner.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

TEST(CliTest, UserAddWorksOnAFolderAndRefusesDuplicates) {
  TempDir dir;
  std::string data = " --data " + (dir.path() / "d").string();
  CommandResult added = RunVitrine("user add alice --password password-alice --admin" + data);
  EXPECT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find("created user 'alice'"), std::string::npos);
  CommandResult again = RunVitrine("user add ALICE --password password-alice" + data);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("taken"), std::string::npos) << again.output;
  CommandResult listed = RunVitrine("user list --json" + data);
  ASSERT_EQ(listed.exit_code, 0);
  auto users = wire::Json::parse(listed.output);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["admin"], true);
}

TEST(CliTest, PasswordComesFromStdinOrEnvironmentAndIsRequired) {
  TempDir dir;
  std::string data = " --data " + (dir.path() / "d").string();
  EXPECT_EQ(RunVitrine("user add bob --password-stdin" + data, "password-from-stdin").exit_code, 0);
  CommandResult none = RunVitrine("user add carol" + data);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("no password"), std::string::npos) << none.output;
  CommandResult weak = RunVitrine("user add dave --password short" + data);
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_NE(weak.output.find("at least 8"), std::string::npos) << weak.output;
}

TEST(CliTest, ErrorsAreMessagesWithNonZeroExit) {
  TempDir dir;
  std::string data = " --data " + (dir.path() / "d").string();
  CommandResult missing = RunVitrine("project show 999" + data);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("project 999 not found"), std::string::npos) << missing.output;
  EXPECT_NE(RunVitrine("no-such-command").exit_code, 0);
  CommandResult bad_listen = RunVitrine("serve --listen nonsense" + data);
  EXPECT_EQ(bad_listen.exit_code, 1);
  EXPECT_NE(bad_listen.output.find("--listen"), std::string::npos) << bad_listen.output;
  EXPECT_EQ(RunVitrine("user disable nobody" + data).exit_code, 1);
}

TEST(CliTest, ProjectsKeysAndTokensFromTheCommandLine) {
  TempDir dir;
  std::string data = " --data " + (dir.path() / "d").string();
  ASSERT_EQ(RunVitrine("user add alice --password password-alice" + data).exit_code, 0);
  ASSERT_EQ(RunVitrine("user add bob --password password-bob" + data).exit_code, 0);
  CommandResult created = RunVitrine("project create Slides --owner alice --json" + data);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  std::string id = std::to_string(wire::Json::parse(created.output)["id"].get<int>());
  EXPECT_EQ(RunVitrine("project member " + id + " bob contributor" + data).exit_code, 0);
  CommandResult members = RunVitrine("project members " + id + " --json" + data);
  EXPECT_EQ(wire::Json::parse(members.output).size(), 2u);
  CommandResult last = RunVitrine("project member " + id + " alice none" + data);
  EXPECT_EQ(last.exit_code, 1) << "the last manager cannot leave";
  CommandResult key = RunVitrine("key create --user bob --json" + data);
  ASSERT_EQ(key.exit_code, 0);
  EXPECT_FALSE(wire::Json::parse(key.output)["private_key"].get<std::string>().empty());
  EXPECT_EQ(RunVitrine("key revoke 1 --user bob" + data).exit_code, 0);
  EXPECT_EQ(RunVitrine("key revoke 1 --user alice" + data).exit_code, 1) << "not alice's key";
  CommandResult token = RunVitrine("token create --user bob --expires-in 600" + data);
  EXPECT_EQ(token.exit_code, 0);
  EXPECT_EQ(token.output.rfind("vt_", 0), 0u) << token.output;
}

TEST(CliTest, ServeBootstrapsAdminOnceAndUserAddWorksBesideIt) {
  TempDir dir;
  auto data = dir.path() / "d";
  std::string admin_password;
  {
    ServeProcess serve(data, dir.path() / "serve1.log");
    ASSERT_GT(serve.port(), 0) << serve.log();
    std::smatch m;
    std::string log = serve.log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("with the password in (\\S+)"))) << log;
    std::filesystem::path secret = m[1].str();
    std::ifstream in(secret);
    ASSERT_TRUE(std::getline(in, admin_password)) << secret;
    EXPECT_EQ(log.find(admin_password), std::string::npos) << "the password itself is never logged";
    EXPECT_EQ(std::filesystem::status(secret).permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(std::filesystem::status(data).permissions(), std::filesystem::perms::owner_all);

    // A second process adds a user to the folder the server is using.
    CommandResult added = RunVitrine("user add alice --password password-alice --data " + data.string());
    ASSERT_EQ(added.exit_code, 0) << added.output;
    std::string base = "http://127.0.0.1:" + std::to_string(serve.port());
    HttpResult signin =
        HttpCall("POST", base + "/api/v1/auth/token", {}, R"({"username":"alice","password":"password-alice"})");
    EXPECT_EQ(signin.status, 200) << signin.body;
    HttpResult admin = HttpCall("POST", base + "/api/v1/auth/token", {},
                                wire::Json({{"username", "admin"}, {"password", admin_password}}).dump());
    EXPECT_EQ(admin.status, 200) << admin.body;
    EXPECT_EQ(serve.Stop(), 0) << "SIGTERM is a graceful stop";
  }
  ServeProcess again(data, dir.path() / "serve2.log");
  ASSERT_GT(again.port(), 0);
  EXPECT_EQ(again.log().find("password"), std::string::npos) << "the admin password is told only once";
}

}  // namespace
}  // namespace vitrine::testing
