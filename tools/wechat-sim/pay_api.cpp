#include "tools/wechat-sim/pay_api.h"

#include <boost/json.hpp>
#include <optional>
#include <string_view>
#include <variant>

#include "common/log/log.h"
#include "common/log/trace.h"
#include "common/wechatpay/certificates.h"
#include "common/wechatpay/notification.h"
#include "tools/wechat-sim/envelope.h"
#include "tools/wechat-sim/responses.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr std::string_view kNative = "/v3/pay/transactions/native";
constexpr std::string_view kJsapi = "/v3/pay/transactions/jsapi";
constexpr std::string_view kH5 = "/v3/pay/transactions/h5";
constexpr std::string_view kByOutTradeNo = "/v3/pay/transactions/out-trade-no/";
constexpr std::string_view kById = "/v3/pay/transactions/id/";
constexpr std::string_view kClose = "/close";
constexpr std::string_view kRefunds = "/v3/refund/domestic/refunds";
constexpr std::string_view kCertificates = "/v3/certificates";

ApiError NotFoundRoute() { return MakeError(404, "NOT_FOUND", "请求的资源不存在"); }
ApiError OrderNotExist() { return MakeError(404, "ORDER_NOT_EXIST", "订单不存在", 268512771); }
ApiError SystemError() { return MakeError(500, "SYSTEM_ERROR", "系统异常，请用相同参数重新调用"); }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Signed with the key WeChat would answer this request under (platform.h).
http::Response Signed(const http::Request& req, const PayApiContext& ctx, int status,
                      std::string body, int64_t now) {
  const SigningKey key = ctx.platform->ForResponse(req.Header("Wechatpay-Serial"));
  return SignedResponse(status, std::move(body), key.key, key.serial, now);
}

// GET /v3/certificates: every certificate listed now, sealed with the merchant's APIv3 key.
http::Response Certificates(const http::Request& req, const PayApiContext& ctx, int64_t now) {
  if (ctx.platform->mode() == PlatformMode::kPublicKey) {
    return ErrorResponse(MakeError(ctx.platform->certificates_absent_status(),
                                   "RESOURCE_NOT_EXISTS",
                                   "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。"));
  }
  const std::optional<std::string> algorithm = http::QueryParam(req.Query(), "algorithm_type");
  std::vector<wechatpay::EncryptedCertificate> list;
  if (algorithm != "SM2") {
    for (const PlatformCertificate& c : ctx.platform->Listed(now)) {
      absl::StatusOr<wechatpay::EncryptedCertificate> sealed =
          wechatpay::SealCertificate(c.pem, ctx.apiv3_key, c.certificate);
      if (!sealed.ok()) return ErrorResponse(SystemError());
      list.push_back(std::move(*sealed));
    }
  }
  return Signed(req, ctx, 200, wechatpay::SerializeCertificateList(list), now);
}

// NATIVE answers the code_url, JSAPI the prepay_id, MWEB an h5_url: the simulator's own cashier
// page, on the host the merchant reached it by.
http::Response Prepay(const http::Request& req, const PayApiContext& ctx, int64_t now,
                      std::string_view trade_type) {
  OrderRequest order;
  if (auto e = ParsePrepayRequest(req.body, ctx.merchant, trade_type, &order)) {
    return ErrorResponse(*e);
  }
  std::variant<std::string, ApiError> result = ctx.store->Prepay(order, now);
  if (auto* e = std::get_if<ApiError>(&result)) return ErrorResponse(*e);
  const std::string& answer = std::get<std::string>(result);
  json::object body;
  if (trade_type == "NATIVE") {
    body["code_url"] = answer;
  } else if (trade_type == "JSAPI") {
    body["prepay_id"] = answer;
  } else {
    body["h5_url"] = "http://" + std::string(req.Header("Host")) +
                     "/sim/h5/cashier?prepay_id=" + answer + "&package=" + ctx.merchant.mchid;
  }
  return Signed(req, ctx, 200, json::serialize(body), now);
}

