#include "tools/wechat-sim/refunds.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/crypto/crypto.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/notification.h"
#include "tools/wechat-sim/envelope.h"
#include "tools/wechat-sim/validation.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

ApiError InvalidRequest(const std::string& message) {
  return MakeError(400, "INVALID_REQUEST", message);
}

std::string Text(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

std::variant<RefundRequest, ApiError> ParseRefundRequest(std::string_view body,
                                                         const std::string& mchid) {
  (void)mchid;  // refunds carry no mchid: the merchant is the one who signed the call
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return ParamError("请求体不是合法的JSON");
  const json::object& o = v.as_object();
  RefundRequest r;
  r.transaction_id = Text(o, "transaction_id");
  r.out_trade_no = Text(o, "out_trade_no");
  r.out_refund_no = Text(o, "out_refund_no");
  r.reason = Text(o, "reason");
  r.notify_url = Text(o, "notify_url");
  if (r.transaction_id.empty() == r.out_trade_no.empty()) {
    return ParamError("transaction_id 与 out_trade_no 必须二选一");
  }
  if (r.out_refund_no.empty() || r.out_refund_no.size() > 64) {
    return ParamError("参数 out_refund_no 不合法");
  }
  if (r.reason.size() > 80) return ParamError("参数 reason 长度超过限制");
  const json::value* amount = o.if_contains("amount");
  if (amount == nullptr || !amount->is_object()) return ParamError("缺少参数 amount");
  const json::object& a = amount->as_object();
  const json::value* refund = a.if_contains("refund");
  const json::value* total = a.if_contains("total");
  if (refund == nullptr || !refund->is_int64() || refund->as_int64() < 1) {
    return ParamError("参数 amount.refund 不合法");
  }
  if (total == nullptr || !total->is_int64() || total->as_int64() < 1) {
    return ParamError("参数 amount.total 不合法");
  }
  r.refund = refund->as_int64();
  r.total = total->as_int64();
  if (!Text(a, "currency").empty()) r.currency = Text(a, "currency");
  return r;
}

std::variant<RefundStore::Created, ApiError> RefundStore::Create(const RefundRequest& request,
                                                                 const Order& paid,
                                                                 int64_t now_unix) {
  if (paid.state != TradeState::kSuccess) return InvalidRequest("订单未支付，不能退款");
  if (request.total != paid.paid_total) return InvalidRequest("订单金额与原订单不一致");
  std::lock_guard lock(mu_);
  if (auto it = by_number_.find(request.out_refund_no); it != by_number_.end()) {
    if (it->second.refund != request.refund ||
        it->second.out_trade_no != paid.request.out_trade_no) {
      return InvalidRequest("同一退款单号的请求参数与首次不一致");
    }
    return Created{it->second, false};
  }
  int64_t refunded = 0;
  for (const auto& [no, f] : by_number_) {
    if (f.out_trade_no == paid.request.out_trade_no) refunded += f.refund;
  }
  if (refunded + request.refund > paid.paid_total) {
    return InvalidRequest("申请退款金额超过订单可退金额");
  }
  SimRefund f;
  f.out_refund_no = request.out_refund_no;
  f.refund_id = "5030" + crypto::HexUpper(crypto::RandomBytes(13));
  f.out_trade_no = paid.request.out_trade_no;
  f.transaction_id = paid.transaction_id;
  f.notify_url = request.notify_url;
  f.refund = request.refund;
  f.total = paid.paid_total;
  f.status = "SUCCESS";
  f.create_time = time::FormatChina(std::chrono::sys_seconds(std::chrono::seconds(now_unix)));
  by_number_.emplace(f.out_refund_no, f);
  return Created{f, true};
}

int RefundStore::CountCall(std::string_view out_trade_no) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(out_trade_no);
  if (it == calls_.end()) it = calls_.emplace(std::string(out_trade_no), 0).first;
  return ++it->second;
}

std::optional<SimRefund> RefundStore::Find(std::string_view out_refund_no) const {
  std::lock_guard lock(mu_);
  auto it = by_number_.find(out_refund_no);
  if (it == by_number_.end()) return std::nullopt;
  return it->second;
}

std::vector<SimRefund> RefundStore::OfOrder(std::string_view out_trade_no) const {
  std::lock_guard lock(mu_);
  std::vector<SimRefund> out;
  for (const auto& [no, f] : by_number_) {
    if (f.out_trade_no == out_trade_no) out.push_back(f);
  }
  return out;
}

absl::StatusOr<std::string> BuildRefundNotification(const SimRefund& refund,
                                                    const std::string& mchid,
                                                    std::string_view apiv3_key, int64_t now_unix,
                                                    const std::string& id) {
  wechatpay::RefundResource r;
  r.mchid = mchid;
  r.out_trade_no = refund.out_trade_no;
  r.transaction_id = refund.transaction_id;
  r.out_refund_no = refund.out_refund_no;
  r.refund_id = refund.refund_id;
  r.refund_status = refund.status;
  r.success_time = time::FormatChina(std::chrono::sys_seconds(std::chrono::seconds(now_unix)));
  r.amount_total = refund.total;
  r.amount_refund = refund.refund;
  return BuildRefundEnvelope(r, apiv3_key, now_unix, id);
}

}  // namespace paymesh::wechatsim
