// RunChild: fork, then in the child only async-signal-safe calls on data prepared before the fork
// (the worker is multithreaded: another thread may hold malloc's lock at the moment of the fork).
// A close-on-exec "failure" pipe tells the parent whether the exec happened: it reads either EOF
// (exec succeeded, the pipe closed with it) or the step and errno that failed.
//
// Supervision is one poll() loop on the output pipe with a 100 ms tick: each tick checks the wall
// time and should_stop(), and whether the child has ended (waitid with WNOWAIT, so the child stays
// a zombie and its pid, which is also its process group's id, cannot be reused while the group is
// still signalled). The child may end while processes it started still hold the pipe: the group is
// then killed, and the output read until EOF or for at most kDrainAfterExit (a process that left
// the group with setsid could hold it for ever).
#include "jobs/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

#include "jobs/child_log.h"

namespace vitrine::jobs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kDrainAfterExit = std::chrono::seconds(2);
// close_range(2) is Linux 5.9+; without it the child closes descriptors one by one up to here.
constexpr long kHighestFdToCloseByHand = 1 << 16;

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

Status SystemRefused(std::string_view what, int error) {
  return Status::Unavailable(std::string(what) + ": " + ErrnoText(error));
}

// Moves `fd` to a number above 2 (close-on-exec), so that the child's dup2 onto 0..2 can never
// overwrite a descriptor it still has to use, even in a worker started with stdin closed.
Result<UniqueFd> AboveStandardFds(UniqueFd fd) {
  if (fd.get() > 2) return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return SystemRefused("fcntl", errno);
  return UniqueFd(moved);
}

struct Pipe {
  UniqueFd read_end, write_end;
};

Result<Pipe> MakePipe() {
  std::array<int, 2> fds{};
  // O_CLOEXEC at creation: a child another thread forks at the same moment must not keep our ends.
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return SystemRefused("pipe2", errno);
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  VITRINE_ASSIGN_OR_RETURN(pipe.read_end, AboveStandardFds(std::move(pipe.read_end)));
  VITRINE_ASSIGN_OR_RETURN(pipe.write_end, AboveStandardFds(std::move(pipe.write_end)));
  return pipe;
}

// The steps the child takes between fork and exec; the one that failed is reported to the parent.
enum class ChildStep : int { kSession, kStdio, kCloseFds, kLimits, kUser, kChdir, kExec };

struct ChildFailure {
  ChildStep step;
  int error;
};

// Everything the child needs, built before the fork: the child may not allocate.
struct PreparedExec {
  std::string program;
  std::vector<std::string> arg_storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  std::string working_dir;
  std::optional<rlimit> address_space;
  std::optional<rlimit> open_files;
  std::optional<std::pair<uid_t, gid_t>> switch_user;
  int highest_fd_to_close = 0;

