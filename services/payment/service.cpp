#include "services/payment/service.h"

#include <string>
#include <utility>

#include "common/error/status_macros.h"
#include "common/rpc/call.h"
#include "common/rpc/timestamp.h"

namespace paymesh::payment {
namespace {

static_assert(static_cast<int>(Verdict::kAck) == v1::VERDICT_ACK);
static_assert(static_cast<int>(Verdict::kRetry) == v1::VERDICT_RETRY);
static_assert(static_cast<int>(Verdict::kReject) == v1::VERDICT_REJECT);
static_assert(v1::Verdict_MAX == v1::VERDICT_REJECT);
static_assert(static_cast<int>(RejectReason::kUnverified) == v1::REJECT_REASON_UNVERIFIED);
static_assert(static_cast<int>(RejectReason::kMalformed) == v1::REJECT_REASON_MALFORMED);
static_assert(v1::RejectReason_MAX == v1::REJECT_REASON_MALFORMED);
// OrderState, Channel and PaymentOutcome: see grpc_order_client.cpp.

}  // namespace

void ToProto(const NotificationAnswer& answer, v1::HandleNotificationResponse* out) {
  out->set_verdict(static_cast<v1::Verdict>(answer.verdict));
  out->set_reject_reason(static_cast<v1::RejectReason>(answer.reject_reason));
  out->set_fail_message(answer.fail_message);
  out->set_event_type(answer.event_type);
  out->set_outcome(static_cast<order::v1::PaymentOutcome>(answer.outcome));
}

grpc::ServerUnaryReactor* PaymentGrpcService::CreatePayment(grpc::CallbackServerContext* ctx,
                                                            const v1::CreatePaymentRequest* req,
                                                            v1::CreatePaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CreatePayment", [this, req, resp]() -> absl::Status {
    const Channel channel = order::v1::Channel_IsValid(req->channel())
                                ? static_cast<Channel>(req->channel())
                                : Channel::kUnspecified;
    CreatePaymentInput input{req->user_id(), req->order_id(), channel, req->client_ip()};
    ASSIGN_OR_RETURN(CreatePaymentResult result, logic_.CreatePayment(input));
    resp->set_order_id(result.order_id);
    resp->set_out_trade_no(result.out_trade_no);
    resp->set_channel(static_cast<order::v1::Channel>(result.channel));
    resp->set_code_url(result.code_url);
    rpc::ToProto(result.expires_at, resp->mutable_expires_at());
    resp->set_reused(result.reused);
    resp->set_h5_url(result.h5_url);
    if (!result.bridge.package.empty()) {
      v1::PaymentBridge* b = resp->mutable_bridge();
      b->set_app_id(result.bridge.app_id);
      b->set_time_stamp(result.bridge.time_stamp);
      b->set_nonce_str(result.bridge.nonce_str);
      b->set_package(result.bridge.package);
      b->set_sign_type(result.bridge.sign_type);
      b->set_pay_sign(result.bridge.pay_sign);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PaymentGrpcService::HandleNotification(
    grpc::CallbackServerContext* ctx, const v1::HandleNotificationRequest* req,
    v1::HandleNotificationResponse* resp) {
  // Checked right here (CPU only) and handed to order asynchronously: no worker thread waits.
  rpc::PendingCall call(ctx, "HandleNotification");
  NotificationHeaders headers(req->headers().begin(), req->headers().end());
  logic_.HandleNotification(req->route(), headers, req->body(), call.request_id(),
                            [call, resp](NotificationAnswer answer) {
                              ToProto(answer, resp);
                              call.Finish(absl::OkStatus());
                            });
  return call.reactor();
}

grpc::ServerUnaryReactor* PaymentGrpcService::QueryPayment(grpc::CallbackServerContext* ctx,
                                                           const v1::QueryPaymentRequest* req,
                                                           v1::QueryPaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "QueryPayment", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(SettleResult result, logic_.QueryPayment(req->user_id(), req->order_id()));
    ToProto(result, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PaymentGrpcService::CancelPayment(grpc::CallbackServerContext* ctx,
                                                            const v1::CancelPaymentRequest* req,
                                                            v1::QueryPaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CancelPayment", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(SettleResult result, logic_.CancelPayment(req->user_id(), req->order_id()));
    ToProto(result, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PaymentGrpcService::CreateRefund(grpc::CallbackServerContext* ctx,
                                                           const v1::CreateRefundRequest* req,
                                                           v1::CreateRefundResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CreateRefund", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(CreateRefundResult r,
                     logic_.CreateRefund({req->order_id(), req->amount_fen(), req->reason(),
                                          req->idempotency_key(), req->requested_by()}));
    resp->set_order_id(r.order_id);
    resp->set_order_state(static_cast<order::v1::OrderState>(r.order_state));
    resp->set_out_refund_no(r.refund.out_refund_no);
    resp->set_amount_fen(r.refund.amount_fen);
    resp->set_status(static_cast<order::v1::RefundStatus>(r.refund.status));
    resp->set_refund_id(r.refund.refund_id);
    resp->set_reason(r.refund.reason);
    resp->set_requested_by(r.refund.requested_by);
    return absl::OkStatus();
  });
}

void ToProto(const SettleResult& result, v1::QueryPaymentResponse* out) {
  out->set_trade_state(result.trade_state);
  out->set_outcome(static_cast<order::v1::PaymentOutcome>(result.outcome));
  out->set_order_state(static_cast<order::v1::OrderState>(result.order_state));
  out->set_closed(result.closed);
}

rpc::AccessPolicy PaymentAccessPolicy() {
  rpc::AccessPolicy policy;
  policy.Allow(
      rpc::identity::kGateway, v1::PaymentService::service_full_name(),
      {"CreatePayment", "HandleNotification", "QueryPayment", "CancelPayment", "CreateRefund"});
  policy.Allow(rpc::identity::kGatewayNotify, v1::PaymentService::service_full_name(),
               {"HandleNotification"});
  return policy;
}

}  // namespace paymesh::payment
