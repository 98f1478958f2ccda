#include "jobs/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/temp_dir.h"

namespace vitrine::jobs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

struct Ran {
  ChildOutcome outcome;
  std::string log;
  std::vector<int> progress;
  milliseconds took{0};
};

Ran RunToEnd(ChildSpec spec, const std::function<bool()>& should_stop = {}) {
  if (spec.environment.empty()) spec.environment = {{"PATH", "/usr/bin:/bin"}};
  Ran ran;
  const auto started = Clock::now();
  Result<ChildOutcome> outcome = RunChild(
      spec, [&](std::string_view chunk) { ran.log += chunk; }, [&](int percent) { ran.progress.push_back(percent); },
      should_stop);
  ran.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
  if (outcome.ok()) ran.outcome = *outcome;
  return ran;
}

ChildSpec Shell(const std::string& script, ChildLimits limits = {}) {
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.limits = limits;
  return spec;
}

// Dead: gone, or a zombie waiting for whoever adopted it (pid 1 here may not reap).
bool ProcessIsDead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (text.empty()) return true;
  const std::size_t name_end = text.rfind(')');
  return name_end != std::string::npos && name_end + 2 < text.size() && text[name_end + 2] == 'Z';
}

bool BecomesDead(pid_t pid, milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (ProcessIsDead(pid)) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ProcessIsDead(pid);
}

TEST(RunChild, CapturesStdoutAndStderrInOrder) {
  const Ran ran = RunToEnd(Shell("echo one; echo two >&2; echo three"));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kExited);
  EXPECT_EQ(ran.outcome.exit_code, 0);
  EXPECT_EQ(ran.log, "one\ntwo\nthree\n");
  EXPECT_FALSE(ran.outcome.log_truncated);
}

TEST(RunChild, ReportsTheExitCodeAndTheLastLines) {
  const Ran ran =
      RunToEnd(Shell("i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; echo 'no input' >&2; exit 3"));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kExited);
  EXPECT_EQ(ran.outcome.exit_code, 3);
  EXPECT_TRUE(ran.outcome.log_tail.ends_with("line 1999\nno input\n")) << ran.outcome.log_tail;
  EXPECT_LE(ran.outcome.log_tail.size(), 4096u);
  EXPECT_EQ(ran.outcome.log_tail.find("line 0\n"), std::string::npos);
}

TEST(RunChild, ReportsACrashAsSignalled) {
  const Ran ran = RunToEnd(Shell("echo about to crash; kill -SEGV $$"));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kSignalled);
  EXPECT_EQ(ran.outcome.signal, SIGSEGV);
  EXPECT_EQ(ran.log, "about to crash\n");
}

TEST(RunChild, WallTimeEndsTheChildAndWhatItStarted) {
  testing::TempDir dir;
  const std::string pid_file = (dir.path() / "grandchild.pid").string();
  ChildLimits limits;
  limits.wall_time = seconds(1);
  const Ran ran = RunToEnd(Shell("sleep 300 & echo $! > " + pid_file + "; sleep 30", limits));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kTimedOut);
  EXPECT_GE(ran.took, milliseconds(900));
  EXPECT_LT(ran.took, milliseconds(3000));
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild);
  EXPECT_TRUE(BecomesDead(grandchild, seconds(2))) << "the grandchild " << grandchild << " outlived the time-out";
}

TEST(RunChild, WhatTheChildLeavesRunningIsKilledWhenItExits) {
  testing::TempDir dir;
  const std::string pid_file = (dir.path() / "daemon.pid").string();
  // The background process keeps the output pipe open: RunChild must not wait for it.
  const Ran ran = RunToEnd(Shell("sleep 300 & echo $! > " + pid_file + "; echo bye"));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kExited);
  EXPECT_EQ(ran.outcome.exit_code, 0);
  EXPECT_LT(ran.took, milliseconds(2000));
  std::ifstream in(pid_file);
  pid_t daemon = 0;
  ASSERT_TRUE(in >> daemon);
  EXPECT_TRUE(BecomesDead(daemon, seconds(2)));
}

