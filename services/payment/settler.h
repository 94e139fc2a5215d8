#pragma once

// The settling job: every interval, the replica holding the lease (lease.h)
//  1. expires: closes unpaid orders past their expires_at, at WeChat first (PaymentLogic::Close
//     with kCloseExpired: a payment made in the last instant is applied instead);
//  2. reconciles: asks WeChat about orders PAYING for `reconcile_after` or longer
//     (PaymentLogic::Reconcile), so that a payment whose every notification was lost still lands;
//  3. asks WeChat about refunds PROCESSING for as long (PaymentLogic::ReconcileRefund), sending
//     again one WeChat never received.
// An order the job could not settle is tried again after a back-off that starts at
// `reconcile_after` and doubles up to `reconcile_backoff_max`; the lists are read page by page
// past orders waiting out their back-off, so that none holds up the others. At most `batch`
// orders per job per round; the lease is renewed before each one, and a round stops once
// another replica holds it.
// Metrics: payment_settle_orders_total{job,result}, payment_oldest_paying_order_age_seconds,
// payment_settle_lease_held.
//
// Runs on its own thread; every call it makes blocks with a deadline (WeChat, order, Redis).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/metrics/metrics.h"
#include "common/time/clock.h"
#include "services/payment/lease.h"
#include "services/payment/logic.h"
#include "services/payment/order_api.h"

namespace paymesh::payment {

struct SettlerOptions {
  std::chrono::milliseconds interval{10'000};       // PAYMENT_SETTLE_INTERVAL_MS
  std::chrono::seconds reconcile_after{60};         // PAYMENT_RECONCILE_AFTER_SECONDS
  std::chrono::seconds reconcile_backoff_max{600};  // PAYMENT_RECONCILE_BACKOFF_MAX_SECONDS
  int batch = 100;  // PAYMENT_SETTLE_BATCH: orders per job per round
};

// What one round did, for tests and the round's log line.
struct SettleRound {
  bool ran = false;  // false: another replica holds the lease
  int expired = 0;   // closed here because they expired
  int queried = 0;   // asked WeChat about
  int paid = 0;      // payments applied (by close or query)
  int refunds = 0;   // refunds asked about
  int errors = 0;
};

class Settler {
 public:
  // Every reference must outlive the settler.
  Settler(PaymentLogic& logic, OrderApi& orders, Lease& lease, const time::Clock& clock,
          SettlerOptions options);
  ~Settler();  // Stop()

  // One round, on the calling thread.
  SettleRound RunOnce();
  // Rounds on a thread of its own until Stop().
  void Start();
  void Stop();

 private:
  struct Backoff {
    int attempts = 0;
    time::Timestamp next_at{};
  };

  using Backoffs = std::map<std::string, Backoff>;  // by order id
  // Hands the orders of `kind` due at `before` that are not waiting out a back-off to `settle`
  // (true: settled, false: try again later), page by page, until `batch` were handled, the list
  // ends or the lease is lost. False when the list could not be read.
  // The first order's time goes to `oldest` when given.
  bool Walk(SettleKind kind, time::Timestamp before, time::Timestamp now, Backoffs& backoff,
            SettleRound& round, std::optional<time::Timestamp>* oldest,
            const std::function<bool(const Order&)>& settle);
  void ReconcileRefunds(time::Timestamp now, SettleRound& round);
  // The back-off of one job's items, by key: still waiting; settled (forgotten) or tried again
  // after DelayAfter; entries of items no longer listed dropped (`complete`: the whole list was
  // seen; otherwise only entries long past their time).
  static bool Waiting(const Backoffs& backoff, const std::string& key, time::Timestamp now);
  void Record(Backoffs& backoff, const std::string& key, bool settled, time::Timestamp now) const;
  void Trim(Backoffs& backoff, const std::set<std::string>& seen, bool complete,
            time::Timestamp now) const;
  // Still this replica's turn: renews the lease (a lease store that cannot answer does not stop
  // the job).
  bool StillHeld();
  void Count(const char* job, const absl::StatusOr<SettleResult>& result, SettleRound& round);
  std::chrono::seconds DelayAfter(int attempts) const;

  PaymentLogic& logic_;
  OrderApi& orders_;
  Lease& lease_;
  const time::Clock& clock_;
  const SettlerOptions options_;
  std::chrono::milliseconds lease_ttl_;
  Backoffs expire_backoff_;  // the job's thread only
  Backoffs reconcile_backoff_;
  Backoffs refund_backoff_;  // by out_refund_no

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;

  metrics::Counter& orders_settled_;
  metrics::Gauge& oldest_paying_;
  metrics::Gauge& lease_held_;
};

}  // namespace paymesh::payment
