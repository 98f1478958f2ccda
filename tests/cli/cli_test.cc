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

#include "support/http_client.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult RunVitrine(const std::string& args, const std::string& stdin_text = "") {
  std::string command = std::string(VITRINE_BINARY) + " " + args + " 2>&1";
  if (!stdin_text.empty()) command = "printf '%s\\n' '" + stdin_text + "' | " + command;
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `vitrine serve` in a child process on a free port; stopped with SIGTERM.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& data, const std::filesystem::path& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen(log.c_str(), "w", stdout);
      ::dup2(::fileno(stdout), STDERR_FILENO);
      ::execl(VITRINE_BINARY, VITRINE_BINARY, "serve", "--data", data.c_str(), "--listen", "127.0.0.1:0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::regex listening(R"(http://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 200 && port_ == 0; ++i) {  // up to 10 s
      std::smatch m;
      std::string text = ReadFile(log_);
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && exit_code_ < 0) Stop();
  }
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  int port() const { return port_; }
  std::string log() const { return ReadFile(log_); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
};

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
    ASSERT_TRUE(std::regex_search(log, m, std::regex("with password: (\\S+)"))) << log;
    admin_password = m[1];

    // A second process adds a user to the folder the server is using.
    CommandResult added = RunVitrine("user add alice --password password-alice --data " + data.string());
    ASSERT_EQ(added.exit_code, 0) << added.output;
    std::string base = "http://127.0.0.1:" + std::to_string(serve.port());
    HttpResult signin = HttpCall("POST", base + "/api/v1/auth/token", {},
                                 R"({"username":"alice","password":"password-alice"})");
    EXPECT_EQ(signin.status, 200) << signin.body;
    HttpResult admin = HttpCall("POST", base + "/api/v1/auth/token", {},
                                wire::Json({{"username", "admin"}, {"password", admin_password}}).dump());
    EXPECT_EQ(admin.status, 200) << admin.body;
    EXPECT_EQ(serve.Stop(), 0) << "SIGTERM is a graceful stop";
  }
  ServeProcess again(data, dir.path() / "serve2.log");
  ASSERT_GT(again.port(), 0);
  EXPECT_EQ(again.log().find("password"), std::string::npos) << "the admin password is printed only once";
}

}  // namespace
}  // namespace vitrine::testing
