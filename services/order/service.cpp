#include "services/order/service.h"

#include "common/error/status_macros.h"
#include "common/rpc/call.h"
#include "common/rpc/timestamp.h"

namespace paymesh::order {
namespace {

v1::Channel ToProto(Channel c) {
  switch (c) {
    case Channel::kNative:
      return v1::CHANNEL_NATIVE;
    case Channel::kJsapi:
      return v1::CHANNEL_JSAPI;
    case Channel::kMiniprogram:
      return v1::CHANNEL_MINIPROGRAM;
    case Channel::kH5:
      return v1::CHANNEL_H5;
  }
  return v1::CHANNEL_UNSPECIFIED;
}

absl::StatusOr<Timestamp> TimeFromProto(std::string_view field,
                                        const google::protobuf::Timestamp& t) {
  absl::StatusOr<Timestamp> out = rpc::FromProto(t);
  if (!out.ok()) return absl::InvalidArgumentError(std::string(field) + " is out of range");
  return out;
}

}  // namespace

v1::OrderState ToProto(OrderState state) {
  switch (state) {
    case OrderState::kCreated:
      return v1::ORDER_STATE_CREATED;
    case OrderState::kPaying:
      return v1::ORDER_STATE_PAYING;
    case OrderState::kPaid:
      return v1::ORDER_STATE_PAID;
    case OrderState::kPayFailed:
      return v1::ORDER_STATE_PAY_FAILED;
    case OrderState::kClosed:
      return v1::ORDER_STATE_CLOSED;
    case OrderState::kPartiallyRefunded:
      return v1::ORDER_STATE_PARTIALLY_REFUNDED;
    case OrderState::kRefunded:
      return v1::ORDER_STATE_REFUNDED;
  }
  return v1::ORDER_STATE_UNSPECIFIED;
}

v1::PaymentOutcome ToProto(PaymentOutcome outcome) {
  switch (outcome) {
    case PaymentOutcome::kApplied:
      return v1::PAYMENT_OUTCOME_APPLIED;
    case PaymentOutcome::kDuplicate:
      return v1::PAYMENT_OUTCOME_DUPLICATE;
    case PaymentOutcome::kAmountMismatch:
      return v1::PAYMENT_OUTCOME_AMOUNT_MISMATCH;
    case PaymentOutcome::kUnknownOrder:
      return v1::PAYMENT_OUTCOME_UNKNOWN_ORDER;
    case PaymentOutcome::kIgnored:
      return v1::PAYMENT_OUTCOME_IGNORED;
    case PaymentOutcome::kDuplicatePayment:
      return v1::PAYMENT_OUTCOME_DUPLICATE_PAYMENT;
    case PaymentOutcome::kRejected:
      return v1::PAYMENT_OUTCOME_REJECTED;
  }
  return v1::PAYMENT_OUTCOME_UNSPECIFIED;
}

void ToProto(const Order& order, Timestamp now, v1::Order* out) {
  out->set_id(order.id);
  out->set_user_id(order.user_id);
  out->set_out_trade_no(order.out_trade_no);
  out->set_state(ToProto(order.state));
  out->set_total_fen(order.total_fen);
  out->set_currency(order.currency);
  for (const OrderItem& item : order.items) {
    v1::OrderItem* p = out->add_items();
    p->set_sku(item.sku);
    p->set_name(item.name);
    p->set_quantity(item.quantity);
    p->set_unit_price_fen(item.unit_price_fen);
    p->set_line_total_fen(item.line_total_fen);
  }
  rpc::ToProto(order.created_at, out->mutable_created_at());
  rpc::ToProto(order.updated_at, out->mutable_updated_at());
  rpc::ToProto(order.expires_at, out->mutable_expires_at());
  out->set_description(order.description);
  out->set_payment_attempt(order.payment_attempt);
  out->set_payment_out_trade_no(PaymentOutTradeNo(order.out_trade_no, order.payment_attempt));
  if (order.prepay.has_value()) out->set_payment_channel(ToProto(order.prepay->channel));
  if (HasActivePrepay(order, now)) {
    v1::Prepay* p = out->mutable_active_prepay();
    p->set_channel(ToProto(order.prepay->channel));
    p->set_code_url(order.prepay->code_url);
    p->set_prepay_id(order.prepay->prepay_id);
    p->set_h5_url(order.prepay->h5_url);
    p->set_attempt(order.prepay->attempt);
    if (order.prepay->expires_at.has_value()) {
      rpc::ToProto(*order.prepay->expires_at, p->mutable_expires_at());
    }
  }
  out->set_transaction_id(order.transaction_id);
  if (order.paid_at.has_value()) rpc::ToProto(*order.paid_at, out->mutable_paid_at());
  out->set_late_payment(order.late_payment);
  out->set_flagged(order.flagged);
  out->set_flag_reason(order.flag_reason);
}

absl::StatusOr<Prepay> FromProto(const v1::Prepay& p) {
  Prepay prepay;
  switch (p.channel()) {
    case v1::CHANNEL_NATIVE:
      prepay.channel = Channel::kNative;
      break;
    case v1::CHANNEL_JSAPI:
      prepay.channel = Channel::kJsapi;
      break;
    case v1::CHANNEL_MINIPROGRAM:
      prepay.channel = Channel::kMiniprogram;
      break;
    case v1::CHANNEL_H5:
      prepay.channel = Channel::kH5;
      break;
    default:
      return absl::InvalidArgumentError("prepay.channel must be NATIVE, JSAPI, MINIPROGRAM or H5");
  }
  prepay.code_url = p.code_url();
  prepay.prepay_id = p.prepay_id();
  prepay.h5_url = p.h5_url();
  prepay.attempt = p.attempt();
  if (p.has_expires_at()) {
    ASSIGN_OR_RETURN(prepay.expires_at, TimeFromProto("prepay.expires_at", p.expires_at()));
  }
  return prepay;
}

absl::StatusOr<PaymentNotice> FromProto(const v1::ApplyPaymentRequest& req) {
  PaymentNotice n;
  n.notification_id = req.notification_id();
  switch (req.source()) {
    case v1::REPORT_SOURCE_NOTIFICATION:
      n.source = ReportSource::kNotification;
      break;
    case v1::REPORT_SOURCE_QUERY:
      n.source = ReportSource::kQuery;
      break;
    default:
      return absl::InvalidArgumentError("source must be NOTIFICATION or QUERY");
  }
  n.event_type = req.event_type();
  const v1::PaymentReport& r = req.report();
  PaymentReport& report = n.report;
  report.appid = r.appid();
  report.mchid = r.mchid();
  report.out_trade_no = r.out_trade_no();
  report.transaction_id = r.transaction_id();
  report.trade_type = r.trade_type();
  report.trade_state = r.trade_state();
  if (r.has_success_time()) {
    ASSIGN_OR_RETURN(report.success_time, TimeFromProto("report.success_time", r.success_time()));
  }
  report.payer_openid = r.payer_openid();
  report.amount_total = r.amount_total();
  report.payer_total = r.payer_total();
  report.currency = r.currency();
  RETURN_IF_ERROR(ValidatePaymentNotice(n));
  return n;
}

grpc::ServerUnaryReactor* OrderGrpcService::ListProducts(grpc::CallbackServerContext* ctx,
                                                         const v1::ListProductsRequest* req,
                                                         v1::ListProductsResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ListProducts", [this, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Product> products, logic_.ListProducts());
    for (const Product& product : products) {
      v1::Product* p = resp->add_products();
      p->set_sku(product.sku);
      p->set_name(product.name);
      p->set_price_fen(product.price_fen);
      p->set_currency(product.currency);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::CreateOrder(grpc::CallbackServerContext* ctx,
                                                        const v1::CreateOrderRequest* req,
                                                        v1::CreateOrderResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CreateOrder", [this, req, resp]() -> absl::Status {
    CreateOrderInput input{req->user_id(), {}, req->idempotency_key()};
    for (const v1::OrderItemInput& item : req->items()) {
      input.items.push_back(ItemInput{item.sku(), item.quantity()});
    }
    ASSIGN_OR_RETURN(CreateOrderResult result, logic_.CreateOrder(input));
    ToProto(result.order, logic_.Now(), resp->mutable_order());
    resp->set_replayed(result.replayed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::GetOrder(grpc::CallbackServerContext* ctx,
                                                     const v1::GetOrderRequest* req,
                                                     v1::Order* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "GetOrder", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(Order order, logic_.GetOrder(req->user_id(), req->order_id()));
    ToProto(order, logic_.Now(), resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListOrderEvents(grpc::CallbackServerContext* ctx,
                                                            const v1::GetOrderRequest* req,
                                                            v1::ListOrderEventsResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ListOrderEvents", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<OrderEvent> events,
                     logic_.ListOrderEvents(req->user_id(), req->order_id()));
    for (const OrderEvent& e : events) {
      v1::OrderEvent* out = resp->add_events();
      out->set_event_type(e.event_type);
      if (e.from_state) out->set_from_state(ToProto(*e.from_state));
      out->set_to_state(ToProto(e.to_state));
      rpc::ToProto(e.at, out->mutable_at());
      if (e.detail.channel) out->set_channel(ToProto(*e.detail.channel));
      out->set_reason(e.detail.reason);
      out->set_refund_fen(e.detail.refund_fen.value_or(0));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListOrders(grpc::CallbackServerContext* ctx,
                                                       const v1::ListOrdersRequest* req,
                                                       v1::ListOrdersResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ListOrders", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(OrderPage page,
                     logic_.ListOrders(req->user_id(), req->cursor(), req->page_size()));
    const Timestamp now = logic_.Now();
    for (const Order& order : page.orders) ToProto(order, now, resp->add_orders());
    resp->set_next_cursor(page.next_cursor);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::GetOrderForPayment(
    grpc::CallbackServerContext* ctx, const v1::GetOrderForPaymentRequest* req, v1::Order* resp) {
  return rpc::RunOnWorkers(
      ctx, workers_, "GetOrderForPayment", [this, req, resp]() -> absl::Status {
        ASSIGN_OR_RETURN(Order order, logic_.GetOrderForPayment(req->user_id(), req->order_id(),
                                                                req->out_trade_no()));
        ToProto(order, logic_.Now(), resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrderGrpcService::RecordPrepay(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordPrepayRequest* req,
                                                         v1::Order* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "RecordPrepay", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(Prepay prepay, FromProto(req->prepay()));
    ASSIGN_OR_RETURN(Order order, logic_.RecordPrepay(req->order_id(), prepay));
    ToProto(order, logic_.Now(), resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::CloseOrder(grpc::CallbackServerContext* ctx,
                                                       const v1::CloseOrderRequest* req,
                                                       v1::Order* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "CloseOrder", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(Order order,
                     logic_.CloseOrder(req->user_id(), req->order_id(), req->reason()));
    ToProto(order, logic_.Now(), resp);
    return absl::OkStatus();
  });
}

void ToProto(const Refund& refund, v1::Refund* out) {
  out->set_id(refund.id);
  out->set_order_id(refund.order_id);
  out->set_out_refund_no(refund.out_refund_no);
  out->set_amount_fen(refund.amount_fen);
  out->set_reason(refund.reason);
  out->set_status(static_cast<v1::RefundStatus>(static_cast<int>(refund.status) + 1));
  out->set_refund_id(refund.refund_id);
  out->set_requested_by(refund.requested_by);
  rpc::ToProto(refund.created_at, out->mutable_created_at());
  rpc::ToProto(refund.updated_at, out->mutable_updated_at());
}

namespace {

absl::Status ToProto(const RefundResult& result, Timestamp now, v1::RefundResponse* out) {
  ToProto(result.order, now, out->mutable_order());
  if (result.refund) ToProto(*result.refund, out->mutable_refund());
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* OrderGrpcService::RequestRefund(grpc::CallbackServerContext* ctx,
                                                          const v1::RequestRefundRequest* req,
                                                          v1::RefundResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "RequestRefund", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(RefundResult result,
                     logic_.RequestRefund({req->order_id(), req->amount_fen(), req->reason(),
                                           req->idempotency_key(), req->requested_by()}));
    return ToProto(result, logic_.Now(), resp);
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ApplyRefundReport(
    grpc::CallbackServerContext* ctx, const v1::ApplyRefundReportRequest* req,
    v1::RefundResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ApplyRefundReport", [this, req, resp]() -> absl::Status {
    if (req->status() == v1::REFUND_STATUS_UNSPECIFIED ||
        !v1::RefundStatus_IsValid(req->status())) {
      return absl::InvalidArgumentError("status must be a refund status");
    }
    RefundReport report{req->out_trade_no(), req->out_refund_no(),
                        req->refund_id(),    static_cast<RefundStatus>(req->status() - 1),
                        req->amount_fen(),   req->known_refund_only()};
    ASSIGN_OR_RETURN(RefundResult result, logic_.ApplyRefundReport(report));
    return ToProto(result, logic_.Now(), resp);
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListRefunds(grpc::CallbackServerContext* ctx,
                                                        const v1::ListRefundsRequest* req,
                                                        v1::ListRefundsResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ListRefunds", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Refund> refunds, logic_.ListRefunds(req->order_id()));
    for (const Refund& f : refunds) ToProto(f, resp->add_refunds());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListRefundsToSettle(
    grpc::CallbackServerContext* ctx, const v1::ListRefundsToSettleRequest* req,
    v1::ListRefundsToSettleResponse* resp) {
  return rpc::RunOnWorkers(
      ctx, workers_, "ListRefundsToSettle", [this, req, resp]() -> absl::Status {
        ASSIGN_OR_RETURN(Timestamp before, TimeFromProto("before", req->before()));
        ASSIGN_OR_RETURN(std::vector<RefundToSettle> due,
                         logic_.ListRefundsToSettle(before, req->limit()));
        for (const RefundToSettle& d : due) {
          v1::RefundToSettle* out = resp->add_refunds();
          ToProto(d.refund, out->mutable_refund());
          out->set_out_trade_no(d.out_trade_no);
          out->set_transaction_id(d.transaction_id);
          out->set_total_fen(d.total_fen);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListOrdersToSettle(
    grpc::CallbackServerContext* ctx, const v1::ListOrdersToSettleRequest* req,
    v1::ListOrdersToSettleResponse* resp) {
  return rpc::RunOnWorkers(
      ctx, workers_, "ListOrdersToSettle", [this, req, resp]() -> absl::Status {
        SettleKind kind;
        switch (req->kind()) {
          case v1::SETTLE_KIND_EXPIRED:
            kind = SettleKind::kExpired;
            break;
          case v1::SETTLE_KIND_PAYING:
            kind = SettleKind::kPaying;
            break;
          default:
            return absl::InvalidArgumentError("kind must be EXPIRED or PAYING");
        }
        ASSIGN_OR_RETURN(Timestamp before, TimeFromProto("before", req->before()));
        std::optional<SettleKey> after;
        if (!req->after_id().empty()) {
          ASSIGN_OR_RETURN(Timestamp at, TimeFromProto("after_time", req->after_time()));
          after = SettleKey{at, req->after_id()};
        }
        ASSIGN_OR_RETURN(std::vector<Order> orders,
                         logic_.ListOrdersToSettle(kind, before, after, req->limit()));
        const Timestamp now = logic_.Now();
        for (const Order& order : orders) ToProto(order, now, resp->add_orders());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrderGrpcService::ApplyPayment(grpc::CallbackServerContext* ctx,
                                                         const v1::ApplyPaymentRequest* req,
                                                         v1::ApplyPaymentResponse* resp) {
  absl::StatusOr<PaymentNotice> notice = req->rejected_reason().empty()
                                             ? FromProto(*req)
                                             : absl::InvalidArgumentError(req->rejected_reason());
  if (absl::IsInvalidArgument(notice.status())) {
    // Verified by payment, yet not applicable: stored as REJECTED, so that WeChat can stop
    // without the report being lost.
    RejectedReport rejected{req->notification_id(),
                            req->source() == v1::REPORT_SOURCE_QUERY ? ReportSource::kQuery
                                                                     : ReportSource::kNotification,
                            req->event_type(),
                            req->report().out_trade_no(),
                            req->report().transaction_id(),
                            std::string(notice.status().message())};
    return rpc::RunOnWorkers(
        ctx, workers_, "ApplyPayment", [this, rejected, resp]() -> absl::Status {
          ASSIGN_OR_RETURN(PaymentOutcome outcome, logic_.RecordRejectedReport(rejected));
          resp->set_outcome(ToProto(outcome));
          return absl::OkStatus();
        });
  }
  rpc::PendingCall call(ctx, "ApplyPayment");
  if (!notice.ok()) {
    call.Finish(notice.status());
    return call.reactor();
  }
  payments_.Submit({.notice = std::move(*notice),
                    .deadline = ctx->deadline(),
                    .cancelled = [ctx] { return ctx->IsCancelled(); },
                    .done =
                        [call, resp](absl::StatusOr<PaymentResult> result) {
                          if (result.ok()) {
                            resp->set_outcome(ToProto(result->outcome));
                            resp->set_order_id(result->order_id);
                            if (result->order_state.has_value()) {
                              resp->set_order_state(ToProto(*result->order_state));
                            }
                          }
                          call.Finish(result.status());
                        }});
  return call.reactor();
}

rpc::AccessPolicy OrderAccessPolicy() {
  const char* service = v1::OrderService::service_full_name();
  rpc::AccessPolicy policy;
  policy.Allow(
      rpc::identity::kGateway, service,
      {"ListProducts", "CreateOrder", "GetOrder", "ListOrderEvents", "ListOrders", "ListRefunds"});
  policy.Allow(rpc::identity::kPayment, service,
               {"GetOrderForPayment", "RecordPrepay", "ApplyPayment", "CloseOrder",
                "ListOrdersToSettle", "RequestRefund", "ApplyRefundReport", "ListRefundsToSettle"});
  return policy;
}

}  // namespace paymesh::order
