#pragma once

// Group commit for payment reports. ApplyPayment calls that arrive together are applied by one
// store call, one transaction, one commit (and so one fsync with durable PostgreSQL): under load
// a flash sale's notifications cost one round trip per batch instead of one per report.
//
// Executor threads (their own, each holding one database connection while it applies) take
// what is queued: a batch starts at once when no other batch is being applied (an idle system
// adds no wait), or when max_batch calls are queued, or when the oldest has waited max_wait.
// Each caller gets its own result, and only after the commit that holds its change:
//  - the whole batch commits: every caller gets its report's result;
//  - the commit fails (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED): every caller gets UNAVAILABLE,
//    and retrying is safe (nothing was written, or an in-doubt commit that the inbox makes
//    idempotent);
//  - any other error means one report broke a constraint: the batch is applied again one report
//    at a time, so only that caller gets the error and the others are not failed by it.
// A call whose deadline passed or whose caller went away while queued is answered
// DEADLINE_EXCEEDED / CANCELLED without being applied.
//
// Thread-safe. `done` runs exactly once, on an executor thread (or inline on Submit when the
// queue is full or the batcher stopped: UNAVAILABLE).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/order/types.h"

namespace paymesh::order {

struct BatcherOptions {
  size_t max_batch = 64;
  std::chrono::microseconds max_wait{2000};
  size_t executors = 2;
  size_t max_queue = 4096;
};

class PaymentBatcher {
 public:
  // Applies a batch all or nothing, one result per notice (OrderLogic::ApplyPayments).
  using ApplyFn =
      std::function<absl::StatusOr<std::vector<PaymentResult>>(const std::vector<PaymentNotice>&)>;
  using Done = std::function<void(absl::StatusOr<PaymentResult>)>;

  struct Call {
    PaymentNotice notice;
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
    std::function<bool()> cancelled;  // optional: true once the caller has gone away
    Done done;
  };

  PaymentBatcher(ApplyFn apply, BatcherOptions options);
  // Shutdown().
  ~PaymentBatcher();
  PaymentBatcher(const PaymentBatcher&) = delete;
  PaymentBatcher& operator=(const PaymentBatcher&) = delete;

  void Submit(Call call);
  // Applies everything queued, then joins the executors. Later Submits answer UNAVAILABLE.
  void Shutdown();

 private:
  struct Queued {
    Call call;
    std::chrono::steady_clock::time_point enqueued;
  };
  void RunExecutor();
  // Blocks until a batch is due (see above); empty when stopping with nothing queued.
  std::vector<Queued> NextBatch();
  void Apply(std::vector<Queued> batch);

  const ApplyFn apply_;
  const BatcherOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;  // guarded by mu_
  size_t applying_ = 0;       // batches being applied; guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::vector<std::thread> executors_;
};

}  // namespace paymesh::order
