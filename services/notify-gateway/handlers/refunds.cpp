#include "services/notify-gateway/handlers/refunds.h"

#include <boost/json.hpp>
#include <string>
#include <utility>

#include "services/notify-gateway/json.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;
namespace json = boost::json;

constexpr char kAdminScope[] = "admin";
constexpr size_t kMaxReasonBytes = 80;
constexpr int64_t kMaxRefundFen = 1'000'000'000'000;

std::string RefundStatusName(order::v1::RefundStatus status) {
  switch (status) {
    case order::v1::REFUND_STATUS_PROCESSING:
      return "PROCESSING";
    case order::v1::REFUND_STATUS_SUCCESS:
      return "SUCCESS";
    case order::v1::REFUND_STATUS_ABNORMAL:
      return "ABNORMAL";
    case order::v1::REFUND_STATUS_CLOSED:
      return "CLOSED";
    default:
      return "";
  }
}

json::object RefundObject(const std::string& out_refund_no, int64_t amount_fen,
                          const std::string& reason, order::v1::RefundStatus status,
                          const std::string& refund_id, const std::string& requested_by) {
  return json::object{
      {"out_refund_no", out_refund_no},
      {"amount_fen", amount_fen},
      {"reason", reason},
      {"status", RefundStatusName(status)},
      {"refund_id", refund_id.empty() ? json::value(nullptr) : json::value(refund_id)},
      {"requested_by", requested_by}};
}

// The caller, who must be an admin.
awaitable<absl::StatusOr<Caller>> Admin(const HandlerContext& ctx, const http::Request& req) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return caller.status();
  if (!caller->Has(kAdminScope)) {
    co_return absl::PermissionDeniedError("refunds need the admin scope");
  }
  co_return caller;
}

awaitable<http::Response> CreateRefund(const HandlerContext& ctx, http::Request& req,
                                       const PathParams& params) {
  absl::StatusOr<Caller> admin = co_await Admin(ctx, req);
  if (!admin.ok()) co_return ErrorResponse(req, admin.status());
  absl::StatusOr<std::string> id = OrderId(params);
  if (!id.ok()) co_return ErrorResponse(req, id.status());
  absl::StatusOr<std::string> key = IdempotencyKey(req);
  if (!key.ok()) co_return ErrorResponse(req, key.status());
  if (key->empty()) {  // a retried refund must be the same refund
    co_return ErrorResponse(req, absl::InvalidArgumentError("refunds need an Idempotency-Key"));
  }
  absl::StatusOr<JsonObject> body = ParseObject(req.body, {"amount_fen", "reason"});
  if (!body.ok()) co_return ErrorResponse(req, body.status());
  absl::StatusOr<int64_t> amount = RequiredInt(*body, "amount_fen", 1, kMaxRefundFen);
  if (!amount.ok()) co_return ErrorResponse(req, amount.status());
  absl::StatusOr<std::string> reason = OptionalString(*body, "reason", kMaxReasonBytes);
  if (!reason.ok()) co_return ErrorResponse(req, reason.status());

  payment::v1::CreateRefundRequest in;
  in.set_requested_by(admin->user_id);
  in.set_order_id(std::move(*id));
  in.set_amount_fen(*amount);
  in.set_reason(std::move(*reason));
  in.set_idempotency_key(std::move(*key));
  auto out = co_await ctx.upstreams->CreateRefund(std::move(in), req.request_id);
  if (!out.ok()) co_return UpstreamError(req, out.status(), Backend::kPayment);
  json::object refund = RefundObject(out->out_refund_no(), out->amount_fen(), out->reason(),
                                     out->status(), out->refund_id(), out->requested_by());
  refund["order_id"] = out->order_id();
  refund["order_state"] = StateName(out->order_state());
  co_return JsonResponse(200, json::serialize(refund));
}

awaitable<http::Response> ListRefunds(const HandlerContext& ctx, http::Request& req,
                                      const PathParams& params) {
  absl::StatusOr<Caller> admin = co_await Admin(ctx, req);
  if (!admin.ok()) co_return ErrorResponse(req, admin.status());
  absl::StatusOr<std::string> id = OrderId(params);
  if (!id.ok()) co_return ErrorResponse(req, id.status());
  order::v1::ListRefundsRequest in;
  in.set_order_id(std::move(*id));
  auto out = co_await ctx.upstreams->ListRefunds(std::move(in), req.request_id);
  if (!out.ok()) co_return UpstreamError(req, out.status(), Backend::kOrder);
  json::array refunds;
  for (const order::v1::Refund& f : out->refunds()) {
    refunds.push_back(RefundObject(f.out_refund_no(), f.amount_fen(), f.reason(), f.status(),
                                   f.refund_id(), f.requested_by()));
  }
  co_return JsonResponse(200, json::serialize(json::object{{"refunds", std::move(refunds)}}));
}

}  // namespace

void AddRefundRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("POST", "/api/v1/orders/{id}/refunds", Bind(ctx, CreateRefund));
  router.Add("GET", "/api/v1/orders/{id}/refunds", Bind(ctx, ListRefunds));
}

}  // namespace paymesh::gateway
