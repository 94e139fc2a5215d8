#pragma once

// The order service as payment sees it: the only way payment reads or changes an order.
// GrpcOrderClient (grpc_order_client.h) is the real one, testing/fake_order_api.h the fake.
//
// Every call is a gRPC call with a deadline, carrying the request id. GetOrderForPayment and
// RecordPrepay block: call them from worker threads. ApplyPayment does not block: `done` runs
// once, on a gRPC thread (or inline), when order has answered. Codes: NOT_FOUND for an unknown
// or foreign order; FAILED_PRECONDITION for a state that refuses the change; INVALID_ARGUMENT
// for a report order refuses; UNAVAILABLE / DEADLINE_EXCEEDED when order cannot be reached in
// time (the caller must not assume anything was written).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/payment/types.h"

namespace paymesh::payment {

class OrderApi {
 public:
  virtual ~OrderApi() = default;

  // The order, which must belong to `user_id`.
  virtual absl::StatusOr<Order> GetOrderForPayment(const std::string& user_id,
                                                   const std::string& order_id) = 0;
  // CREATED or PAYING → PAYING with this prepay. Idempotent.
  virtual absl::StatusOr<Order> RecordPrepay(const std::string& order_id, const Prepay& prepay) = 0;
  // Applies what WeChat reported, idempotently on the notification id and the transaction id.
  // A transaction that cannot be put on the contract (a success_time that does not parse), or
  // that order refuses, is stored as REJECTED (outcome REJECTED) instead.
  // CREATED / PAYING / PAY_FAILED → CLOSED for `reason` (types.h kClose*), audited; a CLOSED
  // order is answered as it is. Call it only once WeChat has closed the order too. With
  // `user_id`, the order must be theirs. FAILED_PRECONDITION for a paid order.
  virtual absl::StatusOr<Order> CloseOrder(const std::string& order_id, const std::string& user_id,
                                           const std::string& reason) = 0;
  // Up to `limit` (1..500) open, unflagged orders of `kind`, oldest first, after `after` when
  // set: kExpired, unpaid with expires_at <= before; kPaying, PAYING since (updated_at) <= before.
  virtual absl::StatusOr<std::vector<Order>> ListOrdersToSettle(
      SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) = 0;
  // Reserves a refund (order's RequestRefund): the order as it is and the refund, PROCESSING
  // with its out_refund_no (an idempotent replay answers the refund made the first time).
  struct RequestedRefund {
    Order order;
    RefundView refund;
  };
  virtual absl::StatusOr<RequestedRefund> RequestRefund(const RefundRequestInput& input) = 0;
  // Up to `limit` (1..500) PROCESSING refunds last changed at or before `before`, oldest first.
  virtual absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                          int limit) = 0;
  // Applies what WeChat said of a refund (order's ApplyRefundReport); like ApplyPayment, does
  // not block: `done` runs once when order has answered.
  using RefundDone = std::function<void(absl::StatusOr<RefundApplied>)>;
  virtual void ApplyRefundReport(const RefundReportInput& input, const std::string& request_id,
                                 RefundDone done) = 0;
  using ApplyDone = std::function<void(absl::StatusOr<ApplyPaymentResult>)>;
  virtual void ApplyPayment(const ApplyPaymentInput& input, const std::string& request_id,
                            ApplyDone done) = 0;
};

}  // namespace paymesh::payment
