#include "core/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

namespace vitrine::core {
namespace {

using std::chrono::seconds;

ExecutorOptions Lanes(std::size_t request_threads, std::size_t request_queue) {
  ExecutorOptions options;
  options.lanes[static_cast<std::size_t>(Lane::kRequests)] = {request_threads, request_queue};
  return options;
}

// Holds a lane's thread until released, so a test can fill the lane's queue behind it. The task
// shares the gate's state: it may still be returning from its wait when the test's gate is gone.
class Gate {
 public:
  std::function<void()> Task() {
    return [state = state_] {
      state->entered.set_value();
      state->released.wait();
    };
  }
  void WaitEntered() { entered_.wait(); }
  void Release() { state_->release.set_value(); }

 private:
  struct State {
    std::promise<void> entered, release;
    std::shared_future<void> released = release.get_future().share();
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::future<void> entered_ = state_->entered.get_future();
};

TEST(ExecutorTest, AFailingTaskNeitherEndsTheProcessNorStopsTheLane) {
  Executor executor;
  std::atomic<int> ran{0};
  TaskGroup group(executor, Lane::kCacheWrites);
  ASSERT_TRUE(group.TrySubmit([] { throw std::runtime_error("disk went away"); }));
  ASSERT_TRUE(group.TrySubmit([] { throw 42; }));
  ASSERT_TRUE(group.TrySubmit([&] { ++ran; }));
  group.Wait();
  EXPECT_EQ(ran.load(), 1);
}

TEST(ExecutorTest, AGroupsWaitEndsAfterItsTasksCapturesAreGone) {
  Executor executor;
  std::atomic<int> alive{0};
  struct Held {
    std::atomic<int>& alive;
    explicit Held(std::atomic<int>& a) : alive(a) { ++alive; }
    ~Held() { --alive; }
  };
  {
    TaskGroup group(executor, Lane::kRequests);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(group.TrySubmit([held = std::make_shared<Held>(alive)] { (void)held; }));
    }
    group.Wait();
    EXPECT_EQ(alive.load(), 0) << "a task still held its captures after Wait()";
  }
}

TEST(ExecutorTest, APeriodicTaskOnALaneWithoutThreadsNeitherSpinsNorHangs) {
  ExecutorOptions options;
  options.lanes[static_cast<std::size_t>(Lane::kMaintenance)] = {0, 16};
  Executor executor(options);
  int runs = 0;
  // Due at once: the scheduler finds the lane refusing it while the task is being destroyed.
  {
    PeriodicTask never(executor, Lane::kMaintenance, std::chrono::milliseconds(0), [&] { ++runs; });
  }
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(executor.TrySubmit(Lane::kMaintenance, [] {}));
}

TEST(ExecutorTest, TrySubmitRefusesPastTheQueueBoundAndSubmitDoesNot) {
  Executor executor(Lanes(1, 2));
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit(Lane::kRequests, gate.Task()));
  gate.WaitEntered();  // the only thread is busy: what follows waits in the queue
  std::atomic<int> ran{0};
  EXPECT_TRUE(executor.TrySubmit(Lane::kRequests, [&] { ++ran; }));
  EXPECT_TRUE(executor.TrySubmit(Lane::kRequests, [&] { ++ran; }));
  EXPECT_FALSE(executor.TrySubmit(Lane::kRequests, [&] { ++ran; }));
  EXPECT_EQ(executor.Queued(Lane::kRequests), 2u);
  EXPECT_TRUE(executor.Submit(Lane::kRequests, [&] { ++ran; }));
  gate.Release();
  // FIFO on one thread: this one runs after the others.
  auto done = std::make_shared<std::promise<void>>();  // the task may outlive this scope's end
  ASSERT_TRUE(executor.Submit(Lane::kRequests, [done] { done->set_value(); }));
  done->get_future().wait();
  EXPECT_EQ(ran.load(), 3);
}

TEST(ExecutorTest, ASlowLaneNeverHoldsBackAnother) {
  Executor executor(Lanes(1, 16));
  Gate pyramid;
  ASSERT_TRUE(executor.TrySubmit(Lane::kPyramids, pyramid.Task()));
  pyramid.WaitEntered();
  auto request = std::make_shared<std::promise<void>>();  // the task may outlive this scope's end
  ASSERT_TRUE(executor.TrySubmit(Lane::kRequests, [request] { request->set_value(); }));
  EXPECT_EQ(request->get_future().wait_for(seconds(30)), std::future_status::ready);
  pyramid.Release();
}

TEST(ExecutorTest, ALaneRunsAtMostItsThreadsAtOnce) {
  Executor executor(Lanes(2, 512));
  std::atomic<int> running{0}, most{0};
  {
    TaskGroup group(executor, Lane::kRequests);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(group.TrySubmit([&] {
        int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --running;
      }));
    }
  }
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 2);
}