TEST(RunChild, MemoryLimitMakesALargeAllocationFail) {
  ChildSpec spec;
  spec.argv = {"/usr/bin/python3", "-c", "b = bytearray(1 << 30)\nprint('allocated')"};
  spec.limits.memory_bytes = 200ull << 20;
  const Ran ran = RunToEnd(spec);
  EXPECT_TRUE(ran.outcome.end == ChildOutcome::End::kSignalled ||
              (ran.outcome.end == ChildOutcome::End::kExited && ran.outcome.exit_code != 0))
      << "end " << static_cast<int>(ran.outcome.end) << ", log: " << ran.log;
  EXPECT_EQ(ran.log.find("allocated"), std::string::npos);
  EXPECT_NE(ran.log.find("MemoryError"), std::string::npos) << ran.log;
}

TEST(RunChild, OpenFilesAreLimited) {
  ChildLimits limits;
  limits.max_open_files = 32;
  const Ran ran = RunToEnd(Shell(
      "ulimit -n; /usr/bin/python3 -c \"\nimport os\nfds = []\ntry:\n  while True: fds.append(os.open('/dev/null', "
      "os.O_RDONLY))\nexcept OSError as e: print(len(fds) + 3, e.strerror)\"",
      limits));
  EXPECT_EQ(ran.outcome.exit_code, 0) << ran.log;
  EXPECT_EQ(ran.log, "32\n32 Too many open files\n");
}

TEST(RunChild, TheChildInheritsOnlyStdinStdoutAndStderr) {
  // A descriptor without close-on-exec, as a careless library might leave one.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(::dup2(leaked, 50), 50);
  const Ran ran = RunToEnd(Shell("ls /proc/self/fd; read line && echo stdin gave $line"));
  ::close(50);
  ::close(leaked);
  std::istringstream lines(ran.log);
  std::set<std::string> fds;
  for (std::string line; std::getline(lines, line);) fds.insert(line);
  // ls's own descriptor on the folder it lists is 3; stdin is /dev/null, so read finds nothing.
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3"})) << ran.log;
}

TEST(RunChild, LogPastTheCapIsDroppedWithoutBlockingTheChild) {
  ChildLimits limits;
  limits.max_log_bytes = 1 << 20;
  const Ran ran = RunToEnd(Shell("head -c 5242880 /dev/zero | tr '\\0' x; echo; echo done", limits));
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kExited);
  EXPECT_EQ(ran.outcome.exit_code, 0);
  EXPECT_TRUE(ran.outcome.log_truncated);
  const std::string marker = "\n[log truncated at 1048576 bytes]\n";
  EXPECT_LE(ran.log.size(), limits.max_log_bytes + marker.size());
  EXPECT_TRUE(ran.log.ends_with(marker));
  EXPECT_EQ(ran.log.find("[log truncated"), ran.log.size() - marker.size() + 1);  // once
  EXPECT_TRUE(ran.outcome.log_tail.ends_with("x\ndone\n"));
}

TEST(RunChild, ProgressLinesAreReportedAndKeptInTheLog) {
  const Ran ran = RunToEnd(Shell(
      "printf 'starting\\nprogress: 10\\nprogress: 55.5\\nprogress: abc\\nprogress: 250\\nprogress: -3\\nend\\n'"));
  EXPECT_EQ(ran.progress, (std::vector<int>{10, 55, 100, 0}));
  EXPECT_NE(ran.log.find("progress: 55.5\n"), std::string::npos);
  EXPECT_NE(ran.log.find("progress: abc\n"), std::string::npos);
}

TEST(RunChild, StopRequestEndsTheChild) {
  const auto started = Clock::now();
  const Ran ran = RunToEnd(Shell("echo started; sleep 30"), [&] { return Clock::now() - started > milliseconds(300); });
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kKilled);
  EXPECT_EQ(ran.outcome.signal, SIGTERM);
  EXPECT_LT(ran.took, milliseconds(1500));
  EXPECT_EQ(ran.log, "started\n");
}

TEST(RunChild, StopRequestEndsAChildThatIgnoresSigterm) {
  ChildLimits limits;
  limits.stop_grace = milliseconds(500);
  const auto started = Clock::now();
  const Ran ran = RunToEnd(Shell("trap '' TERM; while :; do sleep 0.1; done", limits),
                           [&] { return Clock::now() - started > milliseconds(300); });
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kKilled);
  EXPECT_EQ(ran.outcome.signal, SIGKILL);
  EXPECT_LT(ran.took, milliseconds(2000));
}