  // Points argv and envp at the storage; again after any move (a short string's bytes move with it).
  void LinkPointers() {
    argv.clear();
    envp.clear();
    for (std::string& arg : arg_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (std::string& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }
};

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// execve does not search PATH, and execvpe would search the worker's: look in the child's own.
std::string ResolveProgram(const std::string& name, const std::map<std::string, std::string>& environment) {
  if (name.find('/') != std::string::npos) return name;
  const auto path_entry = environment.find("PATH");
  const std::string search_path = path_entry != environment.end() ? path_entry->second : "/bin:/usr/bin";
  std::size_t start = 0;
  while (start <= search_path.size()) {
    std::size_t end = search_path.find(':', start);
    if (end == std::string::npos) end = search_path.size();
    const std::string dir = end > start ? search_path.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;  // exec fails with ENOENT, reported as kFailedToStart
}

Result<PreparedExec> Prepare(const ChildSpec& spec) {
  if (spec.argv.empty()) return Status::InvalidArgument("a child needs a program (argv is empty)");
  PreparedExec exec;
  for (const std::string& arg : spec.argv) {
    if (HasNul(arg)) return Status::InvalidArgument("a child's argument holds a NUL byte");
    exec.arg_storage.push_back(arg);
  }
  for (const auto& [name, value] : spec.environment) {
    if (name.empty() || name.find('=') != std::string::npos || HasNul(name) || HasNul(value)) {
      return Status::InvalidArgument("invalid environment variable name for a child: '" + name + "'");
    }
    exec.env_storage.push_back(name + "=" + value);
  }
  exec.program = ResolveProgram(spec.argv.front(), spec.environment);
  exec.working_dir = spec.working_dir.string();
  if (HasNul(exec.working_dir)) return Status::InvalidArgument("a child's working folder holds a NUL byte");

  if (spec.limits.memory_bytes > 0) {
    exec.address_space = rlimit{spec.limits.memory_bytes, spec.limits.memory_bytes};
  }
  if (spec.limits.max_open_files > 0) {
    const auto files = static_cast<rlim_t>(spec.limits.max_open_files);
    exec.open_files = rlimit{files, files};
  }
  rlimit current_files{};
  exec.highest_fd_to_close = static_cast<int>(kHighestFdToCloseByHand);
  if (::getrlimit(RLIMIT_NOFILE, &current_files) == 0 && current_files.rlim_cur < kHighestFdToCloseByHand) {
    exec.highest_fd_to_close = static_cast<int>(current_files.rlim_cur);
  }

  if (spec.run_as) {
    const auto [uid, gid] = *spec.run_as;
    if (::geteuid() == 0) {
      exec.switch_user = spec.run_as;
    } else if (uid != ::geteuid() || gid != ::getegid()) {
      return Status::PermissionDenied("running a child as user " + std::to_string(uid) +
                                      " needs a worker running as root");
    }  // else: already that user, nothing to switch
  }
  return exec;
}

// In the child, after fork: async-signal-safe calls only, on `exec` prepared before the fork.
[[noreturn]] void BecomeChild(const PreparedExec& exec, int stdin_fd, int output_fd, int failure_fd) {
  const auto fail = [&failure_fd](ChildStep step) {
    const ChildFailure failure{step, errno};
    [[maybe_unused]] const ssize_t written = ::write(failure_fd, &failure, sizeof failure);
    ::_exit(127);
  };

  // A worker may block or ignore signals (SIGPIPE, typically); exec keeps both, the child should not.
  sigset_t no_signals;
  sigemptyset(&no_signals);
  ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) ::sigaction(signal_number, &default_action, nullptr);
  }

  if (::setsid() < 0) fail(ChildStep::kSession);
  if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(output_fd, STDOUT_FILENO) < 0 ||
      ::dup2(output_fd, STDERR_FILENO) < 0) {
    fail(ChildStep::kStdio);
  }
  if (failure_fd != 3) {
    if (::dup3(failure_fd, 3, O_CLOEXEC) < 0) fail(ChildStep::kCloseFds);
    failure_fd = 3;
  }
  if (::close_range(4, ~0U, 0) != 0) {
    for (int fd = 4; fd < exec.highest_fd_to_close; ++fd) ::close(fd);
  }

  const rlimit no_core_dumps{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core_dumps) != 0) fail(ChildStep::kLimits);
  if (exec.open_files && ::setrlimit(RLIMIT_NOFILE, &*exec.open_files) != 0) fail(ChildStep::kLimits);
  if (exec.address_space && ::setrlimit(RLIMIT_AS, &*exec.address_space) != 0) fail(ChildStep::kLimits);

  if (exec.switch_user) {
    const auto [uid, gid] = *exec.switch_user;
    if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) fail(ChildStep::kUser);
  }
  // After the switch, so the folder must be one the child's user may enter.
  if (!exec.working_dir.empty() && ::chdir(exec.working_dir.c_str()) != 0) fail(ChildStep::kChdir);

  ::execve(exec.program.c_str(), exec.argv.data(), exec.envp.data());
  fail(ChildStep::kExec);
  ::_exit(127);  // not reached: fail() exits
}

std::string DescribeFailure(const ChildFailure& failure, const PreparedExec& exec) {
  std::string step;
  switch (failure.step) {
    case ChildStep::kSession:
      step = "setsid";
      break;
    case ChildStep::kStdio:
      step = "redirecting stdin, stdout and stderr";
      break;
    case ChildStep::kCloseFds:
      step = "closing inherited descriptors";
      break;
    case ChildStep::kLimits:
      step = "setting resource limits";
      break;
    case ChildStep::kUser:
      step = "switching to the job's user";
      break;
    case ChildStep::kChdir:
      step = "entering " + exec.working_dir;
      break;
    case ChildStep::kExec:
      step = "executing " + exec.program;
      break;
  }
  return step + ": " + ErrnoText(failure.error);
}

