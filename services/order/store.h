#pragma once

// Persistence of the catalogue and of orders. PgOrderStore is the real one; FakeOrderStore
// (testing/) backs the unit tests. Implementations are blocking and thread-safe: call them from
// worker threads only.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/order/types.h"

namespace paymesh::order {

// A priced order ready to be written.
struct NewOrder {
  std::string user_id;
  std::string out_trade_no;
  int64_t total_fen = 0;
  std::string currency = kCurrencyCny;
  std::vector<OrderItem> items;
  std::string idempotency_key;  // "" = none
  std::string request_hash;     // set with idempotency_key
  Timestamp expires_at{};
};

// Where a settling job's list goes on: after this order (by expires_at, resp. updated_at).
struct SettleKey {
  Timestamp at{};
  std::string id;
};

// Which open orders a settling job wants (OrderStore::ListOrdersToSettle). Flagged orders are
// never listed: a person decides what happens to them.
enum class SettleKind {
  kExpired,  // CREATED, PAYING or PAY_FAILED with expires_at at or before `before`: to close
  kPaying,   // PAYING since (updated_at) at or before `before`: to ask WeChat about
};

// An order with the request hash it was created under ("" without an idempotency key).
struct StoredOrder {
  Order order;
  std::string request_hash;
};

struct InsertResult {
  StoredOrder stored;
  bool inserted = false;  // false: the idempotency key existed and `stored` is that order
};

// The audit detail of an order event (order_events.detail); unset fields are left out. Never
// holds secrets or the payer's openid.
struct EventDetail {
  std::string transaction_id;
  std::string notification_id;
  std::optional<ReportSource> source;
  std::optional<Channel> channel;
  std::optional<Timestamp> expires_at;
  std::optional<int64_t> reported_fen;
  std::optional<int64_t> expected_fen;
  std::optional<int> attempt;  // a prepay of a new payment attempt
  std::string out_refund_no;   // a refund's
  std::optional<int64_t> refund_fen;
  std::string reason;  // why an order was closed ("cancelled", "expired")
};

// One row of the audit trail, as ListEvents reads it.
struct OrderEvent {
  std::string event_type;
  std::optional<OrderState> from_state;  // none for "created"
  OrderState to_state = OrderState::kCreated;
  Timestamp at{};
  EventDetail detail;
};

// A change to one order, decided by OrderLogic while the store holds the order's row lock and
// written with its event in the same transaction. An empty event_type leaves the order as is.
struct OrderChange {
  std::string event_type;
  OrderState to_state = OrderState::kCreated;
  EventDetail detail;
  std::optional<Prepay> prepay;  // set: replaces the prepay
  std::string transaction_id;    // non-empty: the order was paid by it, at paid_at
  Timestamp paid_at{};
  bool late_payment = false;  // true: sets late_payment
  std::string flag_reason;    // non-empty: sets flagged and adds this reason to the order's
};

// A change to an order's refunds (and the order), decided by OrderLogic while the store holds
// the order's row lock, written in the same transaction.
struct RefundChange {
  std::optional<Refund> insert;  // a new refund; the store assigns its id and times
  std::optional<Refund> update;  // the refund with this out_refund_no takes its status, refund_id
  OrderChange order;             // with its event; an empty event_type leaves the order as is
  std::string subject;           // out_refund_no of the refund the result is about
};
// A refund WeChat is still processing, with what asking about it again takes.
struct RefundToSettle {
  Refund refund;
  std::string out_trade_no;    // the order's current payment attempt's
  std::string transaction_id;  // the payment's
  int64_t total_fen = 0;
};

// The order and its refunds (oldest first) after a refund change, and the refund it concerned.
struct RefundResult {
  Order order;
  std::vector<Refund> refunds;
  std::optional<Refund> refund;
};

// Decides the change for a locked order; an error aborts the transaction unchanged. Must be
// pure (the store may run it again when it retries a serialization failure) and must not
// return ABORTED.
using OrderDecider = std::function<absl::StatusOr<OrderChange>(const Order& locked)>;
// Decides a refund change; sees the locked order and all its refunds. Same rules as
// OrderDecider.
using RefundDecider = std::function<absl::StatusOr<RefundChange>(
    const Order& locked, const std::vector<Refund>& refunds)>;

class OrderStore {
 public:
  virtual ~OrderStore() = default;

  // Active products, by sku.
  virtual absl::StatusOr<std::vector<Product>> ListActiveProducts() = 0;
  // The products (active or not) among `skus`; unknown skus are simply absent.
  virtual absl::StatusOr<std::vector<Product>> FindProducts(
      const std::vector<std::string>& skus) = 0;

  // Writes the order, its items and a 'created' event in one transaction. When the user already
  // has an order under the same idempotency key, writes nothing and returns that order with
  // inserted=false (concurrent callers all see the single winner). ABORTED when the
  // out_trade_no is taken: the caller retries with a new one.
  virtual absl::StatusOr<InsertResult> InsertOrder(const NewOrder& order) = 0;

