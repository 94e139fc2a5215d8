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

// A round reads at most kMaxPages pages of kListPage orders per job (those waiting out a
// back-off are skipped cheaply).
constexpr int kListPage = 500;
constexpr int kMaxPages = 20;
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
      lease_ttl_(std::max(kMinLeaseTtl, 3 * options.interval)),
      orders_settled_(metrics::Registry::Default().AddCounter(
          "payment_settle_orders_total",
          "Orders the settling job handled, by job (expire, reconcile) and result",
          {"job", "result"})),
      oldest_paying_(metrics::Registry::Default().AddGauge(
          "payment_oldest_paying_order_age_seconds",
          "How long the oldest PAYING order has waited for its payment (0: none has waited "
          "PAYMENT_RECONCILE_AFTER_SECONDS yet)",
          {})),
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
  absl::StatusOr<bool> held = lease_.Hold(lease_ttl_);
  if (!held.ok()) {
    // Settling must not stop with the lease store: run anyway (correct, if duplicated).
    log::Warn("settle lease unavailable, running anyway", {{"error", held.status().message()}});
  } else if (!*held) {
    lease_held_.Set(0);
    oldest_paying_.Set(0);    // the holder reports it
    expire_backoff_.clear();  // whoever holds the lease keeps its own schedule
    reconcile_backoff_.clear();
    refund_backoff_.clear();
    return round;
  }
  lease_held_.Set(1);
  round.ran = true;
  const time::Timestamp now = clock_.Now();
  Walk(SettleKind::kExpired, now, now, expire_backoff_, round, nullptr, [&](const Order& order) {
    absl::StatusOr<SettleResult> r = logic_.Close(order, kCloseExpired);
    Count("expire", r, round);
    if (r.ok() && r->closed) ++round.expired;
    if (!r.ok()) {
      log::Warn("settle: expired order not closed",
                {{"order_id", order.id}, {"error", r.status().message()}});
    }
    return r.ok() && !IsOpen(r->order_state);
  });
  std::optional<time::Timestamp> oldest;
  Walk(SettleKind::kPaying, now - options_.reconcile_after, now, reconcile_backoff_, round, &oldest,
       [&](const Order& order) {
         ++round.queried;
         absl::StatusOr<SettleResult> r = logic_.Reconcile(order);
         Count("reconcile", r, round);
         if (!r.ok()) {
           log::Warn("settle: paying order not reconciled",
                     {{"order_id", order.id}, {"error", r.status().message()}});
         }
         return r.ok() && !IsOpen(r->order_state);
       });
  oldest_paying_.Set(oldest ? duration_cast<milliseconds>(now - *oldest).count() / 1000.0 : 0.0);
  ReconcileRefunds(now, round);
  if (round.expired + round.queried + round.refunds + round.errors > 0) {
    log::Info("settle round", {{"expired", std::to_string(round.expired)},
                               {"queried", std::to_string(round.queried)},
                               {"refunds", std::to_string(round.refunds)},
                               {"paid", std::to_string(round.paid)},
                               {"errors", std::to_string(round.errors)}});
  }
  return round;
}

bool Settler::Walk(SettleKind kind, time::Timestamp before, time::Timestamp now, Backoffs& backoff,
                   SettleRound& round, std::optional<time::Timestamp>* oldest,
                   const std::function<bool(const Order&)>& settle) {
  std::optional<SettleKey> after;
  std::set<std::string> seen;
  int handled = 0;
  bool complete = false;  // every due order was seen
  for (int page = 0; page < kMaxPages && handled < options_.batch; ++page) {
    absl::StatusOr<std::vector<Order>> orders =
        orders_.ListOrdersToSettle(kind, before, after, kListPage);
    if (!orders.ok()) {
      ++round.errors;
      log::Warn("settle: orders not listed", {{"error", orders.status().message()}});
      return false;
    }
    for (const Order& order : *orders) {
      seen.insert(order.id);
      after =
          SettleKey{kind == SettleKind::kExpired ? order.expires_at : order.updated_at, order.id};
      if (oldest != nullptr && !oldest->has_value()) *oldest = after->at;
      if (Waiting(backoff, order.id, now)) continue;
      if (handled >= options_.batch || !StillHeld()) return true;
      ++handled;
      Record(backoff, order.id, settle(order), now);
    }
    if (static_cast<int>(orders->size()) < kListPage) {
      complete = true;
      break;
    }
  }
  Trim(backoff, seen, complete, now);
  return true;
}

bool Settler::Waiting(const Backoffs& backoff, const std::string& key, time::Timestamp now) {
  auto it = backoff.find(key);
  return it != backoff.end() && it->second.next_at > now;
}

void Settler::Record(Backoffs& backoff, const std::string& key, bool settled,
                     time::Timestamp now) const {
  if (settled) {
    backoff.erase(key);
    return;
  }
  Backoff& b = backoff[key];
  b.attempts += 1;
  b.next_at = now + DelayAfter(b.attempts);
}

void Settler::Trim(Backoffs& backoff, const std::set<std::string>& seen, bool complete,
                   time::Timestamp now) const {
  // Items no longer due need no schedule. With part of the list unseen, only the entries long
  // past their time go (they are due again anyway).
  std::erase_if(backoff, [&](const auto& entry) {
    return complete ? !seen.contains(entry.first)
                    : entry.second.next_at + options_.reconcile_backoff_max < now;
  });
}

void Settler::ReconcileRefunds(time::Timestamp now, SettleRound& round) {
  absl::StatusOr<std::vector<RefundToSettle>> due =
      orders_.ListRefundsToSettle(now - options_.reconcile_after, kListPage);
  if (!due.ok()) {
    ++round.errors;
    log::Warn("settle: refunds not listed", {{"error", due.status().message()}});
    return;
  }
  std::set<std::string> seen;
  int handled = 0;
  for (const RefundToSettle& refund : *due) {
    const std::string& no = refund.refund.out_refund_no;
    seen.insert(no);
    if (Waiting(refund_backoff_, no, now)) continue;
    if (handled >= options_.batch || !StillHeld()) break;
    ++handled;
    ++round.refunds;
    absl::StatusOr<RefundStatus> status = logic_.ReconcileRefund(refund);
    const bool settled = status.ok() && *status != RefundStatus::kProcessing;
    orders_settled_.Inc({"refund", !status.ok() ? "error" : settled ? "settled" : "unchanged"});
    if (!status.ok()) {
      ++round.errors;
      log::Warn("settle: refund not reconciled",
                {{"out_refund_no", no}, {"error", status.status().message()}});
    }
    Record(refund_backoff_, no, settled, now);
  }
  Trim(refund_backoff_, seen, static_cast<int>(due->size()) < kListPage, now);
}

bool Settler::StillHeld() {
  absl::StatusOr<bool> held = lease_.Hold(lease_ttl_);
  if (held.ok() && !*held) {
    log::Warn("settle lease lost to another replica: round stopped", {});
    lease_held_.Set(0);
    return false;
  }
  return true;
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
