#include "services/order/payment_batcher.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/metrics/metrics.h"

namespace paymesh::order {
namespace {

// Batch sizes, from a lone call to a full batch.
std::vector<double> SizeBuckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

metrics::Histogram& BatchSizes() {
  static metrics::Histogram& h = metrics::Registry::Default().AddHistogram(
      "order_apply_batch_size", "Payment reports applied per commit", {}, SizeBuckets());
  return h;
}

bool CommitFailed(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsAborted(status) || absl::IsDeadlineExceeded(status);
}

// What a caller whose report was not applied gets: a failed commit is always worth a retry.
absl::Status CallerError(const absl::Status& status) {
  if (!CommitFailed(status)) return status;
  return absl::UnavailableError("payment not committed, retry: " + std::string(status.message()));
}

absl::StatusOr<std::vector<PaymentResult>> Checked(
    absl::StatusOr<std::vector<PaymentResult>> results, size_t expected) {
  if (results.ok() && results->size() != expected) {
    return absl::InternalError("the store answered a different number of results");
  }
  return results;
}

}  // namespace

PaymentBatcher::PaymentBatcher(ApplyFn apply, BatcherOptions options)
    : apply_(std::move(apply)), options_(options) {
  BatchSizes();  // registered up front, so /metrics shows it before the first batch
  const size_t n = std::max<size_t>(options_.executors, 1);
  for (size_t i = 0; i < n; ++i) executors_.emplace_back([this] { RunExecutor(); });
}

PaymentBatcher::~PaymentBatcher() { Shutdown(); }

void PaymentBatcher::Submit(Call call) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.push_back(Queued{std::move(call), std::chrono::steady_clock::now()});
      cv_.notify_one();
      return;
    }
  }
  call.done(absl::UnavailableError("order is busy or stopping, retry later"));
}

void PaymentBatcher::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : executors_) {
    if (t.joinable()) t.join();
  }
}

void PaymentBatcher::RunExecutor() {
  while (true) {
    std::vector<Queued> batch = NextBatch();
    if (batch.empty()) return;
    Apply(std::move(batch));
    {
      std::lock_guard<std::mutex> lock(mu_);
      --applying_;
    }
    cv_.notify_all();  // a lingering executor may now go at once
  }
}

std::vector<PaymentBatcher::Queued> PaymentBatcher::NextBatch() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};  // stopping, nothing left
    // Linger while another batch is being applied, to gather a fuller one.
    const auto due = queue_.front().enqueued + options_.max_wait;
    cv_.wait_until(lock, due, [this] {
      return stopping_ || queue_.empty() || applying_ == 0 || queue_.size() >= options_.max_batch;
    });
    if (queue_.empty()) continue;  // another executor took them
    const size_t n = std::min(queue_.size(), options_.max_batch);
    std::vector<Queued> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    ++applying_;
    if (!queue_.empty()) cv_.notify_one();  // more left for an idle executor
    return batch;
  }
}

void PaymentBatcher::Apply(std::vector<Queued> batch) {
  const auto now = std::chrono::system_clock::now();
  std::vector<Call*> live;
  std::vector<PaymentNotice> notices;
  live.reserve(batch.size());
  notices.reserve(batch.size());
  for (Queued& q : batch) {
    if (q.call.cancelled && q.call.cancelled()) {
      q.call.done(absl::CancelledError("the caller went away while queued"));
    } else if (now > q.call.deadline) {
      q.call.done(absl::DeadlineExceededError("deadline passed while queued"));
    } else {
      live.push_back(&q.call);
      notices.push_back(std::move(q.call.notice));
    }
  }
  if (live.empty()) return;
  BatchSizes().Observe(static_cast<double>(live.size()));

  absl::StatusOr<std::vector<PaymentResult>> results = Checked(apply_(notices), live.size());
  if (results.ok()) {
    for (size_t i = 0; i < live.size(); ++i) live[i]->done(std::move((*results)[i]));
    return;
  }
  if (CommitFailed(results.status()) || live.size() == 1) {
    for (Call* call : live) call->done(CallerError(results.status()));
    return;
  }
  // One report broke a constraint: apply each alone so the others still commit.
  for (size_t i = 0; i < live.size(); ++i) {
    absl::StatusOr<std::vector<PaymentResult>> one = Checked(apply_({notices[i]}), 1);
    if (one.ok()) {
      live[i]->done(std::move(one->front()));
    } else {
      live[i]->done(CallerError(one.status()));
    }
  }
}

}  // namespace paymesh::order