  virtual absl::StatusOr<std::optional<StoredOrder>> FindByIdempotencyKey(
      const std::string& user_id, const std::string& idempotency_key) = 0;

  // NOT_FOUND unless the order exists and belongs to the user. `order_id` must already be a
  // syntactically valid uuid.
  virtual absl::StatusOr<Order> GetOrder(const std::string& user_id,
                                         const std::string& order_id) = 0;

  // NOT_FOUND unless the order exists (any owner). `order_id` must be a valid uuid.
  virtual absl::StatusOr<Order> GetOrderById(const std::string& order_id) = 0;
  virtual absl::StatusOr<Order> GetOrderByOutTradeNo(const std::string& out_trade_no) = 0;

  // Locks the order, lets `decide` choose the change and writes it with its event, all in one
  // transaction; returns the order as it is afterwards. NOT_FOUND for an unknown order;
  // otherwise decide's error, with nothing written.
  virtual absl::StatusOr<Order> UpdateOrder(const std::string& order_id,
                                            const OrderDecider& decide) = 0;

  // Locks the order, reads its refunds, lets `decide` choose the change and writes it (refund
  // row, order change, event) in one transaction. Returns the order and refunds afterwards, and
  // the change's subject. NOT_FOUND for an unknown order; ALREADY_EXISTS when an inserted
  // refund's out_refund_no or (order, idempotency key) is taken.
  virtual absl::StatusOr<RefundResult> UpdateRefunds(const std::string& order_id,
                                                     const RefundDecider& decide) = 0;
  virtual absl::StatusOr<std::vector<Refund>> ListRefunds(const std::string& order_id) = 0;
  // The order's audit events, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<OrderEvent>> ListEvents(const std::string& order_id,
                                                             int limit) = 0;
  // Keeps a refund report for an order this store does not know: one row per out_refund_no,
  // its status only moving forward (a final one stays), the first amount kept, deliveries
  // counted.
  virtual absl::Status RecordUnmatchedRefund(const RefundReport& report) = 0;
  // Up to `limit` PROCESSING refunds last changed at or before `before`, oldest first.
  virtual absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                          int limit) = 0;

  // Up to `limit` unflagged orders of `kind`, oldest first (by expires_at, resp. updated_at,
  // then id), after `after` when set.
  virtual absl::StatusOr<std::vector<Order>> ListOrdersToSettle(
      SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) = 0;

  // Applies validated payment reports, all in one transaction (one round trip for the real
  // store), and returns one result per notice, in the same order. For each report:
  //  1. its notification_id is recorded in the inbox; one seen before → DUPLICATE, nothing
  //     else written;
  //  2. not a successful payment (trade_state other than SUCCESS) → IGNORED;
  //  3. the order is locked by out_trade_no; none → the payment is kept with no order,
  //     UNKNOWN_ORDER;
  //  4. the payment is recorded; a transaction_id seen before → DUPLICATE;
  //  5. the change below is written to the order with its audit event;
  //  6. the outcome is recorded in the inbox row.
  // The change (docs/architecture.md, "Order states"): an amount or currency that differs from
  // the order's flags it (AMOUNT_MISMATCH, event amount_mismatch, state unchanged); an order
  // already paid by the same transaction → DUPLICATE; by another one → flagged
  // duplicate_payment (DUPLICATE_PAYMENT, state unchanged); CREATED/PAYING/PAY_FAILED → PAID
  // (event paid); CLOSED → PAID with late_payment and a flag (event late_payment). Flag reasons
  // accumulate ("; "-separated), never replace one another. paid_at is the reported
  // success_time, else `now`. Reports are applied one after the other, so two deliveries of one
  // notification, or two reports of one order, in one call are applied exactly once; concurrent
  // calls serialize on the inbox and payment keys and the order's row lock. All or nothing: on
  // error nothing was written. UNAVAILABLE (incl. commit outcome unknown) or ABORTED: retry; any
  // other code means some report broke a constraint — apply them one by one to tell which.
  virtual absl::StatusOr<std::vector<PaymentResult>> ApplyPayments(
      const std::vector<PaymentNotice>& notices, Timestamp now) = 0;
  // Stores a report that cannot be applied in the inbox with outcome REJECTED and the reason;
  // nothing else changes. Idempotent on the notification id: one seen before → its earlier
  // outcome stands and DUPLICATE is answered.
  virtual absl::StatusOr<PaymentOutcome> RecordRejectedReport(const RejectedReport& report) = 0;

  // Up to `limit` of the user's orders, newest first by (created_at, id), strictly after
  // `after` when given.
  virtual absl::StatusOr<std::vector<Order>> ListOrders(const std::string& user_id,
                                                        const std::optional<PageKey>& after,
                                                        int limit) = 0;
};

}  // namespace paymesh::order
