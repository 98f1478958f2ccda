#include "core/executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <numeric>

namespace vitrine::core {
namespace {

void RunLogged(Lane lane, const std::function<void()>& task) {
  try {
    task();
  } catch (const std::exception& e) {
    spdlog::error("{} task failed: {}", LaneName(lane), e.what());
  } catch (...) {
    spdlog::error("{} task failed", LaneName(lane));
  }
}

}  // namespace

std::string_view LaneName(Lane lane) {
  switch (lane) {
    case Lane::kRequests:
      return "request";
    case Lane::kCacheWrites:
      return "cache write";
    case Lane::kPyramids:
      return "pyramid";
    case Lane::kMaintenance:
      return "maintenance";
    case Lane::kWaits:
      return "wait";
  }
  return "background";
}

std::array<LaneLimits, kLaneCount> ExecutorOptions::DefaultLanes() {
  std::array<LaneLimits, kLaneCount> lanes;
  lanes[static_cast<std::size_t>(Lane::kRequests)] = {std::max(2u, std::thread::hardware_concurrency()), 512};
  lanes[static_cast<std::size_t>(Lane::kCacheWrites)] = {1, 256};
  lanes[static_cast<std::size_t>(Lane::kPyramids)] = {1, 64};
  lanes[static_cast<std::size_t>(Lane::kMaintenance)] = {2, 16};
  lanes[static_cast<std::size_t>(Lane::kWaits)] = {32, 512};
  return lanes;
}

struct Executor::Timer {
  Lane lane;
  std::chrono::milliseconds interval;
  std::function<void()> run;
  std::chrono::steady_clock::time_point due;
  bool running = false;  // queued or running on a lane; guarded by timers_mu_
  bool cancelled = false;
  std::condition_variable idle;
};

Executor::Executor(ExecutorOptions options) : options_(std::move(options)) {
  std::size_t threads = 0;
  for (const auto& lane : options_.lanes) threads += lane.threads;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Serve(); });
  scheduler_ = std::thread([this] { Schedule(); });
}

