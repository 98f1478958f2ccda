// Runs an analytic as a child process with limits, streaming its log and progress to the caller.
//
// The child gets exactly the environment it is given (nothing of the worker's, so no server
// secrets), stdin from /dev/null, stdout and stderr merged into one pipe, no other inherited file
// descriptors, and its own session and process group: a time-out or a stop request signals the
// whole group (SIGTERM, then SIGKILL after a grace), and whatever the group still holds when the
// child ends is killed too. RunChild is safe to call from several threads at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitrine/status.h"

namespace vitrine::jobs {

struct ChildLimits {
  std::chrono::seconds wall_time{3600};
  std::uint64_t memory_bytes = 4ull << 30;  // RLIMIT_AS (address space, not resident memory); 0: none
  int max_open_files = 256;                 // RLIMIT_NOFILE
  std::uint64_t max_log_bytes = 16ull << 20;
  // Between SIGTERM and SIGKILL when the child is timed out or asked to stop.
  std::chrono::milliseconds stop_grace{5000};
};

struct ChildSpec {
  // argv[0] is the program: a path, or a name looked up in `environment`'s PATH (not the worker's).
  std::vector<std::string> argv;
  // The WHOLE environment: nothing is inherited from the parent, so no server secrets leak.
  std::map<std::string, std::string> environment;
  std::filesystem::path working_dir;  // empty: the worker's own
  ChildLimits limits;
  // Drop to this user and group (and no supplementary groups) before exec. Needs a worker running
  // as root; otherwise refused (kPermissionDenied) unless it names the worker's own user and group.
  std::optional<std::pair<uid_t, gid_t>> run_as;
};

struct ChildOutcome {
  enum class End {
    kExited,         // exit_code holds the status
    kSignalled,      // signal holds the signal (a crash, or a memory limit hit as an abort)
    kTimedOut,       // past limits.wall_time: the group was killed
    kKilled,         // should_stop() said so: the group was killed
    kFailedToStart,  // start_error says why (no such program, chdir refused, ...)
  };
  End end = End::kFailedToStart;
  int exit_code = -1;  // for kExited, and after a kill when the child still exited by itself
  int signal = 0;      // the signal that ended the child, if one did
  bool log_truncated = false;
  std::string log_tail;  // the last ~4 KiB of output, for a failure reason
  std::string start_error;
};

// Runs the child to its end. `on_log(chunk)` receives stdout and stderr merged, in order, up to
// limits.max_log_bytes, then a single line "[log truncated at N bytes]"; the rest is read and
// dropped, so the child never blocks on a full pipe. `on_progress(0..100)` is called for each line
// "progress: N" (kept in the log too). `should_stop()` is polled about every 100 ms. The callbacks
// run on the calling thread; any may be empty.
// Errors: kInvalidArgument for an empty argv or an environment name holding '=' or NUL,
// kPermissionDenied for a run_as the worker cannot switch to, kUnavailable when the system
// refuses a pipe or a fork. A child that cannot be started is an outcome (kFailedToStart).
Result<ChildOutcome> RunChild(const ChildSpec& spec, const std::function<void(std::string_view)>& on_log,
                              const std::function<void(int)>& on_progress, const std::function<bool()>& should_stop);

}  // namespace vitrine::jobs
