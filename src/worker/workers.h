// Job workers: threads that claim jobs from a JobSource, hold their lease, run the analytic and
// report its outputs. Built-in analytics run in the worker's process on the job's workspace;
// external ones are bundles run as child processes with limits (docs/jobs.md lists what they
// get). Used by `vitrine serve --job-workers N` (InProcessWorkers) and `vitrine worker`.
//
// Each thread: claim → renew the lease every third of it (a refused renewal means the job was
// killed or taken over: the analytic is stopped and its result dropped) → run → store outputs →
// finish. Stop() stops claiming; the jobs running end first, then the threads join.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/executor.h"
#include "jobs/child_process.h"
#include "service/service.h"
#include "worker/job_source.h"

namespace vitrine::worker {

struct WorkerOptions {
  unsigned concurrency = 1;
  std::vector<std::string> analytics;  // the analytics these workers run; empty: any
  std::string name = "serve";          // shown in the jobs' messages
  // Bundles unpacked (cached by hash) and each job's scratch folder; must be writable.
  std::filesystem::path scratch_dir;
  // Limits of external analytics; the wall time is also capped by the analytic's own
  // info.wall_time_seconds when it asks for less.
  jobs::ChildLimits limits;
  // How long one claim waits for a job before asking again (and before Stop() is noticed).
  std::chrono::milliseconds claim_wait{5000};
};

class Workers {
 public:
  Workers(JobSource& source, WorkerOptions options);
  ~Workers();  // Stop(), then waits for the running jobs
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  void Stop() { stopping_ = true; }
  // Jobs these workers have finished (completed or failed), for progress reports and tests.
  std::int64_t finished() const { return finished_; }

 private:
  void Loop(unsigned index);

  JobSource& source_;
  const WorkerOptions options_;
  std::atomic<bool> stopping_ = false;
  std::atomic<std::int64_t> finished_ = 0;
  std::vector<std::thread> threads_;
};

// Workers inside a Vitrine process, on its service. `server_url`: where this process serves
// HTTP, handed to external analytics (empty: they get none).
class InProcessWorkers {
 public:
  InProcessWorkers(service::Service& service, WorkerOptions options, std::string server_url = "");
  ~InProcessWorkers();

 private:
  std::unique_ptr<JobSource> source_;
  std::unique_ptr<Workers> workers_;
};

// The queue's housekeeping (expired leases back to the queue, expired data and job outputs
// deleted) every `interval` on the executor's maintenance lane: every process that serves the
// API or works on a store runs one, whether or not it has workers.
class JobSweeper {
 public:
  JobSweeper(service::Service& service, core::Executor& executor,
             std::chrono::milliseconds interval = std::chrono::seconds(2));

 private:
  core::PeriodicTask task_;
};

// The names of the analytics compiled into Vitrine.
std::vector<std::string> BuiltinAnalyticNames();

}  // namespace vitrine::worker
