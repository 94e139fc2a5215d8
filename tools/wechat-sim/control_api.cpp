#include "tools/wechat-sim/control_api.h"

#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "common/log/log.h"
#include "tools/wechat-sim/envelope.h"
#include "tools/wechat-sim/responses.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr std::string_view kOrders = "/sim/orders/";

http::Response Error(int status, std::string code, std::string message) {
  return ErrorResponse(MakeError(status, std::move(code), std::move(message)));
}
http::Response BadRequest(std::string message) {
  return Error(400, "INVALID_ARGUMENT", std::move(message));
}

json::object OrderJson(const Order& o) {
  json::object out{{"out_trade_no", o.request.out_trade_no},
                   {"state", TradeStateName(o.state)},
                   {"trade_type", o.request.trade_type},
                   {"code_url", o.code_url},
                   {"prepay_id", o.prepay_id},
                   {"description", o.request.description},
                   {"notify_url", o.request.notify_url},
                   {"amount_total", o.request.amount_total},
                   {"currency", o.request.currency},
                   {"attach", o.request.attach},
                   {"time_expire", o.request.time_expire}};
  if (o.state == TradeState::kSuccess) {
    out["transaction_id"] = o.transaction_id;
    out["success_time"] = o.success_time;
    out["payer_openid"] = o.payer_openid;
    out["paid_total"] = o.paid_total;
  }
  return out;
}

struct PayCommand {
  PayRequest pay;
  std::optional<V2Delivery> v2;
};

absl::StatusOr<PayCommand> ParsePayRequest(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  PayCommand command;
  PayRequest& p = command.pay;
  std::optional<std::string> sign_type;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "v2_notify_url" || key == "v2_sign_type") {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(std::string(key) + " must be a string");
      }
      if (key == "v2_notify_url") {
        command.v2.emplace().notify_url = std::string(value.as_string());
      } else {
        sign_type = std::string(value.as_string());
      }
      continue;
    }
    if (key == "out_trade_no" || key == "code_url" || key == "prepay_id" || key == "openid") {
      if (!value.is_string())
        return absl::InvalidArgumentError(std::string(key) + " must be a string");
      std::string s(value.as_string());
      (key == "out_trade_no" ? p.out_trade_no
       : key == "code_url"   ? p.code_url
       : key == "prepay_id"  ? p.prepay_id
                             : p.openid) = s;
    } else if (key == "amount_total") {
      if (!value.is_int64() || value.as_int64() < 0) {
        return absl::InvalidArgumentError("amount_total must be a non-negative integer");
      }
      p.amount_total = value.as_int64();
    } else {
      return absl::InvalidArgumentError("unknown field " + std::string(key));
    }
  }
  if (!p.out_trade_no.empty() + !p.code_url.empty() + !p.prepay_id.empty() != 1) {
    return absl::InvalidArgumentError("give exactly one of out_trade_no, code_url and prepay_id");
  }
  if (sign_type) {
    if (!command.v2) return absl::InvalidArgumentError("v2_sign_type needs v2_notify_url");
    if (*sign_type != "MD5" && *sign_type != "HMAC-SHA256") {
      return absl::InvalidArgumentError("v2_sign_type must be MD5 or HMAC-SHA256");
    }
    command.v2->sign_type =
        *sign_type == "MD5" ? wechatpay::V2SignType::kMd5 : wechatpay::V2SignType::kHmacSha256;
  }
  return command;
}

http::Response Pay(const http::Request& req, const ControlContext& ctx, int64_t now) {
  absl::StatusOr<PayCommand> command = ParsePayRequest(req.body);
  if (!command.ok()) return BadRequest(std::string(command.status().message()));
  absl::StatusOr<Paid> paid = PayAndNotify(ctx, command->pay, now, command->v2);
  if (absl::IsNotFound(paid.status())) {
    return Error(404, "NOT_FOUND", std::string(paid.status().message()));
  }
  if (absl::IsFailedPrecondition(paid.status())) {
    return Error(409, "NOT_PAYABLE", std::string(paid.status().message()));
  }
  if (!paid.ok()) return Error(500, "INTERNAL", std::string(paid.status().message()));
  json::object out = OrderJson(paid->order);
  out["notification_id"] = paid->notification_id;
  return http::Response::Json(200, json::serialize(out));
}

http::Response SetFaults(const http::Request& req, const ControlContext& ctx) {
  absl::StatusOr<FaultSetting> setting = ParseFaultSetting(req.body);
  if (!setting.ok()) return BadRequest(std::string(setting.status().message()));
  ctx.faults->Set(setting->out_trade_no, setting->faults);
  json::object out{{"faults", json::parse(FaultsJson(setting->faults))}};
  out["out_trade_no"] = setting->out_trade_no ? json::value(*setting->out_trade_no) : nullptr;
  return http::Response::Json(200, json::serialize(out));
}

}  // namespace

