#include "services/payment/grpc_order_client.h"

#include <utility>

#include "common/log/log.h"
#include "common/rpc/call.h"
#include "common/rpc/status.h"
#include "common/time/rfc3339.h"

namespace paymesh::payment {
namespace {

// A failure of the call itself says which RPC failed; order's own messages pass unchanged.
absl::Status FromCall(const grpc::Status& status, const char* rpc) {
  absl::Status st = rpc::FromGrpcStatus(status);
  if (st.code() == absl::StatusCode::kUnavailable ||
      st.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(st.code(), std::string("order ") + rpc + ": " + std::string(st.message()));
  }
  return st;
}

}  // namespace

absl::StatusOr<Order> OrderFromProto(const order::v1::Order& p) {
  Order o;
  o.id = p.id();
  o.user_id = p.user_id();
  o.out_trade_no = p.out_trade_no();
  o.state = p.state();
  o.total_fen = p.total_fen();
  o.currency = p.currency();
  o.description = p.description();
  o.transaction_id = p.transaction_id();
  absl::StatusOr<Timestamp> created = time::Parse(p.created_at());
  if (!created.ok()) return absl::InternalError("order answered a malformed created_at");
  o.created_at = *created;
  if (p.has_prepay() && !p.prepay().channel().empty()) {
    absl::StatusOr<Timestamp> expires = time::Parse(p.prepay().expires_at());
    if (expires.ok()) {
      o.prepay = Prepay{p.prepay().channel(), p.prepay().code_url(), *expires};
    } else {
      log::Warn("order holds a prepay with a malformed expires_at", {{"order_id", o.id}});
    }
  }
  return o;
}

void PrepayToProto(const Prepay& prepay, order::v1::Prepay* out) {
  out->set_channel(prepay.channel);
  out->set_code_url(prepay.code_url);
  out->set_expires_at(time::FormatUtc(prepay.expires_at));
}

void ReportToProto(const PaymentReport& r, order::v1::PaymentReport* out) {
  out->set_appid(r.appid);
  out->set_mchid(r.mchid);
  out->set_out_trade_no(r.out_trade_no);
  out->set_transaction_id(r.transaction_id);
  out->set_trade_type(r.trade_type);
  out->set_trade_state(r.trade_state);
  out->set_success_time(r.success_time);
  out->set_payer_openid(r.payer_openid);
  out->set_amount_total(r.amount_total);
  out->set_payer_total(r.payer_total);
  out->set_currency(r.currency);
}

GrpcOrderClient::GrpcOrderClient(std::shared_ptr<grpc::Channel> channel,
                                 std::chrono::milliseconds timeout)
    : stub_(order::v1::OrderService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<Order> GrpcOrderClient::GetOrderForPayment(const std::string& user_id,
                                                          const std::string& order_id) {
  order::v1::GetOrderForPaymentRequest req;
  req.set_user_id(user_id);
  req.set_order_id(order_id);
  order::v1::Order resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->GetOrderForPayment(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "GetOrderForPayment");
  return OrderFromProto(resp);
}

absl::StatusOr<Order> GrpcOrderClient::RecordPrepay(const std::string& order_id,
                                                    const Prepay& prepay) {
  order::v1::RecordPrepayRequest req;
  req.set_order_id(order_id);
  PrepayToProto(prepay, req.mutable_prepay());
  order::v1::Order resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->RecordPrepay(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "RecordPrepay");
  return OrderFromProto(resp);
}

absl::StatusOr<ApplyPaymentResult> GrpcOrderClient::ApplyPayment(const ApplyPaymentInput& input) {
  order::v1::ApplyPaymentRequest req;
  req.set_notification_id(input.notification_id);
  req.set_source(input.source);
  req.set_event_type(input.event_type);
  ReportToProto(input.report, req.mutable_report());
  order::v1::ApplyPaymentResponse resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->ApplyPayment(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "ApplyPayment");
  ApplyPaymentResult result;
  result.outcome = resp.outcome();
  if (resp.has_order()) {
    absl::StatusOr<Order> order = OrderFromProto(resp.order());
    if (!order.ok()) return order.status();
    result.order = std::move(*order);
  }
  return result;
}

}  // namespace paymesh::payment
