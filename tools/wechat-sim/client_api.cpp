#include "tools/wechat-sim/client_api.h"

#include <boost/json.hpp>
#include <string>

#include "common/crypto/crypto.h"
#include "common/log/log.h"
#include "common/strings/html.h"
#include "common/wechatpay/signing.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr size_t kMaxField = 1024;

constexpr char kBridgeJs[] =
    R"js(// WeChat client stand-in (paymesh wechat-sim): the payment bridge of the JS-SDK.
(function () {
  var base = (document.currentScript && document.currentScript.src || '').replace(/\/sim\/jsbridge\.js.*$/, '');
  function pay(params, done) {
    fetch(base + '/sim/jsbridge/pay', {method: 'POST', body: JSON.stringify(params)})
      .then(function (r) { return r.json(); })
      .then(done, function () { done({err_msg: 'get_brand_wcpay_request:fail'}); });
  }
  window.WeixinJSBridge = {
    invoke: function (name, params, cb) {
      if (name !== 'getBrandWCPayRequest') { cb({err_msg: name + ':fail'}); return; }
      pay(params, cb);
    }
  };
  function wxPay(opts) {
    var params = {appId: opts.appId, timeStamp: opts.timeStamp || opts.timestamp,
                  nonceStr: opts.nonceStr, package: opts.package, signType: opts.signType,
                  paySign: opts.paySign, result: opts.simResult};
    pay(params, function (res) {
      var ok = /:ok$/.test(res.err_msg);
      if (ok && opts.success) opts.success(res);
      if (!ok && opts.fail) opts.fail(res);
      if (opts.complete) opts.complete(res);
    });
  }
  window.wx = window.wx || {};
  window.wx.chooseWXPay = wxPay;
  window.wx.requestPayment = wxPay;
  if (typeof WeixinJSBridgeReady === 'function') WeixinJSBridgeReady();
  document.dispatchEvent(new Event('WeixinJSBridgeReady'));
})();
)js";

http::Response WithCors(http::Response res) {
  res.SetHeader("Access-Control-Allow-Origin", "*");
  res.SetHeader("Cache-Control", "no-store");
  return res;
}

http::Response ErrMsg(const std::string& outcome, const std::string& desc = "") {
  json::object o{{"err_msg", "get_brand_wcpay_request:" + outcome}};
  if (!desc.empty()) o["err_desc"] = desc;
  return WithCors(http::Response::Json(200, json::serialize(o)));
}

std::string Field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->as_string().size() > kMaxField) return "";
  return std::string(v->as_string());
}

// Pays, cancels or fails the order of `prepay_id`; the err_msg outcome ("ok", "cancel", "fail").
std::string Settle(const ControlContext& ctx, const std::string& prepay_id,
                   const std::string& result, int64_t now) {
  PayRequest request;
  request.prepay_id = prepay_id;
  if (result == "cancel") return "cancel";
  if (result == "fail") {
    (void)ctx.store->Fail(request, now);  // PAYERROR; the user may try again
    return "fail";
  }
  return PayAndNotify(ctx, request, now).ok() ? "ok" : "fail";
}

