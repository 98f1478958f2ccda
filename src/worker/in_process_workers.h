// Job workers inside a Vitrine process (`vitrine serve --job-workers N`): threads that claim jobs
// from the service, hold their lease, run the analytic and report its outputs. The built-in
// analytics run here, on the service, as the job's own scoped caller (the job's creator, on the
// job's project only).
//
// Each worker thread: claim → renew the lease every third of it (a refused renewal means the job
// was killed or taken over: the analytic is told to stop) → run → store outputs → finish. Work
// never runs on the HTTP threads. The destructor stops claiming, lets running jobs end, and joins.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/executor.h"
#include "service/service.h"

namespace vitrine::worker {

struct WorkerOptions {
  unsigned concurrency = 1;
  std::vector<std::string> analytics;  // the analytics these workers run; empty: every built-in one
  std::string name = "serve";          // shown in the jobs' messages
  // How often the queue's housekeeping (expired leases, data and outputs) runs.
  std::chrono::milliseconds sweep_interval{2000};
};

class InProcessWorkers {
 public:
  InProcessWorkers(service::Service& service, core::Executor& executor, WorkerOptions options);
  ~InProcessWorkers();
  InProcessWorkers(const InProcessWorkers&) = delete;
  InProcessWorkers& operator=(const InProcessWorkers&) = delete;

 private:
  void Loop(unsigned index);

  service::Service& service_;
  const WorkerOptions options_;
  std::atomic<bool> stopping_ = false;
  std::vector<std::thread> threads_;
  std::unique_ptr<core::PeriodicTask> sweeper_;
};

// The names of the analytics compiled into Vitrine.
std::vector<std::string> BuiltinAnalyticNames();

}  // namespace vitrine::worker
