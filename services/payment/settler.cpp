#include "services/payment/settler.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/crypto/crypto.h"
#include "common/log/log.h"

namespace paymesh::payment {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// How many PAYING orders one round looks at (those in back-off are skipped cheaply).
constexpr int kPayingListLimit = 500;
constexpr milliseconds kMinLeaseTtl{3000};

const char* ResultLabel(const absl::StatusOr<SettleResult>& r) {
  if (!r.ok()) return "error";
  switch (r->outcome) {
    case PaymentOutcome::kApplied:
      return "paid";
    case PaymentOutcome::kAmountMismatch:
      return "mismatch";
    case PaymentOutcome::kUnspecified:
      break;
    default:
      return "reported";  // duplicate, duplicate payment, ...: order has it
  }
  return r->closed ? "closed" : "unchanged";
}

}  // namespace

Settler::Settler(PaymentLogic& logic, OrderApi& orders, Lease& lease, const time::Clock& clock,
                 SettlerOptions options)
    : logic_(logic),
      orders_(orders),
      lease_(lease),
      clock_(clock),
      options_(options),
      orders_settled_(metrics::Registry::Default().AddCounter(
          "payment_settle_orders_total",
          "Orders the settling job handled, by job (expire, reconcile) and result",
          {"job", "result"})),
      oldest_paying_(metrics::Registry::Default().AddGauge(
          "payment_oldest_paying_order_age_seconds",
          "How long the oldest PAYING order has waited for its payment (0: none)", {})),
      lease_held_(metrics::Registry::Default().AddGauge(
          "payment_settle_lease_held", "1 while this replica runs the settling job", {})) {}

Settler::~Settler() { Stop(); }

void Settler::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      RunOnce();
      lock.lock();
      wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    }
  });
}

void Settler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SettleRound Settler::RunOnce() {
  SettleRound round;
  log::RequestScope scope("settle-" + crypto::RandomAlnum(12));
  const milliseconds ttl = std::max(kMinLeaseTtl, 3 * options_.interval);
  absl::StatusOr<bool> held = lease_.Hold(ttl);
  if (!held.ok()) {
    // Settling must not stop with the lease store: run anyway (correct, if duplicated).
    log::Warn("settle lease unavailable, running anyway", {{"error", held.status().message()}});
  } else if (!*held) {
    lease_held_.Set(0);
    oldest_paying_.Set(0);  // the holder reports it
    backoff_.clear();       // whoever holds the lease keeps its own schedule
    return round;
  }
  lease_held_.Set(1);
  round.ran = true;
  const time::Timestamp now = clock_.Now();
  Expire(now, round);
  ReconcilePaying(now, round);
  if (round.expired + round.queried + round.errors > 0) {
    log::Info("settle round", {{"expired", std::to_string(round.expired)},
                               {"queried", std::to_string(round.queried)},
                               {"paid", std::to_string(round.paid)},
                               {"errors", std::to_string(round.errors)}});
  }
  return round;
}

void Settler::Expire(const time::Timestamp now, SettleRound& round) {
  absl::StatusOr<std::vector<Order>> due =
      orders_.ListOrdersToSettle(SettleKind::kExpired, now, options_.batch);
  if (!due.ok()) {
    ++round.errors;
    log::Warn("settle: expired orders not listed", {{"error", due.status().message()}});
    return;
  }
  for (const Order& order : *due) {
    absl::StatusOr<SettleResult> r = logic_.Close(order, kCloseExpired);
    Count("expire", r, round);
    if (r.ok() && r->closed) ++round.expired;
    if (!r.ok()) {
      log::Warn("settle: expired order not closed",
                {{"order_id", order.id}, {"error", r.status().message()}});
    }
  }
}

void Settler::ReconcilePaying(const time::Timestamp now, SettleRound& round) {
  absl::StatusOr<std::vector<Order>> paying =
      orders_.ListOrdersToSettle(SettleKind::kPaying, now, kPayingListLimit);
  if (!paying.ok()) {
    ++round.errors;
    log::Warn("settle: paying orders not listed", {{"error", paying.status().message()}});
    return;
  }
  oldest_paying_.Set(paying->empty()
                         ? 0.0
                         : duration_cast<milliseconds>(now - paying->front().updated_at).count() /
                               1000.0);
  std::set<std::string> listed;
  int asked = 0;
  for (const Order& order : *paying) {
    listed.insert(order.id);
    if (order.updated_at + options_.reconcile_after > now || asked >= options_.batch) continue;
    Backoff& b = backoff_[order.id];
    if (b.next_at > now) continue;
    ++asked;
    ++round.queried;
    absl::StatusOr<SettleResult> r = logic_.Reconcile(order);
    Count("reconcile", r, round);
    b.attempts += 1;
    b.next_at = now + DelayAfter(b.attempts);
    if (!r.ok()) {
      log::Warn("settle: paying order not reconciled",
                {{"order_id", order.id}, {"error", r.status().message()}});
    }
  }
  // Orders that left PAYING need no schedule; with a truncated list, keep what was not seen.
  if (static_cast<int>(paying->size()) < kPayingListLimit) {
    std::erase_if(backoff_, [&](const auto& entry) { return !listed.contains(entry.first); });
  }
}

void Settler::Count(const char* job, const absl::StatusOr<SettleResult>& result,
                    SettleRound& round) {
  orders_settled_.Inc({job, ResultLabel(result)});
  if (!result.ok()) ++round.errors;
  if (result.ok() && result->outcome == PaymentOutcome::kApplied) ++round.paid;
}

seconds Settler::DelayAfter(int attempts) const {
  // reconcile_after, then 2x, 4x, ... up to reconcile_backoff_max.
  seconds delay = options_.reconcile_after;
  for (int i = 1; i < attempts && delay < options_.reconcile_backoff_max; ++i) delay *= 2;
  return std::min(delay, options_.reconcile_backoff_max);
}

}  // namespace paymesh::payment
