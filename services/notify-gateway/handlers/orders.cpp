#include "services/notify-gateway/handlers/orders.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "common/strings/ascii.h"
#include "common/strings/utf8.h"
#include "services/notify-gateway/json.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

constexpr size_t kMaxItems = 50;  // order's ranges (services/order/logic.h), stated the same way
constexpr size_t kMaxSkuBytes = 64;
constexpr size_t kMaxCursorBytes = 512;
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kMaxQuantity = 99;

// {items:[{sku, quantity}]} → the order request's items.
absl::Status ParseItems(std::string_view body, order::v1::CreateOrderRequest* out) {
  absl::StatusOr<JsonObject> root = ParseObject(body, {"items"});
  if (!root.ok()) return root.status();
  absl::StatusOr<const boost::json::array*> items = RequiredArray(*root, "items", kMaxItems);
  if (!items.ok()) return items.status();
  for (size_t i = 0; i < (*items)->size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]";
    const boost::json::value& element = (**items)[i];
    if (!element.is_object()) return absl::InvalidArgumentError(where + " must be an object");
    const JsonObject& item = element.get_object();
    absl::Status fields = CheckFields(item, where, {"sku", "quantity"});
    if (!fields.ok()) return fields;
    absl::StatusOr<std::string> sku = RequiredString(item, "sku", kMaxSkuBytes);
    if (!sku.ok())
      return absl::InvalidArgumentError(where + ": " + std::string(sku.status().message()));
    absl::StatusOr<int64_t> quantity = RequiredInt(item, "quantity", 1, kMaxQuantity);
    if (!quantity.ok()) {
      return absl::InvalidArgumentError(where + ": " + std::string(quantity.status().message()));
    }
    order::v1::OrderItemInput* input = out->add_items();
    input->set_sku(std::move(*sku));
    input->set_quantity(static_cast<int32_t>(*quantity));
  }
  return absl::OkStatus();
}

awaitable<http::Response> Products(const HandlerContext& ctx, http::Request& req,
                                   const PathParams&) {
  auto out = co_await ctx.upstreams->ListProducts(order::v1::ListProductsRequest(), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kOrder, out.status(), req.request_id));
  }
  co_return JsonResponse(200, ProductsJson(*out));
}

awaitable<http::Response> CreateOrder(const HandlerContext& ctx, http::Request& req,
                                      const PathParams&) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  order::v1::CreateOrderRequest in;
  in.set_user_id(caller->user_id);
  absl::StatusOr<std::string> key = IdempotencyKey(req);
  if (!key.ok()) co_return ErrorResponse(req, key.status());
  in.set_idempotency_key(std::move(*key));
  absl::Status items = ParseItems(req.body, &in);
  if (!items.ok()) co_return ErrorResponse(req, items);

  auto out = co_await ctx.upstreams->CreateOrder(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kOrder, out.status(), req.request_id));
  }
  http::Response res = JsonResponse(201, OrderJson(out->order()));
  if (out->replayed()) res.SetHeader("Idempotent-Replayed", "true");
  co_return res;
}

awaitable<http::Response> ListOrders(const HandlerContext& ctx, http::Request& req,
                                     const PathParams&) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  order::v1::ListOrdersRequest in;
  in.set_user_id(caller->user_id);
  int limit = kDefaultPageSize;
  if (std::optional<std::string> text = http::QueryParam(req.Query(), "limit")) {
    if (!absl::SimpleAtoi(*text, &limit) || limit < 1 || limit > kMaxPageSize) {
      co_return ErrorResponse(req,
                              absl::InvalidArgumentError("limit must be an integer in 1..100"));
    }
  }
  in.set_page_size(limit);
  std::string cursor = http::QueryParam(req.Query(), "cursor").value_or("");
  if (cursor.size() > kMaxCursorBytes || !strings::IsValidUtf8(cursor)) {
    co_return ErrorResponse(req, absl::InvalidArgumentError("cursor is malformed"));
  }
  in.set_cursor(std::move(cursor));

  auto out = co_await ctx.upstreams->ListOrders(std::move(in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kOrder, out.status(), req.request_id));
  }
  co_return JsonResponse(200, OrdersJson(*out));
}

// The caller's request for the order in the path: 401 without a caller, 404 for an id no order
// can have.
awaitable<absl::StatusOr<order::v1::GetOrderRequest>> CallersOrder(const HandlerContext& ctx,
                                                                   http::Request& req,
                                                                   const PathParams& params) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return caller.status();
  const std::string_view id = params.Get("id");
  if (id.size() > kMaxOrderIdBytes) co_return absl::NotFoundError("order not found");
  order::v1::GetOrderRequest in;
  in.set_user_id(caller->user_id);
  in.set_order_id(std::string(id));
  co_return in;
}

awaitable<http::Response> GetOrder(const HandlerContext& ctx, http::Request& req,
                                   const PathParams& params) {
  absl::StatusOr<order::v1::GetOrderRequest> in = co_await CallersOrder(ctx, req, params);
  if (!in.ok()) co_return ErrorResponse(req, in.status());
  auto out = co_await ctx.upstreams->GetOrder(std::move(*in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kOrder, out.status(), req.request_id));
  }
  co_return JsonResponse(200, OrderJson(*out));
}

// GET /api/v1/orders/{id}/events: the caller's order's timeline.
awaitable<http::Response> OrderEvents(const HandlerContext& ctx, http::Request& req,
                                      const PathParams& params) {
  absl::StatusOr<order::v1::GetOrderRequest> in = co_await CallersOrder(ctx, req, params);
  if (!in.ok()) co_return ErrorResponse(req, in.status());
  auto out = co_await ctx.upstreams->ListOrderEvents(std::move(*in), req.request_id);
  if (!out.ok()) {
    co_return ErrorResponse(req,
                            PresentUpstreamError(Backend::kOrder, out.status(), req.request_id));
  }
  co_return JsonResponse(200, OrderEventsJson(*out));
}

}  // namespace

void AddOrderRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("GET", "/api/v1/products", Bind(ctx, Products));
  router.Add("POST", "/api/v1/orders", Bind(ctx, CreateOrder));
  router.Add("GET", "/api/v1/orders", Bind(ctx, ListOrders));
  router.Add("GET", "/api/v1/orders/{id}", Bind(ctx, GetOrder));
  router.Add("GET", "/api/v1/orders/{id}/events", Bind(ctx, OrderEvents));
}

}  // namespace paymesh::gateway