http::Response Query(const http::Request& req, const PayApiContext& ctx, int64_t now,
                     const std::optional<Order>& order, const Faults& faults) {
  if (auto e = CheckQueryMchid(req.Query(), ctx.merchant)) return ErrorResponse(*e);
  if (faults.query_500) return ErrorResponse(SystemError());
  if (!order) return ErrorResponse(OrderNotExist());
  return Signed(req, ctx, 200, wechatpay::SerializeTransaction(ToTransaction(*order)), now);
}

// The query's answer and its query_delay_ms. An unknown transaction_id gets the default faults.
DelayedResponse DelayedQuery(const http::Request& req, const PayApiContext& ctx, int64_t now,
                             const std::optional<Order>& order, std::string_view out_trade_no) {
  const Faults faults =
      ctx.faults->For(order ? std::string_view(order->request.out_trade_no) : out_trade_no);
  return {Query(req, ctx, now, order, faults), std::chrono::milliseconds(faults.query_delay_ms)};
}

http::Response Close(const http::Request& req, const PayApiContext& ctx, int64_t now,
                     const std::string& out_trade_no) {
  if (auto e = ParseCloseRequest(req.body, ctx.merchant)) return ErrorResponse(*e);
  std::variant<Order, ApiError> result = ctx.store->Close(out_trade_no, now);
  if (auto* e = std::get_if<ApiError>(&result)) return ErrorResponse(*e);
  return Signed(req, ctx, 204, "", now);
}

// A refund as the refund API answers it, with `status`.
std::string RefundJson(const SimRefund& f, const std::string& status) {
  json::object body{{"refund_id", f.refund_id},
                    {"out_refund_no", f.out_refund_no},
                    {"transaction_id", f.transaction_id},
                    {"out_trade_no", f.out_trade_no},
                    {"channel", "ORIGINAL"},
                    {"user_received_account", "支付用户零钱"},
                    {"create_time", f.create_time},
                    {"status", status},
                    {"amount", json::object{{"total", f.total},
                                            {"refund", f.refund},
                                            {"payer_total", f.total},
                                            {"payer_refund", f.refund},
                                            {"currency", "CNY"}}}};
  return json::serialize(body);
}

http::Response Refund(const http::Request& req, const PayApiContext& ctx, int64_t now) {
  std::variant<RefundRequest, ApiError> parsed = ParseRefundRequest(req.body, ctx.merchant.mchid);
  if (auto* e = std::get_if<ApiError>(&parsed)) return ErrorResponse(*e);
  const RefundRequest& request = std::get<RefundRequest>(parsed);
  std::optional<Order> order = request.transaction_id.empty()
                                   ? ctx.store->FindByOutTradeNo(request.out_trade_no, now)
                                   : ctx.store->FindByTransactionId(request.transaction_id, now);
  if (!order) return ErrorResponse(MakeError(404, "RESOURCE_NOT_EXISTS", "订单不存在"));
  const std::string& no = order->request.out_trade_no;
  if (ctx.refunds->CountCall(no) <= ctx.faults->For(no).refund_500) {
    return ErrorResponse(SystemError());
  }
  std::variant<RefundStore::Created, ApiError> made = ctx.refunds->Create(request, *order, now);
  if (auto* e = std::get_if<ApiError>(&made)) return ErrorResponse(*e);
  const RefundStore::Created& created = std::get<RefundStore::Created>(made);
  const SimRefund& f = created.refund;
  if (created.created && !f.notify_url.empty()) {
    Notification n;
    n.out_trade_no = no;
    n.notify_url = f.notify_url;
    n.id = NewNotificationId();
    n.faults = ctx.faults->For(no);  // e.g. every delivery dropped
    absl::StatusOr<std::string> body =
        BuildRefundNotification(f, ctx.merchant.mchid, ctx.apiv3_key, now, n.id);
    if (!body.ok()) return ErrorResponse(SystemError());
    n.body = std::move(*body);
    ctx.notifier->Deliver(std::move(n));
  }
  return Signed(req, ctx, 200, RefundJson(f, "PROCESSING"), now);
}

