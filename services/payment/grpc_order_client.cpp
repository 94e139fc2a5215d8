#include "services/payment/grpc_order_client.h"

#include <memory>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/rpc/call.h"
#include "common/rpc/status.h"
#include "common/rpc/timestamp.h"
#include "common/time/rfc3339.h"

namespace paymesh::payment {
namespace {

namespace ov1 = order::v1;

// types.h mirrors the contract's enums value for value; these hold it to that.
static_assert(static_cast<int>(OrderState::kCreated) == ov1::ORDER_STATE_CREATED);
static_assert(static_cast<int>(OrderState::kPaying) == ov1::ORDER_STATE_PAYING);
static_assert(static_cast<int>(OrderState::kPaid) == ov1::ORDER_STATE_PAID);
static_assert(static_cast<int>(OrderState::kPayFailed) == ov1::ORDER_STATE_PAY_FAILED);
static_assert(static_cast<int>(OrderState::kClosed) == ov1::ORDER_STATE_CLOSED);
static_assert(static_cast<int>(OrderState::kPartiallyRefunded) ==
              ov1::ORDER_STATE_PARTIALLY_REFUNDED);
static_assert(static_cast<int>(OrderState::kRefunded) == ov1::ORDER_STATE_REFUNDED);
static_assert(ov1::OrderState_MAX == ov1::ORDER_STATE_REFUNDED);
static_assert(static_cast<int>(Channel::kNative) == ov1::CHANNEL_NATIVE);
static_assert(static_cast<int>(Channel::kJsapi) == ov1::CHANNEL_JSAPI);
static_assert(static_cast<int>(Channel::kMiniprogram) == ov1::CHANNEL_MINIPROGRAM);
static_assert(static_cast<int>(Channel::kH5) == ov1::CHANNEL_H5);
static_assert(ov1::Channel_MAX == ov1::CHANNEL_H5);
static_assert(static_cast<int>(PaymentOutcome::kApplied) == ov1::PAYMENT_OUTCOME_APPLIED);
static_assert(static_cast<int>(PaymentOutcome::kDuplicate) == ov1::PAYMENT_OUTCOME_DUPLICATE);
static_assert(static_cast<int>(PaymentOutcome::kAmountMismatch) ==
              ov1::PAYMENT_OUTCOME_AMOUNT_MISMATCH);
static_assert(static_cast<int>(PaymentOutcome::kUnknownOrder) ==
              ov1::PAYMENT_OUTCOME_UNKNOWN_ORDER);
static_assert(static_cast<int>(PaymentOutcome::kIgnored) == ov1::PAYMENT_OUTCOME_IGNORED);
static_assert(static_cast<int>(PaymentOutcome::kDuplicatePayment) ==
              ov1::PAYMENT_OUTCOME_DUPLICATE_PAYMENT);
static_assert(static_cast<int>(PaymentOutcome::kRejected) == ov1::PAYMENT_OUTCOME_REJECTED);
static_assert(ov1::PaymentOutcome_MAX == ov1::PAYMENT_OUTCOME_REJECTED);
static_assert(static_cast<int>(RefundStatus::kProcessing) == ov1::REFUND_STATUS_PROCESSING);
static_assert(static_cast<int>(RefundStatus::kSuccess) == ov1::REFUND_STATUS_SUCCESS);
static_assert(static_cast<int>(RefundStatus::kAbnormal) == ov1::REFUND_STATUS_ABNORMAL);
static_assert(static_cast<int>(RefundStatus::kClosed) == ov1::REFUND_STATUS_CLOSED);
static_assert(static_cast<int>(SettleKind::kExpired) == ov1::SETTLE_KIND_EXPIRED);
static_assert(static_cast<int>(SettleKind::kPaying) == ov1::SETTLE_KIND_PAYING);
static_assert(static_cast<int>(ReportSource::kNotification) == ov1::REPORT_SOURCE_NOTIFICATION);
static_assert(static_cast<int>(ReportSource::kQuery) == ov1::REPORT_SOURCE_QUERY);

// A value a newer peer may send that this build does not know reads as unspecified.
template <typename Enum>
Enum Checked(int value, bool (*is_valid)(int)) {
  return is_valid(value) ? static_cast<Enum>(value) : static_cast<Enum>(0);
}

// What an order service older than expires_at gave every order.
constexpr std::chrono::minutes kLegacyOrderTtl{30};

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

absl::StatusOr<Order> OrderFromProto(const ov1::Order& p) {
  Order o;
  o.id = p.id();
  o.user_id = p.user_id();
  o.out_trade_no = p.payment_out_trade_no().empty() ? p.out_trade_no() : p.payment_out_trade_no();
  o.payment_attempt = p.payment_attempt();
  o.payment_channel = Checked<Channel>(p.payment_channel(), ov1::Channel_IsValid);
  o.state = Checked<OrderState>(p.state(), ov1::OrderState_IsValid);
  o.total_fen = p.total_fen();
  o.currency = p.currency();
  o.description = p.description();
  o.transaction_id = p.transaction_id();
  absl::StatusOr<Timestamp> created = rpc::FromProto(p.created_at());
  if (!created.ok()) return absl::InternalError("order answered a malformed created_at");
  o.created_at = *created;
  absl::StatusOr<Timestamp> updated = rpc::FromProto(p.updated_at());
  o.updated_at = updated.value_or(o.created_at);
  if (p.has_expires_at()) {
    absl::StatusOr<Timestamp> expires = rpc::FromProto(p.expires_at());
    if (!expires.ok()) return absl::InternalError("order answered a malformed expires_at");
    o.expires_at = *expires;
  } else {
    o.expires_at = o.created_at + kLegacyOrderTtl;
  }
  if (p.has_active_prepay()) {
    const ov1::Prepay& prepay = p.active_prepay();
    absl::StatusOr<Timestamp> expires = rpc::FromProto(prepay.expires_at());
    if (expires.ok() && prepay.has_expires_at()) {
      o.active_prepay = Prepay{Checked<Channel>(prepay.channel(), ov1::Channel_IsValid),
                               prepay.code_url(),
                               *expires,
                               prepay.prepay_id(),
                               prepay.h5_url(),
                               prepay.attempt()};
    } else {
      log::Warn("order holds a prepay without a usable expires_at", {{"order_id", o.id}});
    }
  }
  return o;
}

void PrepayToProto(const Prepay& prepay, ov1::Prepay* out) {
  out->set_channel(static_cast<ov1::Channel>(prepay.channel));
  out->set_code_url(prepay.code_url);
  out->set_prepay_id(prepay.prepay_id);
  out->set_h5_url(prepay.h5_url);
  out->set_attempt(prepay.attempt);
  rpc::ToProto(prepay.expires_at, out->mutable_expires_at());
}

absl::Status ReportToProto(const wechatpay::Transaction& tx, ov1::PaymentReport* out) {
  out->set_appid(tx.appid);
  out->set_mchid(tx.mchid);
  out->set_out_trade_no(tx.out_trade_no);
  out->set_transaction_id(tx.transaction_id);
  out->set_trade_type(tx.trade_type);
  out->set_trade_state(tx.trade_state);
  if (!tx.success_time.empty()) {
    absl::StatusOr<std::chrono::system_clock::time_point> t = time::Parse(tx.success_time);
    if (!t.ok()) return absl::InvalidArgumentError("success_time is not an RFC 3339 time");
    rpc::ToProto(std::chrono::floor<std::chrono::microseconds>(*t), out->mutable_success_time());
  }
  out->set_payer_openid(tx.payer_openid);
  out->set_amount_total(tx.amount_total);
  out->set_payer_total(tx.amount_payer_total);
  out->set_currency(tx.currency);
  return absl::OkStatus();
}

GrpcOrderClient::GrpcOrderClient(std::shared_ptr<grpc::Channel> channel,
                                 std::chrono::milliseconds timeout)
    : stub_(ov1::OrderService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<Order> GrpcOrderClient::GetOrderForPayment(const std::string& user_id,
                                                          const std::string& order_id) {
  ov1::GetOrderForPaymentRequest req;
  req.set_user_id(user_id);
  req.set_order_id(order_id);
  ov1::Order resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->GetOrderForPayment(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "GetOrderForPayment");
  return OrderFromProto(resp);
}

absl::StatusOr<Order> GrpcOrderClient::RecordPrepay(const std::string& order_id,
                                                    const Prepay& prepay) {
  ov1::RecordPrepayRequest req;
  req.set_order_id(order_id);
  PrepayToProto(prepay, req.mutable_prepay());
  ov1::Order resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->RecordPrepay(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "RecordPrepay");
  return OrderFromProto(resp);
}

absl::StatusOr<Order> GrpcOrderClient::CloseOrder(const std::string& order_id,
                                                  const std::string& user_id,
                                                  const std::string& reason) {
  ov1::CloseOrderRequest req;
  req.set_order_id(order_id);
  req.set_user_id(user_id);
  req.set_reason(reason);
  ov1::Order resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->CloseOrder(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "CloseOrder");
  return OrderFromProto(resp);
}

absl::StatusOr<std::vector<Order>> GrpcOrderClient::ListOrdersToSettle(
    SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) {
  ov1::ListOrdersToSettleRequest req;
  req.set_kind(static_cast<ov1::SettleKind>(kind));
  rpc::ToProto(before, req.mutable_before());
  req.set_limit(limit);
  if (after) {
    rpc::ToProto(after->at, req.mutable_after_time());
    req.set_after_id(after->id);
  }
  ov1::ListOrdersToSettleResponse resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->ListOrdersToSettle(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "ListOrdersToSettle");
  std::vector<Order> orders;
  orders.reserve(resp.orders_size());
  for (const ov1::Order& p : resp.orders()) {
    ASSIGN_OR_RETURN(Order o, OrderFromProto(p));
    orders.push_back(std::move(o));
  }
  return orders;
}

absl::StatusOr<OrderApi::RequestedRefund> GrpcOrderClient::RequestRefund(
    const RefundRequestInput& input) {
  ov1::RequestRefundRequest req;
  req.set_order_id(input.order_id);
  req.set_amount_fen(input.amount_fen);
  req.set_reason(input.reason);
  req.set_idempotency_key(input.idempotency_key);
  req.set_requested_by(input.requested_by);
  ov1::RefundResponse resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->RequestRefund(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "RequestRefund");
  ASSIGN_OR_RETURN(Order order, OrderFromProto(resp.order()));
  const ov1::Refund& f = resp.refund();
  return RequestedRefund{std::move(order),
                         RefundView{f.out_refund_no(), f.amount_fen(), f.reason(),
                                    Checked<RefundStatus>(f.status(), ov1::RefundStatus_IsValid),
                                    f.refund_id(), f.requested_by()}};
}

absl::StatusOr<std::vector<RefundToSettle>> GrpcOrderClient::ListRefundsToSettle(Timestamp before,
                                                                                 int limit) {
  ov1::ListRefundsToSettleRequest req;
  rpc::ToProto(before, req.mutable_before());
  req.set_limit(limit);
  ov1::ListRefundsToSettleResponse resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->ListRefundsToSettle(&ctx, req, &resp);
  if (!st.ok()) return FromCall(st, "ListRefundsToSettle");
  std::vector<RefundToSettle> out;
  for (const ov1::RefundToSettle& d : resp.refunds()) {
    const ov1::Refund& f = d.refund();
    RefundToSettle r;
    r.refund =
        RefundView{f.out_refund_no(), f.amount_fen(),
                   f.reason(),        Checked<RefundStatus>(f.status(), ov1::RefundStatus_IsValid),
                   f.refund_id(),     f.requested_by()};
    r.updated_at = rpc::FromProto(f.updated_at()).value_or(Timestamp{});
    r.out_trade_no = d.out_trade_no();
    r.transaction_id = d.transaction_id();
    r.total_fen = d.total_fen();
    out.push_back(std::move(r));
  }
  return out;
}

void GrpcOrderClient::ApplyRefundReport(const RefundReportInput& input,
                                        const std::string& request_id, RefundDone done) {
  struct Call {
    grpc::ClientContext ctx;
    ov1::ApplyRefundReportRequest req;
    ov1::RefundResponse resp;
    RefundDone done;
  };
  auto call = std::make_shared<Call>();
  call->req.set_out_trade_no(input.out_trade_no);
  call->req.set_out_refund_no(input.out_refund_no);
  call->req.set_refund_id(input.refund_id);
  call->req.set_status(static_cast<ov1::RefundStatus>(input.status));
  call->req.set_amount_fen(input.amount_fen);
  call->req.set_known_refund_only(input.known_refund_only);
  call->done = std::move(done);
  rpc::PrepareClientContext(call->ctx, timeout_, request_id);
  stub_->async()->ApplyRefundReport(
      &call->ctx, &call->req, &call->resp, [call](grpc::Status status) {
        if (!status.ok()) {
          call->done(FromCall(status, "ApplyRefundReport"));
          return;
        }
        RefundApplied applied;
        applied.order_id = call->resp.order().id();
        applied.order_state =
            Checked<OrderState>(call->resp.order().state(), ov1::OrderState_IsValid);
        applied.status =
            Checked<RefundStatus>(call->resp.refund().status(), ov1::RefundStatus_IsValid);
        call->done(std::move(applied));
      });
}

void GrpcOrderClient::ApplyPayment(const ApplyPaymentInput& input, const std::string& request_id,
                                   ApplyDone done) {
  // Lives until gRPC has called back.
  struct Call {
    grpc::ClientContext ctx;
    ov1::ApplyPaymentRequest req;
    ov1::ApplyPaymentResponse resp;
    ApplyDone done;
  };
  auto call = std::make_shared<Call>();
  call->req.set_notification_id(input.notification_id);
  call->req.set_source(static_cast<ov1::ReportSource>(input.source));
  call->req.set_event_type(input.event_type);
  if (absl::Status st = ReportToProto(input.transaction, call->req.mutable_report()); !st.ok()) {
    // Verified, but not expressible on the contract: order stores it as REJECTED with the
    // reason (and the ids it has), so that WeChat can stop without it being lost.
    call->req.set_rejected_reason(std::string(st.message()));
    call->req.mutable_report()->clear_success_time();
  }
  call->done = std::move(done);
  rpc::PrepareClientContext(call->ctx, timeout_, request_id);
  stub_->async()->ApplyPayment(&call->ctx, &call->req, &call->resp, [call](grpc::Status status) {
    if (!status.ok()) {
      call->done(FromCall(status, "ApplyPayment"));
      return;
    }
    ApplyPaymentResult result;
    result.outcome = Checked<PaymentOutcome>(call->resp.outcome(), ov1::PaymentOutcome_IsValid);
    result.order_id = call->resp.order_id();
    result.order_state = Checked<OrderState>(call->resp.order_state(), ov1::OrderState_IsValid);
    call->done(std::move(result));
  });
}

}  // namespace paymesh::payment