absl::StatusOr<Paid> PayAndNotify(const ControlContext& ctx, const PayRequest& request, int64_t now,
                                  const std::optional<V2Delivery>& v2) {
  absl::StatusOr<Order> order = ctx.store->Pay(request, now);
  if (!order.ok()) return order.status();
  Notification n;
  n.out_trade_no = order->request.out_trade_no;
  n.notify_url = order->request.notify_url;
  n.id = NewNotificationId();
  n.faults = ctx.faults->For(n.out_trade_no);
  Order reported = *order;
  if (n.faults.unreadable_success_time) reported.success_time = "not a time";
  if (v2) {
    n.v2 = true;
    n.notify_url = v2->notify_url;
    n.body = BuildV2Notification(reported, ctx.v2_key, v2->sign_type);
  } else {
    absl::StatusOr<std::string> body = BuildSuccessEnvelope(reported, ctx.apiv3_key, now, n.id);
    if (!body.ok()) return absl::InternalError(body.status().message());
    n.body = std::move(*body);
  }
  log::Info("order paid", {{"out_trade_no", n.out_trade_no},
                           {"transaction_id", order->transaction_id},
                           {"notification_id", n.id}});
  Paid paid{std::move(*order), n.id};
  ctx.notifier->Deliver(std::move(n));
  return paid;
}

namespace {

// POST /sim/platform {"mode"?, "notify_serial"?, "certificates_absent_status"?}: every field is
// checked before any is applied.
http::Response ConfigurePlatform(const http::Request& req, const ControlContext& ctx, int64_t now) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return BadRequest("body must be a JSON object");
  std::optional<PlatformMode> mode;
  std::optional<NotifySerial> notify_serial;
  std::optional<int> absent_status;
  for (const auto& [key, value] : v.as_object()) {
    const std::string_view text = value.is_string() ? std::string_view(value.as_string()) : "";
    if (key == "mode" && (mode = PlatformModeOf(text))) continue;
    if (key == "notify_serial" && (notify_serial = NotifySerialOf(text))) continue;
    if (key == "certificates_absent_status" && value.is_int64() &&
        (value.as_int64() == 403 || value.as_int64() == 404)) {
      absent_status = static_cast<int>(value.as_int64());
      continue;
    }
    return BadRequest(
        "fields: mode (pubkey|cert|dual), notify_serial (alternate|pubkey|cert), "
        "certificates_absent_status (403|404)");
  }
  ctx.platform->Configure(mode, notify_serial, absent_status);
  return http::Response::Json(200, ctx.platform->StatusJson(now));
}

// POST /sim/platform/rotate {"overlap_seconds": 1..86400}
http::Response RotatePlatform(const http::Request& req, const ControlContext& ctx, int64_t now) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  const json::value* overlap =
      ec || !v.is_object() ? nullptr : v.as_object().if_contains("overlap_seconds");
  if (overlap == nullptr || !overlap->is_int64() || overlap->as_int64() < 1 ||
      overlap->as_int64() > 86400 || v.as_object().size() != 1) {
    return BadRequest("body must be {\"overlap_seconds\": 1..86400}");
  }
  absl::StatusOr<std::string> serial = ctx.platform->Rotate(now, overlap->as_int64());
  if (!serial.ok()) return Error(500, "INTERNAL", std::string(serial.status().message()));
  log::Info("platform certificate rotated", {{"serial", *serial}});
  return http::Response::Json(200, ctx.platform->StatusJson(now));
}

}  // namespace

http::Response HandleControlApi(const http::Request& req, const ControlContext& ctx, int64_t now) {
  const std::string_view path = req.Path();
  const std::string& m = req.method;
  if (path == "/sim/healthz" && m == "GET") {
    return http::Response::Json(200, R"({"status":"ok"})");
  }
  if (path == "/sim/pay" && m == "POST") return Pay(req, ctx, now);
  if (path == "/sim/notifications" && m == "GET") {
    std::optional<std::string> only = http::QueryParam(req.Query(), "out_trade_no");
    return http::Response::Json(
        200, AttemptsJson(ctx.notifier->Attempts(only ? std::optional<std::string_view>(*only)
                                                      : std::nullopt)));
  }
  if (path == "/sim/faults" && m == "POST") return SetFaults(req, ctx);
  if (path == "/sim/platform" && m == "GET") {
    return http::Response::Json(200, ctx.platform->StatusJson(now));
  }
  if (path == "/sim/platform" && m == "POST") return ConfigurePlatform(req, ctx, now);
  if (path == "/sim/platform/rotate" && m == "POST") return RotatePlatform(req, ctx, now);
  if (path == "/sim/faults" && m == "DELETE") {
    ctx.faults->Reset();
    http::Response res;
    res.status = 204;
    return res;
  }
  if (path.substr(0, kOrders.size()) == kOrders && m == "GET") {
    const std::string out_trade_no = http::PercentDecode(path.substr(kOrders.size()));
    std::optional<Order> order = ctx.store->FindByOutTradeNo(out_trade_no, now);
    if (!order) return Error(404, "NOT_FOUND", "no such order");
    json::object out = OrderJson(*order);
    const CallCounts calls = ctx.calls->For(out_trade_no);
    out["queries"] = calls.queries;
    out["closes"] = calls.closes;
    json::array refunds;
    if (ctx.refunds != nullptr) {
      for (const SimRefund& f : ctx.refunds->OfOrder(order->request.out_trade_no)) {
        refunds.push_back(json::object{{"out_refund_no", f.out_refund_no},
                                       {"refund_id", f.refund_id},
                                       {"refund", f.refund},
                                       {"status", f.status}});
      }
    }
    out["refunds"] = std::move(refunds);
    return http::Response::Json(200, json::serialize(out));
  }
  return Error(404, "NOT_FOUND", "no such route");
}

}  // namespace paymesh::wechatsim
