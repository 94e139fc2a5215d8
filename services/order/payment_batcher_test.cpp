#include "services/order/payment_batcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace paymesh::order {
namespace {

using std::chrono::hours;
using Result = absl::StatusOr<PaymentResult>;

constexpr auto kPatience = std::chrono::seconds(10);  // a deadline for waits, never a sleep

PaymentNotice Notice(std::string id) {
  PaymentNotice n;
  n.notification_id = std::move(id);
  return n;
}

// An apply function that records every batch, answers each notice with its position, fails the
// batches the test asks it to, and can be held shut until the test opens it.
class ScriptedApply {
 public:
  PaymentBatcher::ApplyFn Fn() {
    return [this](const std::vector<PaymentNotice>& notices) { return Apply(notices); };
  }

  absl::StatusOr<std::vector<PaymentResult>> Apply(const std::vector<PaymentNotice>& notices) {
    std::unique_lock<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const PaymentNotice& n : notices) ids.push_back(n.notification_id);
    batches_.push_back(ids);
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    if (!batch_error_.ok()) return batch_error_;
    for (const std::string& id : ids) {
      if (fail_.count(id)) return absl::FailedPreconditionError("check violation in " + id);
    }
    std::vector<PaymentResult> out;
    for (const std::string& id : ids) {
      PaymentResult r;
      r.outcome = PaymentOutcome::kApplied;
      r.order_id = "order-of-" + id;
      out.push_back(r);
    }
    return out;
  }

  void Close() {
    Set([this] { open_ = false; });
  }
  void Open() {
    Set([this] { open_ = true; });
  }
  void FailBatchesWith(absl::Status st) {
    Set([&] { batch_error_ = st; });
  }
  // Any batch holding `id` fails with a constraint error, `id` alone included.
  void FailAlways(std::string id) {
    Set([&] { fail_.insert(id); });
  }

  // Waits until `n` batches have started.
  bool WaitForBatches(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return batches_.size() >= n; });
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  template <typename F>
  void Set(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    f();
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  absl::Status batch_error_;
  std::set<std::string> fail_;
  std::vector<std::vector<std::string>> batches_;
};

// Submits a call and hands back its answer.
std::future<Result> Submit(
    PaymentBatcher& b, std::string id,
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max(),
    std::function<bool()> cancelled = {}) {
  auto promise = std::make_shared<std::promise<Result>>();
  std::future<Result> f = promise->get_future();
  b.Submit({Notice(std::move(id)), deadline, std::move(cancelled),
            [promise](Result r) { promise->set_value(std::move(r)); }});
  return f;
}

Result Await(std::future<Result>& f) {
  if (f.wait_for(kPatience) != std::future_status::ready) {
    return absl::DeadlineExceededError("no answer within the test's patience");
  }
  return f.get();
}

TEST(PaymentBatcherTest, ALoneCallIsAppliedAtOnceWhateverTheWait) {
  ScriptedApply apply;
  PaymentBatcher b(apply.Fn(), {.max_batch = 64, .max_wait = hours(1), .executors = 2});
  auto f = Submit(b, "n-1");
  Result r = Await(f);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order_id, "order-of-n-1");
  EXPECT_EQ(apply.batches(), (std::vector<std::vector<std::string>>{{"n-1"}}));
}

TEST(PaymentBatcherTest, CallsThatArriveDuringACommitShareTheNextOneUpToTheMaximum) {
  ScriptedApply apply;
  apply.Close();
  PaymentBatcher b(apply.Fn(), {.max_batch = 3, .max_wait = hours(1), .executors = 1});
  std::vector<std::future<Result>> answers;
  answers.push_back(Submit(b, "n-0"));
  ASSERT_TRUE(apply.WaitForBatches(1));
  for (int i = 1; i <= 5; ++i) answers.push_back(Submit(b, "n-" + std::to_string(i)));
  apply.Open();
  for (size_t i = 0; i < answers.size(); ++i) {
    Result r = Await(answers[i]);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status();
    EXPECT_EQ(r->order_id, "order-of-n-" + std::to_string(i)) << "each caller gets its own";
  }
  EXPECT_EQ(apply.batches(), (std::vector<std::vector<std::string>>{
                                 {"n-0"}, {"n-1", "n-2", "n-3"}, {"n-4", "n-5"}}));
}

TEST(PaymentBatcherTest, AFullBatchStartsWithoutWaitingForTheOneInFlight) {
  ScriptedApply apply;
  apply.Close();
  PaymentBatcher b(apply.Fn(), {.max_batch = 2, .max_wait = hours(1), .executors = 2});
  std::vector<std::future<Result>> answers;
  answers.push_back(Submit(b, "n-0"));
  ASSERT_TRUE(apply.WaitForBatches(1));
  answers.push_back(Submit(b, "n-1"));
  answers.push_back(Submit(b, "n-2"));
  ASSERT_TRUE(apply.WaitForBatches(2)) << "the second executor lingered past a full batch";
  EXPECT_EQ(apply.batches()[1], (std::vector<std::string>{"n-1", "n-2"}));
  apply.Open();
  for (auto& f : answers) EXPECT_TRUE(Await(f).ok());
}