TEST(ExecutorTest, DestroyingItRunsWhatWasQueued) {
  std::atomic<int> ran{0};
  {
    Executor executor(Lanes(1, 512));
    Gate gate;
    ASSERT_TRUE(executor.TrySubmit(Lane::kRequests, gate.Task()));
    gate.WaitEntered();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(executor.TrySubmit(Lane::kRequests, [&] { ++ran; }));
    gate.Release();
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(ExecutorTest, PeriodicTaskRepeatsAndStopsWhenDestroyed) {
  Executor executor;
  std::mutex mu;
  std::condition_variable ran_again;
  int runs = 0;
  auto task = std::make_unique<PeriodicTask>(executor, Lane::kMaintenance, std::chrono::milliseconds(1), [&] {
    std::lock_guard lock(mu);
    ++runs;
    ran_again.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(ran_again.wait_for(lock, seconds(30), [&] { return runs >= 3; }));
  }
  task.reset();
  int at_stop;
  {
    std::lock_guard lock(mu);
    at_stop = runs;
  }
  // A run queued just before the stop would be ahead of this one on the lane's only thread.
  auto after = std::make_shared<std::promise<void>>();  // the task may outlive this scope's end
  ASSERT_TRUE(executor.Submit(Lane::kMaintenance, [after] { after->set_value(); }));
  after->get_future().wait();
  std::lock_guard lock(mu);
  EXPECT_EQ(runs, at_stop);
}

TEST(ExecutorTest, PeriodicRunsNeverOverlap) {
  ExecutorOptions options;
  options.lanes[static_cast<std::size_t>(Lane::kMaintenance)] = {4, 16};
  Executor executor(options);
  std::atomic<int> running{0}, overlaps{0}, runs{0};
  std::promise<void> enough;
  {
    PeriodicTask task(executor, Lane::kMaintenance, std::chrono::milliseconds(0), [&] {
      if (++running > 1) ++overlaps;
      for (int spin = 0; spin < 1000; ++spin) std::this_thread::yield();  // long enough to be overlapped
      --running;
      if (++runs == 20) enough.set_value();
    });
    enough.get_future().wait();
  }
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(ExecutorTest, ParallelForVisitsEveryIndexOnce) {
  Executor executor(Lanes(4, 512));
  constexpr std::size_t kItems = 100'000;
  std::vector<std::atomic<int>> visits(kItems);
  ParallelFor(executor, Lane::kRequests, kItems, 64, [&](std::size_t i) { ++visits[i]; });
  for (std::size_t i = 0; i < kItems; ++i) ASSERT_EQ(visits[i].load(), 1) << i;
}

TEST(ExecutorTest, ParallelForFinishesOnTheCallerWhenNoThreadIsFree) {
  Executor executor(Lanes(1, 0));  // the one thread busy, no queue: every helper is refused
  Gate gate;
  ASSERT_TRUE(executor.Submit(Lane::kRequests, gate.Task()));
  gate.WaitEntered();
  std::size_t sum = 0;
  ParallelFor(executor, Lane::kRequests, 1000, 10, [&](std::size_t i) { sum += i; });
  EXPECT_EQ(sum, 999u * 1000u / 2);
  gate.Release();
}

TEST(ExecutorTest, ParallelForCarriesTheFirstExceptionBackToTheCaller) {
  Executor executor(Lanes(4, 512));
  std::atomic<std::size_t> after_failure{0};
  EXPECT_THROW(ParallelFor(executor, Lane::kRequests, 10'000, 16,
                           [&](std::size_t i) {
                             if (i == 5000) throw std::bad_alloc();
                             ++after_failure;
                           }),
               std::bad_alloc);
  EXPECT_LT(after_failure.load(), 10'000u);
}

}  // namespace
}  // namespace vitrine::core
