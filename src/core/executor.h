// The one place work runs off the caller's thread: a pool of threads serving named lanes, each
// with its own concurrency and its own bounded queue, plus periodic tasks and parallel loops on
// the same threads.
//
//   core::Executor executor;                                  // owned by the process (app)
//   core::TaskGroup writes(executor, core::Lane::kCacheWrites);
//   if (!writes.TrySubmit([bytes] { Store(bytes); })) ...;    // queue full: dropped, say so
//   core::PeriodicTask gc(executor, core::Lane::kMaintenance, std::chrono::minutes(30), CollectGarbage);
//
// A lane's threads are its own: a slow pyramid never takes a thread a request could have had.
// A task that throws is logged and forgotten; it never ends the process or stops its lane. The
// destructor runs what was queued, then joins: shutdown waits for work, it does not drop it.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace vitrine::core {

// Kinds of work, in the order a free thread that may serve several looks at them.
enum class Lane {
  kRequests,     // HTTP requests handed over by the network threads; parallel loops within them
  kCacheWrites,  // derived bytes (thumbnails, views) stored after their answer went out
  kPyramids,     // viewing pyramids of large images
  kMaintenance,  // periodic housekeeping: WAL checkpoints, garbage collection
  kWaits,        // requests that mostly wait for an event (job long-polls, workers' claims)
};
inline constexpr std::size_t kLaneCount = 5;
std::string_view LaneName(Lane lane);

struct LaneLimits {
  std::size_t threads = 1;       // tasks of the lane that may run at once; 0: the lane refuses all
  std::size_t max_queued = 256;  // waiting tasks beyond which TrySubmit refuses
};

struct ExecutorOptions {
  // Indexed by Lane. Requests: one thread per core (at least two); maintenance two (a long
  // garbage collection never delays a checkpoint); waits 32 (a waiting thread costs no CPU, and
  // long-polls must never hold the threads requests render on); the others one each.
  std::array<LaneLimits, kLaneCount> lanes = DefaultLanes();
  static std::array<LaneLimits, kLaneCount> DefaultLanes();
};

class Executor {
 public:
  explicit Executor(ExecutorOptions options = {});
  // Runs every task already queued (periodic tasks no longer fire), then joins the threads.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // False, and `task` not run, when the lane already has max_queued tasks waiting.
  bool TrySubmit(Lane lane, std::function<void()> task);
  // Queues whatever the lane's backlog: for the rest of work already accepted (the next chunk of
  // a response being sent). False only once the executor is being destroyed.
  bool Submit(Lane lane, std::function<void()> task);

  const LaneLimits& limits(Lane lane) const { return options_.lanes[Index(lane)]; }
  // Tasks waiting (not running) in the lane.
  std::size_t Queued(Lane lane) const;

 private:
  friend class PeriodicTask;
  struct Timer;
  static std::size_t Index(Lane lane) { return static_cast<std::size_t>(lane); }
  bool Enqueue(Lane lane, std::function<void()> task, bool bounded);
  void Serve();
  void Schedule();
  bool NextTask(std::size_t& lane, std::function<void()>& task);
  void AddTimer(const std::shared_ptr<Timer>& timer);
  void RemoveTimer(const std::shared_ptr<Timer>& timer);

  const ExecutorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::array<std::deque<std::function<void()>>, kLaneCount> queues_;
  std::array<std::size_t, kLaneCount> running_{};
  bool stopping_ = false;

  std::mutex timers_mu_;
  std::condition_variable timers_changed_;
  std::vector<std::shared_ptr<Timer>> timers_;
  bool timers_stopping_ = false;

  std::vector<std::thread> threads_;
  std::thread scheduler_;
};

// The tasks one owner submits to one lane, so that the owner can wait for its own: the
// destructor waits for every task submitted through the group, captures included. Declare it
// after the members its tasks use, so that it goes first. Never wait from one of its own tasks.
class TaskGroup {
 public:
  TaskGroup(Executor& executor, Lane lane);
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // False (and `task` not run) when the lane's queue is full.
  bool TrySubmit(std::function<void()> task);
  // Executor::Submit, counted in the group.
  bool Submit(std::function<void()> task);
  // Blocks until every task submitted so far has run (tests, shutdown).
  void Wait();

 private:
  struct State;
  bool Enqueue(std::function<void()> task, bool bounded);
  Executor& executor_;
  const Lane lane_;
  std::shared_ptr<State> state_;
};

// Runs `run` on `lane` every `interval`, the first time one interval after construction. A run
// that outlasts the interval is not doubled: the next one is due an interval after it ends.
// The destructor cancels what is not yet started and waits for a run in progress (so never
// destroy one from its own run).
class PeriodicTask {
 public:
  PeriodicTask(Executor& executor, Lane lane, std::chrono::milliseconds interval, std::function<void()> run);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  Executor& executor_;
  std::shared_ptr<Executor::Timer> timer_;
};

// fn(i) for every i in [0, n), in chunks of `grain`: on the calling thread and on free threads of
// `lane`, when there is more than one chunk. A helper runs one chunk per task and queues again,
// so requests waiting on the lane are served between chunks. The first exception stops the loop
// and is rethrown here once every helper has stopped, as from a plain loop. Never waits for a
// queue: the caller does whatever no free thread took, so it may run on the lane itself.
void ParallelFor(Executor& executor, Lane lane, std::size_t n, std::size_t grain,
                 const std::function<void(std::size_t)>& fn);

}  // namespace vitrine::core