TEST(PaymentBatcherTest, ABadReportFailsAloneAndTheOthersStillCommit) {
  ScriptedApply apply;
  apply.Close();
  apply.FailAlways("n-bad");
  PaymentBatcher b(apply.Fn(), {.max_batch = 8, .max_wait = hours(1), .executors = 1});
  auto first = Submit(b, "n-0");
  ASSERT_TRUE(apply.WaitForBatches(1));
  auto good1 = Submit(b, "n-1");
  auto bad = Submit(b, "n-bad");
  auto good2 = Submit(b, "n-2");
  apply.Open();
  EXPECT_TRUE(Await(first).ok());
  Result r1 = Await(good1), r2 = Await(good2), rb = Await(bad);
  ASSERT_TRUE(r1.ok()) << r1.status();
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r1->order_id, "order-of-n-1");
  EXPECT_EQ(r2->order_id, "order-of-n-2");
  EXPECT_EQ(rb.status().code(), absl::StatusCode::kFailedPrecondition) << rb.status();
  EXPECT_EQ(apply.batches(), (std::vector<std::vector<std::string>>{
                                 {"n-0"}, {"n-1", "n-bad", "n-2"}, {"n-1"}, {"n-bad"}, {"n-2"}}));
}

TEST(PaymentBatcherTest, AFailedCommitAnswersEveryCallerWithARetryableError) {
  for (absl::Status failure :
       {absl::UnavailableError("connection lost"), absl::AbortedError("deadlock detected; gave up"),
        absl::DeadlineExceededError("statement timeout")}) {
    ScriptedApply apply;
    apply.Close();
    PaymentBatcher b(apply.Fn(), {.max_batch = 8, .max_wait = hours(1), .executors = 1});
    auto first = Submit(b, "n-0");
    ASSERT_TRUE(apply.WaitForBatches(1));
    std::vector<std::future<Result>> answers;
    for (int i = 1; i <= 3; ++i) answers.push_back(Submit(b, "n-" + std::to_string(i)));
    apply.FailBatchesWith(failure);
    apply.Open();
    EXPECT_EQ(Await(first).status().code(), absl::StatusCode::kUnavailable) << failure;
    for (auto& f : answers) {
      Result r = Await(f);
      EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << failure;
      EXPECT_NE(r.status().message().find(failure.message()), std::string::npos) << r.status();
    }
    EXPECT_EQ(apply.batches().size(), 2u) << "no one-by-one retry of a failed commit";
  }
}

TEST(PaymentBatcherTest, TwoDeliveriesOfOneNotificationEachGetAnAnswerFromOneCommit) {
  ScriptedApply apply;
  apply.Close();
  PaymentBatcher b(apply.Fn(), {.max_batch = 8, .max_wait = hours(1), .executors = 1});
  auto first = Submit(b, "n-0");
  ASSERT_TRUE(apply.WaitForBatches(1));
  auto a = Submit(b, "n-7");
  auto c = Submit(b, "n-7");
  apply.Open();
  EXPECT_TRUE(Await(first).ok());
  EXPECT_TRUE(Await(a).ok());
  EXPECT_TRUE(Await(c).ok());
  EXPECT_EQ(apply.batches()[1], (std::vector<std::string>{"n-7", "n-7"}))
      << "both reach the store, which applies the first and reports the second a duplicate";
}

TEST(PaymentBatcherTest, CallsWhoseCallerIsGoneOrLateAreNotApplied) {
  ScriptedApply apply;
  apply.Close();
  PaymentBatcher b(apply.Fn(), {.max_batch = 8, .max_wait = hours(1), .executors = 1});
  auto first = Submit(b, "n-0");
  ASSERT_TRUE(apply.WaitForBatches(1));
  auto late = Submit(b, "n-late", std::chrono::system_clock::now() - std::chrono::seconds(1));
  auto gone =
      Submit(b, "n-gone", std::chrono::system_clock::time_point::max(), [] { return true; });
  auto kept =
      Submit(b, "n-kept", std::chrono::system_clock::now() + hours(1), [] { return false; });
  apply.Open();
  EXPECT_TRUE(Await(first).ok());
  EXPECT_EQ(Await(late).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Await(gone).status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(Await(kept).ok());
  EXPECT_EQ(apply.batches()[1], (std::vector<std::string>{"n-kept"}));
}

TEST(PaymentBatcherTest, AFullQueueAnswersUnavailableAtOnce) {
  ScriptedApply apply;
  apply.Close();
  PaymentBatcher b(apply.Fn(),
                   {.max_batch = 8, .max_wait = hours(1), .executors = 1, .max_queue = 2});
  auto first = Submit(b, "n-0");
  ASSERT_TRUE(apply.WaitForBatches(1));
  auto q1 = Submit(b, "n-1");
  auto q2 = Submit(b, "n-2");
  auto over = Submit(b, "n-3");
  ASSERT_EQ(over.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(over.get().status().code(), absl::StatusCode::kUnavailable);
  apply.Open();
  EXPECT_TRUE(Await(q1).ok());
  EXPECT_TRUE(Await(q2).ok());
}

TEST(PaymentBatcherTest, ShutdownAppliesWhatIsQueuedAndRefusesTheRest) {
  ScriptedApply apply;
  apply.Close();
  auto b = std::make_unique<PaymentBatcher>(
      apply.Fn(), BatcherOptions{.max_batch = 8, .max_wait = hours(1), .executors = 1});
  auto first = Submit(*b, "n-0");
  ASSERT_TRUE(apply.WaitForBatches(1));
  auto queued = Submit(*b, "n-1");
  std::thread stopper([&] { b->Shutdown(); });
  apply.Open();
  stopper.join();
  EXPECT_TRUE(Await(first).ok());
  EXPECT_TRUE(Await(queued).ok());
  auto after = Submit(*b, "n-2");
  EXPECT_EQ(Await(after).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(apply.batches().size(), 2u);
}

}  // namespace
}  // namespace paymesh::order
