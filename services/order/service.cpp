#include "services/order/service.h"

#include "common/error/status_macros.h"
#include "common/rpc/call.h"
#include "common/time/rfc3339.h"

namespace paymesh::order {
namespace {

// Times in the API: RFC 3339 UTC with milliseconds, "2026-11-21T10:00:07.890Z".
std::string ApiTime(Timestamp t) { return time::FormatUtc(t, time::Precision::kMilliseconds); }

}  // namespace

void ToProto(const Order& order, v1::Order* out) {
  out->set_id(order.id);
  out->set_user_id(order.user_id);
  out->set_out_trade_no(order.out_trade_no);
  out->set_state(std::string(StateName(order.state)));
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
  out->set_created_at(ApiTime(order.created_at));
  out->set_updated_at(ApiTime(order.updated_at));
  out->set_description(order.description);
  if (order.prepay.has_value() && order.state == OrderState::kPaying) {
    v1::Prepay* p = out->mutable_prepay();
    p->set_channel(order.prepay->channel);
    p->set_code_url(order.prepay->code_url);
    p->set_prepay_id(order.prepay->prepay_id);
    p->set_h5_url(order.prepay->h5_url);
    if (order.prepay->expires_at.has_value()) {
      p->set_expires_at(ApiTime(*order.prepay->expires_at));
    }
  }
  out->set_transaction_id(order.transaction_id);
  if (order.paid_at.has_value()) out->set_paid_at(ApiTime(*order.paid_at));
  out->set_late_payment(order.late_payment);
  out->set_flagged(order.flagged);
  out->set_flag_reason(order.flag_reason);
}

PrepayInput FromProto(const v1::Prepay& prepay) {
  return PrepayInput{prepay.channel(), prepay.code_url(), prepay.prepay_id(), prepay.h5_url(),
                     prepay.expires_at()};
}

ApplyPaymentInput FromProto(const v1::ApplyPaymentRequest& req) {
  const v1::PaymentReport& r = req.report();
  PaymentReport report{r.appid(),        r.mchid(),       r.out_trade_no(), r.transaction_id(),
                       r.trade_type(),   r.trade_state(), r.success_time(), r.payer_openid(),
                       r.amount_total(), r.payer_total(), r.currency()};
  return ApplyPaymentInput{req.notification_id(), req.source(), req.event_type(),
                           std::move(report)};
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
    ToProto(result.order, resp->mutable_order());
    resp->set_replayed(result.replayed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::GetOrder(grpc::CallbackServerContext* ctx,
                                                     const v1::GetOrderRequest* req,
                                                     v1::Order* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "GetOrder", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(Order order, logic_.GetOrder(req->user_id(), req->order_id()));
    ToProto(order, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ListOrders(grpc::CallbackServerContext* ctx,
                                                       const v1::ListOrdersRequest* req,
                                                       v1::ListOrdersResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ListOrders", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(OrderPage page,
                     logic_.ListOrders(req->user_id(), req->cursor(), req->page_size()));
    for (const Order& order : page.orders) ToProto(order, resp->add_orders());
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
        ToProto(order, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrderGrpcService::RecordPrepay(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordPrepayRequest* req,
                                                         v1::Order* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "RecordPrepay", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(Order order, logic_.RecordPrepay(req->order_id(), FromProto(req->prepay())));
    ToProto(order, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderGrpcService::ApplyPayment(grpc::CallbackServerContext* ctx,
                                                         const v1::ApplyPaymentRequest* req,
                                                         v1::ApplyPaymentResponse* resp) {
  return rpc::RunOnWorkers(ctx, workers_, "ApplyPayment", [this, req, resp]() -> absl::Status {
    ASSIGN_OR_RETURN(PaymentResult result, logic_.ApplyPayment(FromProto(*req)));
    resp->set_outcome(std::string(OutcomeName(result.outcome)));
    if (result.order.has_value()) ToProto(*result.order, resp->mutable_order());
    return absl::OkStatus();
  });
}

}  // namespace paymesh::order
