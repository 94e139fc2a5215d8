#pragma once

// OrderApi over gRPC: blocking calls to paymesh.order.v1.OrderService, each with a deadline and
// the x-request-id of the calling thread's log RequestScope. Thread-safe (gRPC stubs are);
// calls block, so use it from worker threads.

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
  absl::StatusOr<ApplyPaymentResult> ApplyPayment(const ApplyPaymentInput& input) override;

 private:
  std::unique_ptr<order::v1::OrderService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

// Conversions, exposed for tests. INTERNAL when order sent a malformed created_at; a prepay
// whose expires_at cannot be read is dropped (it will be replaced, never reused).
absl::StatusOr<Order> OrderFromProto(const order::v1::Order& proto);
void PrepayToProto(const Prepay& prepay, order::v1::Prepay* out);
void ReportToProto(const PaymentReport& report, order::v1::PaymentReport* out);

}  // namespace paymesh::payment
