#include "services/notify-gateway/handlers/payments.h"

#include <string>
#include <utility>

#include "common/log/log.h"
#include "services/notify-gateway/json.h"
#include "services/notify-gateway/qr.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

constexpr size_t kMaxChannelBytes = 32;
constexpr int kPngPixelsPerModule = 8;
constexpr char kNoActivePayment[] = "no active payment: POST /pay first";

enum class ImageFormat { kSvg, kPng };

// {"channel":"native"|"jsapi"|"miniprogram"|"h5"}
absl::StatusOr<order::v1::Channel> ParseChannel(std::string_view body) {
  absl::StatusOr<JsonObject> root = ParseObject(body, {"channel"});
  if (!root.ok()) return root.status();
  absl::StatusOr<std::string> name = RequiredString(*root, "channel", kMaxChannelBytes);
  if (!name.ok()) return name.status();
  const std::optional<order::v1::Channel> channel = ParseChannelName(*name);
  if (!channel) {
    return absl::InvalidArgumentError(
        "field 'channel' must be \"native\", \"jsapi\", \"miniprogram\" or \"h5\"");
  }
  return *channel;
}

awaitable<http::Response> Pay(const HandlerContext& ctx, http::Request& req,
                              const PathParams& params) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  absl::StatusOr<std::string> id = OrderId(params);
  if (!id.ok()) co_return ErrorResponse(req, id.status());
  absl::StatusOr<order::v1::Channel> channel = ParseChannel(req.body);
  if (!channel.ok()) co_return ErrorResponse(req, channel.status());

  payment::v1::CreatePaymentRequest in;
  in.set_user_id(caller->user_id);
  in.set_order_id(std::move(*id));
  in.set_channel(*channel);
  in.set_client_ip(ClientIp(ctx, req));
  auto out = co_await ctx.upstreams->CreatePayment(std::move(in), req.request_id);
  if (!out.ok()) co_return UpstreamError(req, out.status(), Backend::kPayment);
  co_return JsonResponse(200, PaymentJson(*out));
}

absl::StatusOr<http::Response> RenderQrImage(const std::string& text, ImageFormat format) {
  absl::StatusOr<QrCode> qr = EncodeQr(text);
  if (!qr.ok()) return qr.status();
  http::Response res;
  if (format == ImageFormat::kPng) {
    absl::StatusOr<std::string> png = RenderQrPng(*qr, kPngPixelsPerModule);
    if (!png.ok()) return png.status();
    res = http::Response::Text(200, std::move(*png), "image/png");
  } else {
    res = http::Response::Text(200, RenderQrSvg(*qr), "image/svg+xml");
  }
  res.SetHeader("Cache-Control", "no-store");
  return res;
}

awaitable<http::Response> QrImage(const HandlerContext& ctx, http::Request& req,
                                  const PathParams& params, ImageFormat format) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  absl::StatusOr<std::string> id = OrderId(params);
  if (!id.ok()) co_return ErrorResponse(req, id.status());
  order::v1::GetOrderRequest in;
  in.set_user_id(caller->user_id);
  in.set_order_id(std::move(*id));
  auto order = co_await ctx.upstreams->GetOrder(std::move(in), req.request_id);
  if (!order.ok()) co_return UpstreamError(req, order.status(), Backend::kOrder);
  absl::StatusOr<std::string> code_url = ActiveCodeUrl(*order);
  if (!code_url.ok()) co_return ErrorResponse(req, code_url.status());

  absl::StatusOr<http::Response> image = RenderQrImage(*code_url, format);
  if (!image.ok()) {
    log::RequestScope scope(req.request_id);
    log::Error("QR rendering failed", {{"error", std::string(image.status().message())}});
    co_return ErrorResponse(req, absl::InternalError("internal error"));
  }
  co_return std::move(*image);
}

awaitable<http::Response> QrSvg(const HandlerContext& ctx, http::Request& req,
                                const PathParams& params) {
  return QrImage(ctx, req, params, ImageFormat::kSvg);
}

awaitable<http::Response> QrPng(const HandlerContext& ctx, http::Request& req,
                                const PathParams& params) {
  return QrImage(ctx, req, params, ImageFormat::kPng);
}

// Sync and cancel: the caller's order id, no body (or an empty object), payment's answer.
template <typename Request,
          Async<payment::v1::QueryPaymentResponse> (Upstreams::*kCall)(Request, std::string)>
awaitable<http::Response> Settle(const HandlerContext& ctx, http::Request& req,
                                 const PathParams& params) {
  absl::StatusOr<Caller> caller = co_await Authenticate(ctx, req);
  if (!caller.ok()) co_return ErrorResponse(req, caller.status());
  absl::StatusOr<std::string> id = OrderId(params);
  if (!id.ok()) co_return ErrorResponse(req, id.status());
  if (!req.body.empty()) {  // nothing to say, but a body must still be a JSON object
    absl::StatusOr<JsonObject> body = ParseObject(req.body, {});
    if (!body.ok()) co_return ErrorResponse(req, body.status());
  }
  Request in;
  in.set_user_id(caller->user_id);
  in.set_order_id(std::move(*id));
  auto out = co_await (ctx.upstreams->*kCall)(std::move(in), req.request_id);
  if (!out.ok()) co_return UpstreamError(req, out.status(), Backend::kPayment);
  co_return JsonResponse(200, SyncJson(*out));
}

}  // namespace

absl::StatusOr<std::string> ActiveCodeUrl(const order::v1::Order& order) {
  // Order sets active_prepay only while it can still be paid.
  if (!order.has_active_prepay() || order.active_prepay().code_url().empty()) {
    return absl::FailedPreconditionError(kNoActivePayment);
  }
  return order.active_prepay().code_url();
}

void AddPaymentRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx) {
  router.Add("POST", "/api/v1/orders/{id}/pay", Bind(ctx, Pay));
  router.Add("GET", "/api/v1/orders/{id}/qrcode.svg", Bind(ctx, QrSvg));
  router.Add("GET", "/api/v1/orders/{id}/qrcode.png", Bind(ctx, QrPng));
  router.Add("POST", "/api/v1/orders/{id}/sync",
             Bind(ctx, Settle<payment::v1::QueryPaymentRequest, &Upstreams::QueryPayment>));
  router.Add("POST", "/api/v1/orders/{id}/cancel",
             Bind(ctx, Settle<payment::v1::CancelPaymentRequest, &Upstreams::CancelPayment>));
}

}  // namespace paymesh::gateway
