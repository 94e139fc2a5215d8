#pragma once

// gRPC adapter of paymesh.order.v1.OrderService: converts proto ↔ domain and runs OrderLogic
// on the worker pool (rpc::RunOnWorkers), so no gRPC thread ever waits on PostgreSQL.
// ApplyPayment is checked on the gRPC thread and then handed to the PaymentBatcher, whose
// executor answers it after the group commit.

#include <grpcpp/grpcpp.h>

#include "common/exec/worker_pool.h"
#include "common/rpc/access.h"
#include "paymesh/order/v1/order.grpc.pb.h"
#include "services/order/logic.h"
#include "services/order/payment_batcher.h"

namespace paymesh::order {

class OrderGrpcService final : public v1::OrderService::CallbackService {
 public:
  // All must outlive the gRPC server.
  OrderGrpcService(OrderLogic& logic, exec::WorkerPool& workers, PaymentBatcher& payments)
      : logic_(logic), workers_(workers), payments_(payments) {}

  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const v1::ListProductsRequest* req,
                                         v1::ListProductsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* ctx,
                                        const v1::CreateOrderRequest* req,
                                        v1::CreateOrderResponse* resp) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* ctx,
                                     const v1::GetOrderRequest* req, v1::Order* resp) override;
  grpc::ServerUnaryReactor* ListOrderEvents(grpc::CallbackServerContext* ctx,
                                            const v1::GetOrderRequest* req,
                                            v1::ListOrderEventsResponse* resp) override;
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext* ctx,
                                       const v1::ListOrdersRequest* req,
                                       v1::ListOrdersResponse* resp) override;
  grpc::ServerUnaryReactor* GetOrderForPayment(grpc::CallbackServerContext* ctx,
                                               const v1::GetOrderForPaymentRequest* req,
                                               v1::Order* resp) override;
  grpc::ServerUnaryReactor* CloseOrder(grpc::CallbackServerContext* ctx,
                                       const v1::CloseOrderRequest* req, v1::Order* resp) override;
  grpc::ServerUnaryReactor* RequestRefund(grpc::CallbackServerContext* ctx,
                                          const v1::RequestRefundRequest* req,
                                          v1::RefundResponse* resp) override;
  grpc::ServerUnaryReactor* ApplyRefundReport(grpc::CallbackServerContext* ctx,
                                              const v1::ApplyRefundReportRequest* req,
                                              v1::RefundResponse* resp) override;
  grpc::ServerUnaryReactor* ListRefunds(grpc::CallbackServerContext* ctx,
                                        const v1::ListRefundsRequest* req,
                                        v1::ListRefundsResponse* resp) override;
  grpc::ServerUnaryReactor* ListRefundsToSettle(grpc::CallbackServerContext* ctx,
                                                const v1::ListRefundsToSettleRequest* req,
                                                v1::ListRefundsToSettleResponse* resp) override;
  grpc::ServerUnaryReactor* ListOrdersToSettle(grpc::CallbackServerContext* ctx,
                                               const v1::ListOrdersToSettleRequest* req,
                                               v1::ListOrdersToSettleResponse* resp) override;
  grpc::ServerUnaryReactor* RecordPrepay(grpc::CallbackServerContext* ctx,
                                         const v1::RecordPrepayRequest* req,
                                         v1::Order* resp) override;
  grpc::ServerUnaryReactor* ApplyPayment(grpc::CallbackServerContext* ctx,
                                         const v1::ApplyPaymentRequest* req,
                                         v1::ApplyPaymentResponse* resp) override;

 private:
  OrderLogic& logic_;
  exec::WorkerPool& workers_;
  PaymentBatcher& payments_;
};

// Exposed for tests. The prepay is set only while HasActivePrepay(order, now).
void ToProto(const Order& order, Timestamp now, v1::Order* out);
void ToProto(const Refund& refund, v1::Refund* out);
v1::OrderState ToProto(OrderState state);
v1::PaymentOutcome ToProto(PaymentOutcome outcome);
// INVALID_ARGUMENT for an unknown channel or source, a time out of range, or (for a report)
// anything ValidatePaymentNotice refuses.
absl::StatusOr<Prepay> FromProto(const v1::Prepay& prepay);
absl::StatusOr<PaymentNotice> FromProto(const v1::ApplyPaymentRequest& req);

// Who may call what: the payment-side methods (prepay, payments, closing, refunds, the settling
// job's lists) answer payment alone; the gateway has the shop's read and create methods.
rpc::AccessPolicy OrderAccessPolicy();

}  // namespace paymesh::order
