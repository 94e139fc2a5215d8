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

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

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

// WeChat's failure body: {"code":"FAIL","message":...}.
http::Response Fail(int status, std::string_view message) {
  boost::json::object body;
  body["code"] = "FAIL";
  body["message"] = message;
  return http::Response::Json(status, boost::json::serialize(body));
}

}  // namespace

http::Response AnswerFor(const payment::v1::HandleNotificationResponse& verdict) {
  switch (verdict.verdict()) {
    case payment::v1::VERDICT_ACK:
      return http::Response{.status = 204};
    case payment::v1::VERDICT_REJECT:
      return Fail(verdict.reject_reason() == payment::v1::REJECT_REASON_UNVERIFIED ? 401 : 400,
                  verdict.fail_message());
    default:  // RETRY, or a verdict this build does not know: never make WeChat give up
      return Fail(503, verdict.fail_message().empty() ? "temporarily unavailable, retry later"
                                                      : verdict.fail_message());
  }
}

http::Response AnswerForFailedCall(const absl::Status& status) {
  if (absl::IsDeadlineExceeded(status)) return Fail(504, "timed out, retry later");
  return Fail(503, "temporarily unavailable, retry later");
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
  http::Response res;
  if (!headers_ok) {
    res = Fail(400, "malformed notification");
  } else {
    absl::StatusOr<payment::v1::HandleNotificationResponse> out =
        co_await ctx.upstreams->HandleNotification(std::move(forward), req.request_id);
    res = out.ok() ? AnswerFor(*out) : AnswerForFailedCall(out.status());
  }
  const char* result = res.status < 300 ? "ok" : res.status < 500 ? "rejected" : "error";
  NotifyTotal().Inc({route, result});
  co_return res;
}

awaitable<http::Response> NotifyPay(const HandlerContext& ctx, http::Request& req,
                                    const PathParams&) {
  return Notify(ctx, req, "pay");
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
}

}  // namespace paymesh::gateway
