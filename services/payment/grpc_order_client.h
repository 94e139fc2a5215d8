#pragma once

// OrderApi over gRPC: calls to paymesh.order.v1.OrderService, each with a deadline and the
// request id (the calling thread's log RequestScope for the blocking calls). Thread-safe (gRPC
// stubs are). The decrypted transaction is put on the contract here, and only here.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "paymesh/order/v1/order.grpc.pb.h"
#include "services/payment/order_api.h"

namespace paymesh::payment {

class GrpcOrderClient final : public OrderApi {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{2500};

  GrpcOrderClient(std::shared_ptr<grpc::Channel> channel,
                  std::chrono::milliseconds timeout = kDefaultTimeout);

  absl::StatusOr<Order> GetOrderForPayment(const std::string& user_id,
                                           const std::string& order_id) override;
  absl::StatusOr<Order> RecordPrepay(const std::string& order_id, const Prepay& prepay) override;
  absl::StatusOr<Order> CloseOrder(const std::string& order_id, const std::string& user_id,
                                   const std::string& reason) override;
  absl::StatusOr<std::vector<Order>> ListOrdersToSettle(SettleKind kind, Timestamp before,
                                                        const std::optional<SettleKey>& after,
                                                        int limit) override;
  void ApplyPayment(const ApplyPaymentInput& input, const std::string& request_id,
                    ApplyDone done) override;
  absl::StatusOr<RequestedRefund> RequestRefund(const RefundRequestInput& input) override;
  absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                  int limit) override;
  void ApplyRefundReport(const RefundReportInput& input, const std::string& request_id,
                         RefundDone done) override;

 private:
  std::unique_ptr<order::v1::OrderService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

// Conversions, exposed for tests. INTERNAL when order sent a malformed created_at or
// expires_at (an order from before expires_at existed is given created_at + 30 min); a prepay
// whose expires_at cannot be read is dropped (it will be replaced, never reused).
absl::StatusOr<Order> OrderFromProto(const order::v1::Order& proto);
void PrepayToProto(const Prepay& prepay, order::v1::Prepay* out);
// INVALID_ARGUMENT when success_time is not an RFC 3339 time.
absl::Status ReportToProto(const wechatpay::Transaction& tx, order::v1::PaymentReport* out);

}  // namespace paymesh::payment