TEST(RunChild, TheEnvironmentIsExactlyTheOneGiven) {
  ASSERT_EQ(::setenv("VITRINE_TEST_SERVER_SECRET", "hunter2", 1), 0);
  ChildSpec spec;
  spec.argv = {"env"};  // found through the child's PATH
  spec.environment = {{"PATH", "/usr/bin:/bin"}, {"ANALYTIC_INPUT", "/data/in"}};
  const Ran ran = RunToEnd(spec);
  ::unsetenv("VITRINE_TEST_SERVER_SECRET");
  EXPECT_EQ(ran.outcome.exit_code, 0);
  std::istringstream lines(ran.log);
  std::set<std::string> variables;
  for (std::string line; std::getline(lines, line);) variables.insert(line);
  EXPECT_EQ(variables, (std::set<std::string>{"PATH=/usr/bin:/bin", "ANALYTIC_INPUT=/data/in"}));
  EXPECT_EQ(ran.log.find("hunter2"), std::string::npos);
}

TEST(RunChild, RunsInTheWorkingFolder) {
  testing::TempDir dir;
  ChildSpec spec = Shell("pwd");
  spec.working_dir = dir.path();
  const Ran ran = RunToEnd(spec);
  EXPECT_EQ(ran.log, std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(RunChild, AProgramThatCannotStartIsReportedAsSuch) {
  ChildSpec missing;
  missing.argv = {"/nonexistent/analytic"};
  Ran ran = RunToEnd(missing);
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kFailedToStart);
  EXPECT_NE(ran.outcome.start_error.find("/nonexistent/analytic"), std::string::npos) << ran.outcome.start_error;

  ChildSpec bad_folder = Shell("true");
  bad_folder.working_dir = "/nonexistent/folder";
  ran = RunToEnd(bad_folder);
  EXPECT_EQ(ran.outcome.end, ChildOutcome::End::kFailedToStart);
  EXPECT_NE(ran.outcome.start_error.find("/nonexistent/folder"), std::string::npos) << ran.outcome.start_error;
}

TEST(RunChild, RefusesAnInvalidSpec) {
  const auto nothing = [](auto&&...) {};
  EXPECT_EQ(RunChild(ChildSpec{}, nothing, nothing, {}).status().code(), ErrorCode::kInvalidArgument);
  ChildSpec bad_env = Shell("true");
  bad_env.environment = {{"A=B", "c"}};
  EXPECT_EQ(RunChild(bad_env, nothing, nothing, {}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(RunChild, RunsAsAnotherUser) {
  constexpr uid_t kNobody = 65534;
  ChildSpec spec = Shell("id -u; id -g; id -G");
  spec.run_as = std::pair<uid_t, gid_t>{kNobody, kNobody};
  spec.working_dir = "/";
  if (::geteuid() != 0) {
    const auto nothing = [](auto&&...) {};
    const uid_t other_user = ::geteuid() == kNobody ? 1 : kNobody;  // naming oneself is allowed (nothing to switch)
    spec.run_as = std::pair<uid_t, gid_t>{other_user, other_user};
    EXPECT_EQ(RunChild(spec, nothing, nothing, {}).status().code(), ErrorCode::kPermissionDenied)
        << "switching users needs root: RunChild must refuse rather than run as the worker's user";
    GTEST_SKIP() << "not root: checked only that run_as is refused (CI runs as root and runs the child as nobody)";
  }
  const Ran ran = RunToEnd(spec);
  EXPECT_EQ(ran.outcome.exit_code, 0) << ran.log << ran.outcome.start_error;
  EXPECT_EQ(ran.log, "65534\n65534\n65534\n");
}

TEST(RunChild, SeveralThreadsRunChildrenAtOnce) {
  // A long child started first: if another child's pipe leaked into it, that child's run would
  // last until this one ends.
  std::thread long_one([] { RunToEnd(Shell("sleep 3")); });
  std::this_thread::sleep_for(milliseconds(100));
  std::vector<std::thread> threads;
  std::vector<Ran> results(6);
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&results, i] {
      ChildSpec spec = Shell("echo $NAME; sleep 0.2; echo $NAME");
      spec.environment = {{"PATH", "/usr/bin:/bin"}, {"NAME", "child" + std::to_string(i)}};
      results[i] = RunToEnd(spec);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::string name = "child" + std::to_string(i);
    EXPECT_EQ(results[i].log, name + "\n" + name + "\n");
    EXPECT_LT(results[i].took, milliseconds(2000)) << name;
  }
  long_one.join();
}

}  // namespace
}  // namespace vitrine::jobs
