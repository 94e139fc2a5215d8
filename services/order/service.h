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

 private:
  OrderLogic& logic_;
  exec::WorkerPool& workers_;
};

// Exposed for tests.
void ToProto(const Order& order, v1::Order* out);

}  // namespace paymesh::order