Executor::~Executor() {
  {
    std::lock_guard lock(timers_mu_);
    timers_stopping_ = true;
  }
  timers_changed_.notify_all();
  scheduler_.join();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool Executor::TrySubmit(Lane lane, std::function<void()> task) { return Enqueue(lane, std::move(task), true); }

bool Executor::Submit(Lane lane, std::function<void()> task) { return Enqueue(lane, std::move(task), false); }

std::size_t Executor::Queued(Lane lane) const {
  std::lock_guard lock(mu_);
  return queues_[Index(lane)].size();
}

bool Executor::Enqueue(Lane lane, std::function<void()> task, bool bounded) {
  if (!task) return false;
  {
    std::lock_guard lock(mu_);
    auto& queue = queues_[Index(lane)];
    if (stopping_ || limits(lane).threads == 0 || (bounded && queue.size() >= limits(lane).max_queued)) return false;
    queue.push_back(std::move(task));
  }
  // Every idle thread may serve every lane: one is enough. (If the lane is at its cap, none can
  // take the task now; the thread that finishes one of its tasks takes it.)
  work_.notify_one();
  return true;
}

// The first lane, in order, with work waiting and fewer than its threads running.
bool Executor::NextTask(std::size_t& lane, std::function<void()>& task) {
  for (std::size_t i = 0; i < kLaneCount; ++i) {
    if (!queues_[i].empty() && running_[i] < options_.lanes[i].threads) {
      lane = i;
      task = std::move(queues_[i].front());
      queues_[i].pop_front();
      ++running_[i];
      return true;
    }
  }
  return false;
}

void Executor::Serve() {
  std::unique_lock lock(mu_);
  while (true) {
    std::size_t lane = 0;
    std::function<void()> task;
    auto all_empty = [this] {
      return std::all_of(queues_.begin(), queues_.end(), [](const auto& q) { return q.empty(); });
    };
    work_.wait(lock, [&] { return NextTask(lane, task) || (stopping_ && all_empty()); });
    if (!task) return;  // stopping, and nothing left to run
    lock.unlock();
    RunLogged(static_cast<Lane>(lane), task);
    task = nullptr;  // its captures go before the lane counts it finished
    lock.lock();
    --running_[lane];
    // A freed slot lets one waiting task of this lane start; at shutdown, every thread must see
    // the queues run dry to leave.
    if (stopping_) {
      work_.notify_all();
    } else if (!queues_[lane].empty()) {
      work_.notify_one();
    }
  }
}

void Executor::Schedule() {
  std::unique_lock lock(timers_mu_);
  while (!timers_stopping_) {
    std::shared_ptr<Timer> next;
    for (const auto& timer : timers_) {
      if (!timer->running && (!next || timer->due < next->due)) next = timer;
    }
    if (!next) {
      timers_changed_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() < next->due) {
      timers_changed_.wait_until(lock, next->due);
      continue;  // woken early, or due: look again
    }
    next->running = true;
    bool queued = Submit(next->lane, [this, timer = next] {
      bool cancelled;
      {
        std::lock_guard guard(timers_mu_);
        cancelled = timer->cancelled;
      }
      if (!cancelled) RunLogged(timer->lane, timer->run);
      std::lock_guard guard(timers_mu_);
      timer->running = false;
      timer->due = std::chrono::steady_clock::now() + timer->interval;
      timer->idle.notify_all();
      timers_changed_.notify_all();
    });
    if (!queued) {
      // A lane without threads, or the executor stopping: try again an interval later, and never
      // sooner than 100 ms. With a zero interval this loop would otherwise go round without ever
      // waiting, holding timers_mu_, and RemoveTimer (a task being destroyed) could wait forever
      // for the lock: ExecutorTest.APeriodicTaskOnALaneWithoutThreadsNeitherSpinsNorHangs hung so.
      next->running = false;
      next->due = std::chrono::steady_clock::now() + std::max(next->interval, std::chrono::milliseconds(100));
    }
  }
}

void Executor::AddTimer(const std::shared_ptr<Timer>& timer) {
  {
    std::lock_guard lock(timers_mu_);
    timers_.push_back(timer);
  }
  timers_changed_.notify_all();
}

void Executor::RemoveTimer(const std::shared_ptr<Timer>& timer) {
  std::unique_lock lock(timers_mu_);
  timer->cancelled = true;
  std::erase(timers_, timer);
  timers_changed_.notify_all();  // the scheduler lets go of it
  timer->idle.wait(lock, [&] { return !timer->running; });
}

struct TaskGroup::State {
  std::mutex mu;
  std::condition_variable idle;
  std::size_t in_flight = 0;

  void Finished() {
    std::lock_guard lock(mu);
    if (--in_flight == 0) idle.notify_all();
  }
};

TaskGroup::TaskGroup(Executor& executor, Lane lane)
    : executor_(executor), lane_(lane), state_(std::make_shared<State>()) {}

TaskGroup::~TaskGroup() { Wait(); }

bool TaskGroup::TrySubmit(std::function<void()> task) { return Enqueue(std::move(task), true); }

bool TaskGroup::Submit(std::function<void()> task) { return Enqueue(std::move(task), false); }

bool TaskGroup::Enqueue(std::function<void()> task, bool bounded) {
  {
    std::lock_guard lock(state_->mu);
    ++state_->in_flight;
  }
  // The task's captures (a session, say) go before the group counts it finished: Wait() then
  // means no task of the group holds anything any more.
  auto counted = [state = state_, task = std::move(task)]() mutable {
    struct Finish {
      State& state;
      ~Finish() { state.Finished(); }
    } finish{*state};
    auto run = std::move(task);
    run();
  };
  bool queued = bounded ? executor_.TrySubmit(lane_, std::move(counted)) : executor_.Submit(lane_, std::move(counted));
  if (!queued) state_->Finished();
  return queued;
}

void TaskGroup::Wait() {
  std::unique_lock lock(state_->mu);
  state_->idle.wait(lock, [this] { return state_->in_flight == 0; });
}

PeriodicTask::PeriodicTask(Executor& executor, Lane lane, std::chrono::milliseconds interval, std::function<void()> run)
    : executor_(executor), timer_(std::make_shared<Executor::Timer>()) {
  timer_->lane = lane;
  timer_->interval = interval;
  timer_->run = std::move(run);
  timer_->due = std::chrono::steady_clock::now() + interval;
  executor_.AddTimer(timer_);
}

PeriodicTask::~PeriodicTask() { executor_.RemoveTimer(timer_); }

namespace {

// Shared by the caller and its helpers; a helper that starts after the caller closed the loop
// (it found no free thread in time) leaves without touching `fn`, which may be gone.
struct Loop {
  Executor* executor;
  Lane lane;
  std::size_t n, grain, chunks;
  const std::function<void(std::size_t)>* fn;
  std::atomic<std::size_t> next_chunk{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable helpers_done;
  bool closed = false;
  std::size_t active_helpers = 0;
  std::exception_ptr failure;

  // Runs one chunk; false when none was left (or the loop failed).
  bool RunChunk() {
    if (failed.load(std::memory_order_relaxed)) return false;
    std::size_t chunk = next_chunk.fetch_add(1);
    if (chunk >= chunks) return false;
    try {
      for (std::size_t i = chunk * grain, end = std::min(n, i + grain); i < end; ++i) (*fn)(i);
    } catch (...) {
      std::lock_guard lock(mu);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
    return true;
  }

  // Closes the loop and waits for the helpers inside it, even when the caller leaves by an
  // exception: no helper may run `fn` after ParallelFor returns.
  void Close() {
    std::unique_lock lock(mu);
    closed = true;
    helpers_done.wait(lock, [&] { return active_helpers == 0; });
  }
};

// One chunk per task, then back to the end of the lane's queue: a long loop shares the lane's
// threads with the requests queued behind it instead of holding them to the end.
void Help(const std::shared_ptr<Loop>& loop) {
  {
    std::lock_guard lock(loop->mu);
    if (loop->closed) return;
    ++loop->active_helpers;
  }
  bool more = loop->RunChunk();
  {
    std::lock_guard lock(loop->mu);
    if (--loop->active_helpers == 0) loop->helpers_done.notify_all();
    if (loop->closed) return;
  }
  if (more) loop->executor->TrySubmit(loop->lane, [loop] { Help(loop); });
}

}  // namespace

void ParallelFor(Executor& executor, Lane lane, std::size_t n, std::size_t grain,
                 const std::function<void(std::size_t)>& fn) {
  grain = std::max<std::size_t>(grain, 1);
  if (n <= grain) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto loop = std::make_shared<Loop>();
  loop->executor = &executor;
  loop->lane = lane;
  loop->n = n;
  loop->grain = grain;
  loop->chunks = n / grain + (n % grain != 0);
  loop->fn = &fn;
  struct CloseOnExit {
    Loop& loop;
    ~CloseOnExit() { loop.Close(); }
  } close_on_exit{*loop};
  std::size_t helpers = std::min(loop->chunks - 1, executor.limits(lane).threads);
  for (std::size_t h = 0; h < helpers; ++h) {
    if (!executor.TrySubmit(lane, [loop] { Help(loop); })) break;
  }
  while (loop->RunChunk()) {
  }
  loop->Close();
  if (loop->failure) std::rethrow_exception(loop->failure);
}

}  // namespace vitrine::core
