#pragma once

// In-memory OrderStore for unit tests: same contract as PgOrderStore (ownership, idempotency,
// newest-first paging, the payment inbox and ApplyPayments' rules, held equal by the store
// contract test), plus knobs to inspect writes and to simulate failures.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/order/logic.h"
#include "services/order/store.h"

namespace paymesh::order::testing {

class FakeOrderStore : public OrderStore {
 public:
  // New orders are stamped with `clock`, which must outlive the store.
  explicit FakeOrderStore(const time::Clock& clock);

  void PutProduct(Product product);
  // The next `n` InsertOrder calls fail with ABORTED, as a taken out_trade_no would.
  void FailNextInserts(int n);
  // FindByIdempotencyKey finds nothing, as when a concurrent request has not committed yet:
  // the key conflict then surfaces in InsertOrder.
  void HideIdempotencyLookups(bool hide);
  // ORDER_LATE_PAYMENT_POLICY: "refund" (true: what order configures by default) or "flag".
  void RefundLatePayments(bool refund) { refund_late_payments_ = refund; }

  // One audit row, as order_events holds it.
  struct Event {
    std::string order_id;
    std::string event_type;
    OrderState from_state;
    OrderState to_state;
    EventDetail detail;
    Timestamp at{};
  };

  // The next ApplyPayments call fails with `status` and writes nothing.
  void FailNextApply(absl::Status status);
  // Puts an order in a state no RPC reaches yet (e.g. CLOSED).
  void SetState(const std::string& order_id, OrderState state);
  // Every event of RecordPrepay/ApplyPayment changes, oldest first ('created' is not kept).
  std::vector<Event> events() const;
  // The recorded outcome of a notification id, or nullopt if it was never received.
  std::optional<PaymentOutcome> inbox_outcome(const std::string& notification_id) const;
  // The payment recorded under a transaction id, if any, and its order ("" for none).
  struct RecordedPayment {
    PaymentNotice notice;
    std::string order_id;
  };
  std::optional<RecordedPayment> payment(const std::string& transaction_id) const;

  // Every NewOrder passed to InsertOrder, including failed and deduplicated ones.
  std::vector<NewOrder> insert_calls() const;
  size_t order_count() const;

  absl::StatusOr<std::vector<Product>> ListActiveProducts() override;
  absl::StatusOr<std::vector<Product>> FindProducts(const std::vector<std::string>& skus) override;
  absl::StatusOr<InsertResult> InsertOrder(const NewOrder& order) override;
  absl::StatusOr<std::optional<StoredOrder>> FindByIdempotencyKey(
      const std::string& user_id, const std::string& idempotency_key) override;
  absl::StatusOr<Order> GetOrder(const std::string& user_id, const std::string& order_id) override;
  absl::StatusOr<std::vector<Order>> ListOrders(const std::string& user_id,
                                                const std::optional<PageKey>& after,
                                                int limit) override;
  absl::StatusOr<Order> GetOrderById(const std::string& order_id) override;
  absl::StatusOr<Order> GetOrderByOutTradeNo(const std::string& out_trade_no) override;
  absl::StatusOr<Order> UpdateOrder(const std::string& order_id,
                                    const OrderDecider& decide) override;
  absl::StatusOr<RefundResult> UpdateRefunds(const std::string& order_id,
                                             const RefundDecider& decide) override;
  absl::StatusOr<std::vector<Refund>> ListRefunds(const std::string& order_id) override;
  absl::Status RecordUnmatchedRefund(const RefundReport& report) override;
  absl::StatusOr<std::vector<OrderEvent>> ListEvents(const std::string& order_id,
                                                     int limit) override;
  // Per out_refund_no: the report as kept (status only forward, the first amount) and how many
  // arrived.
  std::map<std::string, std::pair<RefundReport, int>> unmatched_refunds() const;
  absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                  int limit) override;
  absl::StatusOr<PaymentOutcome> RecordRejectedReport(const RejectedReport& report) override;
  absl::StatusOr<std::vector<Order>> ListOrdersToSettle(SettleKind kind, Timestamp before,
                                                        const std::optional<SettleKey>& after,
                                                        int limit) override;
  absl::StatusOr<std::vector<PaymentResult>> ApplyPayments(
      const std::vector<PaymentNotice>& notices, Timestamp now) override;

 private:
  Order* Find(const std::string& order_id);  // requires mu_
  Order* FindByOutTradeNo(const std::string& out_trade_no);
  void Write(Order& order, const OrderChange& change);
  PaymentResult ApplyOne(const PaymentNotice& notice, Timestamp now);  // requires mu_

  const time::Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Product> products_;
  std::vector<StoredOrder> orders_;
  std::map<std::pair<std::string, std::string>, size_t> by_key_;  // (user, key) → orders_ index
  std::vector<NewOrder> insert_calls_;
  std::vector<Event> events_;
  std::map<std::string, PaymentOutcome> inbox_;      // notification id → outcome
  std::map<std::string, RecordedPayment> payments_;  // transaction id → report
  std::vector<Refund> refunds_;                      // oldest first
  bool refund_late_payments_ = true;
  std::map<std::string, std::pair<RefundReport, int>> unmatched_refunds_;
  void InsertRefund(const std::string& order_id, Refund refund);
  int fail_inserts_ = 0;
  absl::Status fail_applies_;
  bool hide_lookups_ = false;
};

}  // namespace paymesh::order::testing
