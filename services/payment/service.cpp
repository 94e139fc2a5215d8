#include "services/payment/service.h"

#include "common/error/status_macros.h"
#include "common/rpc/call.h"
#include "common/time/rfc3339.h"

namespace paymesh::payment {

grpc::ServerUnaryReactor* PaymentGrpcService::CreatePayment(grpc::CallbackServerContext* ctx,
                                                            const v1::CreatePaymentRequest* req,
                                                            v1::CreatePaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CreatePayment", [this, req, resp]() -> absl::Status {
    CreatePaymentInput input{req->user_id(), req->order_id(), req->channel(), req->client_ip()};
    ASSIGN_OR_RETURN(CreatePaymentResult result, logic_.CreatePayment(input));
    resp->set_order_id(result.order_id);
    resp->set_out_trade_no(result.out_trade_no);
    resp->set_channel(result.channel);
    resp->set_code_url(result.code_url);
    resp->set_expires_at(time::FormatUtc(result.expires_at));
    resp->set_reused(result.reused);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PaymentGrpcService::HandleNotification(
    grpc::CallbackServerContext* ctx, const v1::HandleNotificationRequest* req,
    v1::HandleNotificationResponse* resp) {
  return rpc::RunOnWorkers(
      ctx, workers_, "HandleNotification", [this, req, resp]() -> absl::Status {
        NotificationHeaders headers(req->headers().begin(), req->headers().end());
        ASSIGN_OR_RETURN(NotificationResult result,
                         logic_.HandleNotification(req->route(), headers, req->body()));
        resp->set_outcome(result.outcome);
        resp->set_event_type(result.event_type);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* PaymentGrpcService::QueryPayment(grpc::CallbackServerContext* ctx,
                                                           const v1::QueryPaymentRequest* req,
                                                           v1::QueryPaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "QueryPayment", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(QueryPaymentResult result,
                     logic_.QueryPayment(req->user_id(), req->order_id()));
    resp->set_trade_state(result.trade_state);
    resp->set_outcome(result.outcome);
    resp->set_order_state(result.order_state);
    return absl::OkStatus();
  });
}

}  // namespace paymesh::payment