// GET /v3/refund/domestic/refunds/{out_refund_no}: the refund as it is now.
http::Response QueryRefund(const http::Request& req, const PayApiContext& ctx, int64_t now,
                           const std::string& number) {
  std::optional<SimRefund> f = ctx.refunds->Find(number);
  if (!f) return ErrorResponse(MakeError(404, "RESOURCE_NOT_EXISTS", "退款单不存在"));
  return Signed(req, ctx, 200, RefundJson(*f, f->status), now);
}

DelayedResponse Route(const http::Request& req, const PayApiContext& ctx, int64_t now) {
  const std::string_view path = req.Path();
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  enum class Kind {
    kPrepay,
    kQueryByNo,
    kQueryById,
    kClose,
    kRefund,
    kQueryRefund,
    kCertificates
  } kind;
  std::string key;
  std::string_view trade_type;
  if (path == kCertificates && get) {
    kind = Kind::kCertificates;
  } else if (path == kRefunds && post) {
    kind = Kind::kRefund;
  } else if (StartsWith(path, std::string(kRefunds) + "/") && get) {
    kind = Kind::kQueryRefund;
    key = http::PercentDecode(path.substr(kRefunds.size() + 1));
  } else if ((path == kNative || path == kJsapi || path == kH5) && post) {
    kind = Kind::kPrepay;
    trade_type = path == kNative ? "NATIVE" : path == kJsapi ? "JSAPI" : "MWEB";
  } else if (StartsWith(path, kByOutTradeNo) && post && EndsWith(path, kClose)) {
    kind = Kind::kClose;
    key = http::PercentDecode(
        path.substr(kByOutTradeNo.size(), path.size() - kByOutTradeNo.size() - kClose.size()));
  } else if (StartsWith(path, kByOutTradeNo) && get) {
    kind = Kind::kQueryByNo;
    key = http::PercentDecode(path.substr(kByOutTradeNo.size()));
  } else if (StartsWith(path, kById) && get) {
    kind = Kind::kQueryById;
    key = http::PercentDecode(path.substr(kById.size()));
  } else {
    return {ErrorResponse(NotFoundRoute())};
  }
  if (auto e = VerifyMerchantRequest(req, *ctx.identity, now)) return {ErrorResponse(*e)};
  if ((kind == Kind::kClose || kind == Kind::kQueryByNo) && !IsValidOutTradeNo(key)) {
    return {
        ErrorResponse(ParamError("参数 out_trade_no 不合法: 应为6-32位数字、大小写字母或_-|*"))};
  }
  switch (kind) {
    case Kind::kPrepay:
      return {Prepay(req, ctx, now, trade_type)};
    case Kind::kRefund:
      return {Refund(req, ctx, now)};
    case Kind::kCertificates:
      return {Certificates(req, ctx, now)};
    case Kind::kQueryRefund:
      return {QueryRefund(req, ctx, now, key)};
    case Kind::kClose:
      ctx.calls->CountClose(key);
      return {Close(req, ctx, now, key)};
    case Kind::kQueryByNo:
      ctx.calls->CountQuery(key);
      return DelayedQuery(req, ctx, now, ctx.store->FindByOutTradeNo(key, now), key);
    case Kind::kQueryById:
      return DelayedQuery(req, ctx, now, ctx.store->FindByTransactionId(key, now), "");
  }
  return {ErrorResponse(NotFoundRoute())};
}

}  // namespace

DelayedResponse HandlePayApi(const http::Request& req, const PayApiContext& ctx, int64_t now) {
  DelayedResponse answer = Route(req, ctx, now);
  // The merchant's trace, as WeChat's own logs would not show it: for following one request.
  log::Info("v3 request",
            {{"method", req.method},
             {"path", std::string(req.Path())},
             {"status", answer.response.status},
             {"delay_ms", static_cast<int64_t>(answer.delay.count())},
             {"trace_id", log::TraceIdOf(req.Header(log::kTraceparentHeader)).value_or("")}});
  return answer;
}

}  // namespace paymesh::wechatsim
