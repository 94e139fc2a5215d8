#pragma once

// An in-memory OrderApi with order's contract in small: owner checks, CREATED|PAYING → PAYING on
// RecordPrepay (for the current payment attempt or the next one), and ApplyPayment idempotent on
// the notification id and the transaction id (APPLIED, DUPLICATE, AMOUNT_MISMATCH, UNKNOWN_ORDER,
// IGNORED). Every write is recorded, and the whole service can be made unreachable.

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "services/payment/order_api.h"

namespace paymesh::payment::testing {

class FakeOrderApi final : public OrderApi {
 public:
  void PutOrder(Order order);
  std::optional<Order> GetOrder(const std::string& order_id) const;
  // While set, every call answers UNAVAILABLE and changes nothing.
  void SetUnavailable(bool unavailable);

  std::vector<std::pair<std::string, Prepay>> prepay_calls() const;
  std::vector<ApplyPaymentInput> apply_calls() const;

  absl::StatusOr<Order> GetOrderForPayment(const std::string& user_id,
                                           const std::string& order_id) override;
  absl::StatusOr<Order> RecordPrepay(const std::string& order_id, const Prepay& prepay) override;
  absl::StatusOr<Order> CloseOrder(const std::string& order_id, const std::string& user_id,
                                   const std::string& reason) override;
  // Orders of `kind` as order lists them (by expires_at, resp. updated_at, then id).
  absl::StatusOr<std::vector<Order>> ListOrdersToSettle(SettleKind kind, Timestamp before,
                                                        const std::optional<SettleKey>& after,
                                                        int limit) override;
  // (order id, reason) of every CloseOrder that changed an order.
  std::vector<std::pair<std::string, std::string>> close_calls() const;
  // The next ApplyPayment answers `status` and changes nothing.
  void FailNextApply(absl::Status status);
  // Answers inline: the refund takes the reported status (final ones stay), a SUCCESS refund of
  // the whole total makes the order REFUNDED, of less PARTIALLY_REFUNDED; an unknown order's is
  // answered without an order.
  void ApplyRefundReport(const RefundReportInput& input, const std::string& request_id,
                         RefundDone done) override;
  // A PROCESSING refund "RF-<n>" of a PAID order, without order's total check.
  absl::StatusOr<RequestedRefund> RequestRefund(const RefundRequestInput& input) override;
  // Refunds put here, PROCESSING ones only, as order would list them.
  void PutRefundToSettle(RefundToSettle refund);
  absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                  int limit) override;
  std::vector<RefundReportInput> refund_reports() const;
  // Answers inline.
  void ApplyPayment(const ApplyPaymentInput& input, const std::string& request_id,
                    ApplyDone done) override;

 private:
  absl::StatusOr<ApplyPaymentResult> Apply(const ApplyPaymentInput& input);

  mutable std::mutex mu_;
  bool unavailable_ = false;
  absl::Status fail_apply_;
  std::map<std::string, Order> orders_;
  std::set<std::string> seen_notifications_;
  std::set<std::string> seen_transactions_;
  std::vector<std::pair<std::string, Prepay>> prepay_calls_;
  std::vector<ApplyPaymentInput> apply_calls_;
  std::vector<std::pair<std::string, std::string>> close_calls_;
  std::vector<RefundReportInput> refund_reports_;
  std::map<std::string, RefundStatus> refunds_;  // by out_refund_no
  std::vector<RefundToSettle> to_settle_;
};

}  // namespace paymesh::payment::testing