http::Response BridgePay(const http::Request& req, const ControlContext& ctx, int64_t now) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return ErrMsg("fail", "parameters must be a JSON object");
  const json::object& o = v.as_object();
  const std::string app_id = Field(o, "appId"), time_stamp = Field(o, "timeStamp"),
                    nonce = Field(o, "nonceStr"), package = Field(o, "package"),
                    sign_type = Field(o, "signType"), pay_sign = Field(o, "paySign");
  const std::string prefix = "prepay_id=";
  if (sign_type != "RSA" || package.rfind(prefix, 0) != 0 || time_stamp.empty() || nonce.empty()) {
    return ErrMsg("fail", "missing or malformed parameters");
  }
  const std::string prepay_id = package.substr(prefix.size());
  std::optional<Order> order = ctx.store->FindByPrepayId(prepay_id, now);
  if (!order) return ErrMsg("fail", "unknown prepay_id");
  // The client knows the app it runs in: the page's appId must be the one that prepaid.
  if (!app_id.empty() && app_id != order->request.appid) return ErrMsg("fail", "appId mismatch");
  absl::StatusOr<std::string> signature = crypto::Base64Decode(pay_sign);
  const std::string message =
      wechatpay::PaySignMessage(order->request.appid, time_stamp, nonce, package);
  if (!signature.ok() || !ctx.merchant_key->VerifySha256(message, *signature)) {
    log::Warn("bridge paySign refused", {{"out_trade_no", order->request.out_trade_no}});
    return ErrMsg("fail", "paySign invalid");
  }
  return ErrMsg(Settle(ctx, prepay_id, Field(o, "result"), now));
}

http::Response Cashier(const http::Request& req, const ControlContext& ctx, int64_t now) {
  const std::string prepay_id = http::QueryParam(req.Query(), "prepay_id").value_or("");
  std::optional<Order> order = ctx.store->FindByPrepayId(prepay_id, now);
  if (!order || order->request.trade_type != "MWEB") {
    return http::Response::Text(404, "unknown prepay_id\n");
  }
  const std::string id = strings::EscapeHtml(prepay_id);
  std::string html =
      "<!doctype html><meta charset=utf-8><title>微信支付</title>"
      "<h1>微信支付 (simulator)</h1><p>" +
      strings::EscapeHtml(order->request.description) + "</p><p>¥" +
      std::to_string(order->request.amount_total / 100) + "." +
      (order->request.amount_total % 100 < 10 ? "0" : "") +
      std::to_string(order->request.amount_total % 100) + "</p>";
  for (const char* result : {"pay", "cancel", "fail"}) {
    html += "<form method=post action=/sim/h5/pay><input type=hidden name=prepay_id value=\"" + id +
            "\"><button name=result value=" + result + ">" + result + "</button></form>";
  }
  return http::Response::Text(200, html, "text/html; charset=utf-8");
}

http::Response H5Pay(const http::Request& req, const ControlContext& ctx, int64_t now) {
  const std::string_view form = req.body.empty() ? req.Query() : std::string_view(req.body);
  const std::string prepay_id = http::QueryParam(form, "prepay_id").value_or("");
  std::optional<Order> order = ctx.store->FindByPrepayId(prepay_id, now);
  if (!order || order->request.trade_type != "MWEB") {
    return WithCors(http::Response::Json(404, R"({"code":"NOT_FOUND"})"));
  }
  const std::string outcome =
      Settle(ctx, prepay_id, http::QueryParam(form, "result").value_or("pay"), now);
  return WithCors(http::Response::Json(
      200, json::serialize(
               json::object{{"result", outcome}, {"out_trade_no", order->request.out_trade_no}})));
}

}  // namespace

bool IsClientPath(std::string_view path) {
  return path == "/sim/jsbridge.js" || path == "/sim/jsbridge/pay" || path == "/sim/h5/cashier" ||
         path == "/sim/h5/pay";
}

http::Response HandleClientApi(const http::Request& req, const ControlContext& ctx, int64_t now) {
  const std::string_view path = req.Path();
  if (path == "/sim/jsbridge.js" && req.method == "GET") {
    return WithCors(http::Response::Text(200, kBridgeJs, "text/javascript; charset=utf-8"));
  }
  if (path == "/sim/jsbridge/pay" && req.method == "POST") return BridgePay(req, ctx, now);
  if (path == "/sim/h5/cashier" && req.method == "GET") return Cashier(req, ctx, now);
  if (path == "/sim/h5/pay" && req.method == "POST") return H5Pay(req, ctx, now);
  return http::Response::Json(405, R"({"code":"METHOD_NOT_ALLOWED"})");
}

}  // namespace paymesh::wechatsim
