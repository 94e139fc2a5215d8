#include "services/notify-gateway/handlers/notify.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/http/status_map.h"
#include "common/log/log.h"
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

// What WeChat gets for a failed HandleNotification: 4xx for a notification that will never be
// accepted, 5xx (retry later) for everything else.
http::Response FailureFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      return Fail(401, "signature verification failed");
    case absl::StatusCode::kInvalidArgument:
      return Fail(400, "malformed notification");
    case absl::StatusCode::kUnavailable:
      return Fail(503, "temporarily unavailable, retry later");
    case absl::StatusCode::kDeadlineExceeded:
      return Fail(504, "timed out, retry later");
    default:
      return Fail(500, "internal error, retry later");
  }
}

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
  absl::StatusOr<payment::v1::HandleNotificationResponse> out =
      absl::InvalidArgumentError("notification header is not UTF-8");
  if (headers_ok) {
    out = co_await ctx.upstreams->HandleNotification(std::move(forward), req.request_id);
  }
  http::Response res;
  res.status = 204;
  if (!out.ok()) res = FailureFor(out.status());
  const char* result = res.status < 300 ? "ok" : res.status < 500 ? "rejected" : "error";
  NotifyTotal().Inc({route, result});
  log::RequestScope scope(req.request_id);
  if (out.ok()) {
    log::Info("wechat notification", {{"route", route},
                                      {"result", result},
                                      {"event_type", out->event_type()},
                                      {"outcome", out->outcome()}});
  } else {
    log::Warn(
        "wechat notification",
        {{"route", route}, {"result", result}, {"code", http::CodeName(out.status().code())}});
  }
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
