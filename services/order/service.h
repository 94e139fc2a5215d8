#pragma once

// gRPC adapter of paymesh.order.v1.OrderService: converts proto ↔ domain and runs OrderLogic
// on the worker pool (rpc::RunOnWorkers), so no gRPC thread ever waits on PostgreSQL.

#include <grpcpp/grpcpp.h>

#include "common/exec/worker_pool.h"
#include "paymesh/order/v1/order.grpc.pb.h"
#include "services/order/logic.h"

namespace paymesh::order {

class OrderGrpcService final : public v1::OrderService::CallbackService {
 public:
  // Both must outlive the gRPC server.
  OrderGrpcService(OrderLogic& logic, exec::WorkerPool& workers)
      : logic_(logic), workers_(workers) {}

  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const v1::ListProductsRequest* req,
                                         v1::ListProductsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* ctx,
                                        const v1::CreateOrderRequest* req,
                                        v1::CreateOrderResponse* resp) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* ctx,
                                     const v1::GetOrderRequest* req, v1::Order* resp) override;
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext* ctx,
                                       const v1::ListOrdersRequest* req,
                                       v1::ListOrdersResponse* resp) override;
  grpc::ServerUnaryReactor* GetOrderForPayment(grpc::CallbackServerContext* ctx,
                                               const v1::GetOrderForPaymentRequest* req,
                                               v1::Order* resp) override;
  grpc::ServerUnaryReactor* RecordPrepay(grpc::CallbackServerContext* ctx,
                                         const v1::RecordPrepayRequest* req,
                                         v1::Order* resp) override;
  grpc::ServerUnaryReactor* ApplyPayment(grpc::CallbackServerContext* ctx,
                                         const v1::ApplyPaymentRequest* req,
                                         v1::ApplyPaymentResponse* resp) override;

 private:
  OrderLogic& logic_;
  exec::WorkerPool& workers_;
};

// Exposed for tests. The prepay is shown only while the order is PAYING; times are RFC 3339
// UTC, "" when unset.
void ToProto(const Order& order, v1::Order* out);
PrepayInput FromProto(const v1::Prepay& prepay);
ApplyPaymentInput FromProto(const v1::ApplyPaymentRequest& req);

}  // namespace paymesh::order
