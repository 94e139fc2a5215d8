#pragma once

// gRPC adapter of paymesh.payment.v1.PaymentService: converts proto ↔ domain. CreatePayment,
// QueryPayment and CancelPayment run PaymentLogic on the worker pool (rpc::RunOnWorkers, metrics
// prefix "payment"), so no gRPC thread ever waits on WeChat or order; HandleNotification checks on
// the gRPC thread and answers when order's asynchronous reply arrives.

#include <grpcpp/grpcpp.h>

#include "common/exec/worker_pool.h"
#include "common/rpc/access.h"
#include "paymesh/payment/v1/payment.grpc.pb.h"
#include "services/payment/logic.h"

namespace paymesh::payment {

class PaymentGrpcService final : public v1::PaymentService::CallbackService {
 public:
  // Both must outlive the gRPC server.
  PaymentGrpcService(PaymentLogic& logic, exec::WorkerPool& workers)
      : logic_(logic), workers_(workers) {}

  grpc::ServerUnaryReactor* CreatePayment(grpc::CallbackServerContext* ctx,
                                          const v1::CreatePaymentRequest* req,
                                          v1::CreatePaymentResponse* resp) override;
  grpc::ServerUnaryReactor* HandleNotification(grpc::CallbackServerContext* ctx,
                                               const v1::HandleNotificationRequest* req,
                                               v1::HandleNotificationResponse* resp) override;
  grpc::ServerUnaryReactor* QueryPayment(grpc::CallbackServerContext* ctx,
                                         const v1::QueryPaymentRequest* req,
                                         v1::QueryPaymentResponse* resp) override;
  grpc::ServerUnaryReactor* CreateRefund(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRefundRequest* req,
                                         v1::CreateRefundResponse* resp) override;
  grpc::ServerUnaryReactor* CancelPayment(grpc::CallbackServerContext* ctx,
                                          const v1::CancelPaymentRequest* req,
                                          v1::QueryPaymentResponse* resp) override;

 private:
  PaymentLogic& logic_;
  exec::WorkerPool& workers_;
};

// Exposed for tests.
void ToProto(const NotificationAnswer& answer, v1::HandleNotificationResponse* out);
void ToProto(const SettleResult& result, v1::QueryPaymentResponse* out);

// Who may call what: every method is the gateway's (the shop's payments and refunds, WeChat's
// notifications); the notify gateway's own identity may only pass notifications on.
rpc::AccessPolicy PaymentAccessPolicy();

}  // namespace paymesh::payment