// Blocks until the child has exec'd (EOF) or reported the step that failed.
std::optional<ChildFailure> AwaitExec(int failure_fd) {
  ChildFailure failure{};
  std::size_t received = 0;
  auto* bytes = reinterpret_cast<char*>(&failure);
  while (received < sizeof failure) {
    const ssize_t n = ::read(failure_fd, bytes + received, sizeof failure - received);
    if (n > 0) {
      received += static_cast<std::size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  if (received < sizeof failure) return std::nullopt;
  return failure;
}

int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// True once the child has ended, leaving it unreaped (see the file note).
bool HasEnded(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

void SignalGroup(pid_t group, int signal_number) { ::kill(-group, signal_number); }

struct Supervised {
  std::optional<ChildOutcome::End> killed_because;
  int wait_status = 0;
};

Supervised Supervise(pid_t pid, int output_fd, const ChildLimits& limits, ChildLogSink& log,
                     const std::function<bool()>& should_stop) {
  const Clock::time_point deadline = Clock::now() + limits.wall_time;
  Supervised result;
  Clock::time_point sigkill_at = Clock::time_point::max();
  Clock::time_point last_stop_check = Clock::now() - kTick;  // not min(): now - min() overflows
  Clock::time_point drain_until = Clock::time_point::max();
  bool output_open = true;
  bool ended = false;
  std::chrono::milliseconds ended_check_wait{1};
  std::array<char, 64 * 1024> buffer;
  while (true) {
    if (output_open) {
      pollfd readable{output_fd, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(kTick.count())) > 0) {
        const ssize_t n = ::read(output_fd, buffer.data(), buffer.size());
        if (n > 0) {
          log.Consume(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        } else if (n == 0 || errno != EINTR) {
          output_open = false;
        }
      }
    } else if (!ended) {
      // The output closes just before the exit is visible: look again soon, then less often.
      ::poll(nullptr, 0, static_cast<int>(ended_check_wait.count()));
      ended_check_wait = std::min(ended_check_wait * 2, kTick);
    }

    const Clock::time_point now = Clock::now();
    if (!ended && HasEnded(pid)) {
      ended = true;
      SignalGroup(pid, SIGKILL);  // whatever it started and left running
      drain_until = now + kDrainAfterExit;
    }
    if (ended) {
      if (!output_open || now >= drain_until) break;
      continue;
    }
    if (!result.killed_because) {
      if (now >= deadline) {
        result.killed_because = ChildOutcome::End::kTimedOut;
      } else if (should_stop && now - last_stop_check >= kTick / 2) {
        last_stop_check = now;
        if (should_stop()) result.killed_because = ChildOutcome::End::kKilled;
      }
      if (result.killed_because) {
        SignalGroup(pid, SIGTERM);
        sigkill_at = now + limits.stop_grace;
      }
    } else if (now >= sigkill_at) {
      SignalGroup(pid, SIGKILL);
      sigkill_at = Clock::time_point::max();
    }
  }
  log.Finish();
  result.wait_status = Reap(pid);
  return result;
}

}  // namespace

Result<ChildOutcome> RunChild(const ChildSpec& spec, const std::function<void(std::string_view)>& on_log,
                              const std::function<void(int)>& on_progress, const std::function<bool()>& should_stop) {
  VITRINE_ASSIGN_OR_RETURN(PreparedExec exec, Prepare(spec));
  exec.LinkPointers();
  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) return SystemRefused("open /dev/null", errno);
  VITRINE_ASSIGN_OR_RETURN(dev_null, AboveStandardFds(std::move(dev_null)));
  VITRINE_ASSIGN_OR_RETURN(Pipe output, MakePipe());
  VITRINE_ASSIGN_OR_RETURN(Pipe failure, MakePipe());

  const pid_t pid = ::fork();
  if (pid < 0) return SystemRefused("fork", errno);
  if (pid == 0) BecomeChild(exec, dev_null.get(), output.write_end.get(), failure.write_end.get());

  // Only the child may hold the write ends, so that its exit (or exec) shows as EOF.
  dev_null.Reset();
  output.write_end.Reset();
  failure.write_end.Reset();

  ChildOutcome outcome;
  if (const std::optional<ChildFailure> start_failure = AwaitExec(failure.read_end.get())) {
    Reap(pid);
    outcome.end = ChildOutcome::End::kFailedToStart;
    outcome.start_error = DescribeFailure(*start_failure, exec);
    return outcome;
  }

  ChildLogSink log(spec.limits.max_log_bytes, on_log, on_progress);
  const Supervised supervised = Supervise(pid, output.read_end.get(), spec.limits, log, should_stop);
  const int status = supervised.wait_status;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (supervised.killed_because) {
    outcome.end = *supervised.killed_because;
  } else {
    outcome.end = WIFEXITED(status) ? ChildOutcome::End::kExited : ChildOutcome::End::kSignalled;
  }
  outcome.log_truncated = log.truncated();
  outcome.log_tail = log.Tail();
  return outcome;
}

}  // namespace vitrine::jobs
