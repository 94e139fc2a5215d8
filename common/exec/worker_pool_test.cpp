#include "common/exec/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace paymesh::exec {
namespace {

using std::chrono::seconds;

// Polls `condition` until it holds or a generous deadline passes.
template <typename F>
bool WaitFor(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval only
  }
  return true;
}

// Occupies the pool's only worker until Open() is called.
class Gate {
 public:
  std::function<void()> BlockingTask() {
    return [this] {
      started_.set_value();
      open_future_.wait();
    };
  }
  void WaitStarted() {
    ASSERT_EQ(started_future_.wait_for(seconds(10)), std::future_status::ready);
  }
  void Open() { open_.set_value(); }

 private:
  std::promise<void> started_;
  std::future<void> started_future_ = started_.get_future();
  std::promise<void> open_;
  std::shared_future<void> open_future_ = open_.get_future().share();
};

TEST(WorkerPoolTest, RunsSubmittedWork) {
  WorkerPool pool(2, 10);
  std::promise<int> result;
  ASSERT_TRUE(pool.TrySubmit([&] { result.set_value(42); }));
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(future.get(), 42);
}

TEST(WorkerPoolTest, RejectsWhenQueueIsFull) {
  WorkerPool pool(1, 2);
  Gate gate;
  ASSERT_TRUE(pool.TrySubmit(gate.BlockingTask()));
  gate.WaitStarted();  // the worker holds the first task; the queue is empty again

  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);

  gate.Open();
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 2);
}

TEST(WorkerPoolTest, ShutdownRunsQueuedWorkAndRefusesNewWork) {
  WorkerPool pool(1, 1'000'000);
  Gate gate;
  ASSERT_TRUE(pool.TrySubmit(gate.BlockingTask()));
  gate.WaitStarted();
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));

  std::thread stopper([&] { pool.Shutdown(); });
  // Probe until a submission is refused: Shutdown has then begun while the worker is still
  // blocked, so everything accepted so far is queued and must still run.
  int accepted_probes = 0;
  ASSERT_TRUE(WaitFor([&] {
    if (!pool.TrySubmit([&] { ++ran; })) return true;
    ++accepted_probes;
    return false;
  }));
  EXPECT_EQ(pool.queued(), 5u + accepted_probes);
  gate.Open();
  stopper.join();

  EXPECT_EQ(ran.load(), 5 + accepted_probes);
  EXPECT_EQ(pool.queued(), 0u);
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

TEST(WorkerPoolTest, ThrowingTaskDoesNotKillTheWorker) {
  WorkerPool pool(1, 10);
  ASSERT_TRUE(pool.TrySubmit([] { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(pool.TrySubmit([] { throw 7; }));
  std::promise<void> after;
  ASSERT_TRUE(pool.TrySubmit([&] { after.set_value(); }));
  EXPECT_EQ(after.get_future().wait_for(seconds(10)), std::future_status::ready);
}

TEST(WorkerPoolTest, ShutdownTwiceIsHarmless) {
  WorkerPool pool(2, 1);
  pool.Shutdown();
  pool.Shutdown();
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace paymesh::exec
