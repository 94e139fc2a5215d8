#include "services/notify-gateway/handlers/notify.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/metrics/metrics.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/v2.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

// payment's names for them (services/payment/logic.h)
constexpr char kRouteV2Pay[] = "v2/pay";
constexpr char kRouteV2Refund[] = "v2/refund";

// Lowercase names, as payment expects them.
constexpr std::string_view kForwardedHeaders[] = {"wechatpay-timestamp",      "wechatpay-nonce",
                                                  "wechatpay-signature",      "wechatpay-serial",
                                                  "wechatpay-signature-type", "request-id"};

metrics::Counter& NotifyTotal() {
  static metrics::Counter& counter = metrics::Registry::Default().AddCounter(
      "gateway_wechat_notify_total", "WeChat Pay notifications by path and result",
      {"route", "result"});
  return counter;
}

// WeChat's failure body: {"code":"FAIL","message":...}, or APIv2's XML FAIL reply.
http::Response Fail(int status, std::string_view message, bool v2) {
  if (v2) {
    return http::Response::Text(status, wechatpay::V2Reply(false, message),
                                "text/xml; charset=utf-8");
  }
  boost::json::object body;
  body["code"] = "FAIL";
  body["message"] = message;
  return http::Response::Json(status, boost::json::serialize(body));
}

}  // namespace

http::Response AnswerFor(const payment::v1::HandleNotificationResponse& verdict, bool v2) {
  switch (verdict.verdict()) {
    case payment::v1::VERDICT_ACK:
      if (v2)
        return http::Response::Text(200, wechatpay::V2Reply(true, ""), "text/xml; charset=utf-8");
      return http::Response{.status = 204};
    case payment::v1::VERDICT_REJECT:
      return Fail(verdict.reject_reason() == payment::v1::REJECT_REASON_UNVERIFIED ? 401 : 400,
                  verdict.fail_message(), v2);
    default:  // RETRY, or a verdict this build does not know: never make WeChat give up
      return Fail(503,
                  verdict.fail_message().empty() ? "temporarily unavailable, retry later"
                                                 : verdict.fail_message(),
                  v2);
  }
}

http::Response AnswerForFailedCall(const absl::Status& status, bool v2) {
  if (absl::IsDeadlineExceeded(status)) return Fail(504, "timed out, retry later", v2);
  return Fail(503, "temporarily unavailable, retry later", v2);
}

namespace {

payment::v1::HandleNotificationRequest ToRequest(std::string route, const http::Request& req) {
  payment::v1::HandleNotificationRequest out;
  out.set_route(std::move(route));
  out.set_body(req.body);
  auto& headers = *out.mutable_headers();
  for (const auto& [name, value] : req.headers) {
    const std::string lower = absl::AsciiStrToLower(name);
    for (std::string_view wanted : kForwardedHeaders) {
      // The first occurrence wins, as with http::Request::Header.
      if (lower == wanted) headers.try_emplace(lower, value);
    }
  }
  return out;
}

awaitable<http::Response> Notify(const HandlerContext& ctx, http::Request& req, std::string route) {
  payment::v1::HandleNotificationRequest forward = ToRequest(route, req);
  // WeChat's headers are ASCII; a value that is not even UTF-8 cannot verify (nor travel in a
  // proto string), so it is refused here like any malformed notification.
  const bool headers_ok = std::all_of(forward.headers().begin(), forward.headers().end(),
                                      [](const auto& h) { return strings::IsValidUtf8(h.second); });
  const bool v2 = route == kRouteV2Pay || route == kRouteV2Refund;
  http::Response res;
  if (!headers_ok) {
    res = Fail(400, "malformed notification", v2);
  } else {
    absl::StatusOr<payment::v1::HandleNotificationResponse> out =
        co_await ctx.upstreams->HandleNotification(std::move(forward), req.request_id);
    res = out.ok() ? AnswerFor(*out, v2) : AnswerForFailedCall(out.status(), v2);
  }
  const char* result = res.status < 300 ? "ok" : res.status < 500 ? "rejected" : "error";
  NotifyTotal().Inc({route, result});
  co_return res;
}

awaitable<http::Response> NotifyPay(const HandlerContext& ctx, http::Request& req,
                                    const PathParams&) {
  return Notify(ctx, req, "pay");
}

awaitable<http::Response> NotifyV2Pay(const HandlerContext& ctx, http::Request& req,
                                      const PathParams&) {
  return Notify(ctx, req, kRouteV2Pay);
}

awaitable<http::Response> NotifyV2Refund(const HandlerContext& ctx, http::Request& req,
                                         const PathParams&) {
  return Notify(ctx, req, kRouteV2Refund);
}

awaitable<http::Response> NotifyRefund(const HandlerContext& ctx, http::Request& req,
                                       const PathParams&) {
  return Notify(ctx, req, "refund");
}

}  // namespace

void AddNotifyRoutes(Router& router, std::shared_ptr<const HandlerContext> ctx,
                     size_t max_body_bytes) {
  router.Add("POST", "/wechat/notify/pay", Bind(ctx, NotifyPay), max_body_bytes);
  router.Add("POST", "/wechat/notify/refund", Bind(ctx, NotifyRefund), max_body_bytes);
  router.Add("POST", "/wechat/notify/v2/pay", Bind(ctx, NotifyV2Pay),
             std::min(max_body_bytes, wechatpay::kMaxV2Bytes));
  router.Add("POST", "/wechat/notify/v2/refund", Bind(ctx, NotifyV2Refund),
             std::min(max_body_bytes, wechatpay::kMaxV2Bytes));
}

}  // namespace paymesh::gateway
