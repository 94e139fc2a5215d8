#include "tools/wechat-sim/store.h"

#include "common/crypto/crypto.h"
#include "common/time/rfc3339.h"

namespace paymesh::wechatsim {
namespace {

ApiError OrderPaid() { return MakeError(400, "ORDERPAID", "该订单已支付", 268449538); }
ApiError OrderNotExist() { return MakeError(404, "ORDER_NOT_EXIST", "订单不存在", 268512771); }

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string out;
  while (out.size() < n) {
    for (char b : crypto::RandomBytes(n)) {
      const unsigned v = static_cast<unsigned char>(b);
      // Reject the top of the byte range so every character is equally likely.
      if (v < 256 - 256 % alphabet.size() && out.size() < n)
        out.push_back(alphabet[v % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace

const char* TradeStateName(TradeState state) {
  switch (state) {
    case TradeState::kNotPay:
      return "NOTPAY";
    case TradeState::kSuccess:
      return "SUCCESS";
    case TradeState::kClosed:
      return "CLOSED";
    case TradeState::kPayError:
      return "PAYERROR";
  }
  return "NOTPAY";
}

OrderStore::OrderStore(int64_t auto_close_after_seconds)
    : auto_close_after_seconds_(auto_close_after_seconds) {}

Order* OrderStore::Look(std::string_view out_trade_no, int64_t now_unix) {
  auto it = orders_.find(out_trade_no);
  if (it == orders_.end()) return nullptr;
  Order& order = it->second;
  // Past time_expire + the delay, strictly: at time_expire itself the order is still payable
  // (Pay), so with a delay of 0 it closes the second after, when it stops being payable.
  if (order.state == TradeState::kNotPay && order.expire_unix &&
      now_unix > *order.expire_unix + auto_close_after_seconds_) {
    order.state = TradeState::kClosed;
  }
  return &order;
}

std::variant<std::string, ApiError> OrderStore::Prepay(const OrderRequest& request,
                                                       int64_t now_unix) {
  std::lock_guard lock(mu_);
  if (const Order* found = Look(request.out_trade_no, now_unix)) {
    const Order& order = *found;
    if (order.state == TradeState::kSuccess) return OrderPaid();
    if (order.state == TradeState::kClosed) {
      return MakeError(400, "ORDER_CLOSED", "订单已关闭", 268447914);
    }
    if (!(order.request == request)) {
      return MakeError(400, "INVALID_REQUEST", "请求重入时，参数与首次请求时不一致", 268498688);
    }
    return order.request.trade_type == "NATIVE" ? order.code_url : order.prepay_id;
  }
  Order order;
  order.request = request;
  if (const auto expire = time::Parse(request.time_expire); expire.ok()) {
    order.expire_unix =
        std::chrono::floor<std::chrono::seconds>(*expire).time_since_epoch().count();
  }
  std::string answer;
  if (request.trade_type == "NATIVE") {
    do {
      order.code_url = kCodeUrlPrefix + crypto::RandomAlnum(10);
    } while (by_code_url_.count(order.code_url) != 0);
    by_code_url_.emplace(order.code_url, request.out_trade_no);
    answer = order.code_url;
  } else {
    do {
      order.prepay_id = "wx" + crypto::RandomAlnum(30);
    } while (by_prepay_id_.count(order.prepay_id) != 0);
    by_prepay_id_.emplace(order.prepay_id, request.out_trade_no);
    answer = order.prepay_id;
  }
  orders_.emplace(request.out_trade_no, std::move(order));
  return answer;
}

absl::StatusOr<std::string> OrderStore::KeyOf(const PayRequest& request) const {
  if (!request.out_trade_no.empty()) return request.out_trade_no;
  const auto& index = request.code_url.empty() ? by_prepay_id_ : by_code_url_;
  const std::string& key = request.code_url.empty() ? request.prepay_id : request.code_url;
  auto it = index.find(key);
  if (it == index.end()) return absl::NotFoundError("no order has this code_url or prepay_id");
  return it->second;
}

absl::StatusOr<Order> OrderStore::Fail(const PayRequest& request, int64_t now_unix) {
  std::lock_guard lock(mu_);
  absl::StatusOr<std::string> key = KeyOf(request);
  if (!key.ok()) return key.status();
  Order* order = Look(*key, now_unix);
  if (order == nullptr) return absl::NotFoundError("no order " + *key);
  if (order->state != TradeState::kNotPay && order->state != TradeState::kPayError) {
    return absl::FailedPreconditionError(std::string("order is ") + TradeStateName(order->state));
  }
  order->state = TradeState::kPayError;
  return *order;
}

std::variant<Order, ApiError> OrderStore::Close(std::string_view out_trade_no, int64_t now_unix) {
  std::lock_guard lock(mu_);
  Order* order = Look(out_trade_no, now_unix);
  if (order == nullptr) return OrderNotExist();
  if (order->state == TradeState::kSuccess) return OrderPaid();
  order->state = TradeState::kClosed;
  return *order;
}

absl::StatusOr<Order> OrderStore::Pay(const PayRequest& request, int64_t now_unix) {
  std::lock_guard lock(mu_);
  absl::StatusOr<std::string> key = KeyOf(request);
  if (!key.ok()) return key.status();
  Order* found = Look(*key, now_unix);
  if (found == nullptr) return absl::NotFoundError("no order " + *key);
  Order& order = *found;
  if (order.state != TradeState::kNotPay && order.state != TradeState::kPayError) {
    return absl::FailedPreconditionError(std::string("order is ") + TradeStateName(order.state));
  }
  if (order.expire_unix && now_unix > *order.expire_unix) {
    return absl::FailedPreconditionError("order is past its time_expire");
  }
  order.state = TradeState::kSuccess;
  do {
    order.transaction_id = NewTransactionId();
  } while (by_transaction_id_.count(order.transaction_id) != 0);
  order.success_time = time::FormatChina(std::chrono::sys_seconds(std::chrono::seconds(now_unix)));
  // A JSAPI order is paid by the payer it was made for; otherwise whoever scanned.
  order.payer_openid = !request.openid.empty()               ? request.openid
                       : !order.request.payer_openid.empty() ? order.request.payer_openid
                                                             : NewOpenid();
  order.paid_total = request.amount_total.value_or(order.request.amount_total);
  by_transaction_id_.emplace(order.transaction_id, order.request.out_trade_no);
  return order;
}

std::optional<Order> OrderStore::FindByOutTradeNo(std::string_view out_trade_no, int64_t now_unix) {
  std::lock_guard lock(mu_);
  const Order* order = Look(out_trade_no, now_unix);
  if (order == nullptr) return std::nullopt;
  return *order;
}

std::optional<Order> OrderStore::FindByPrepayId(std::string_view prepay_id, int64_t now_unix) {
  std::lock_guard lock(mu_);
  auto id = by_prepay_id_.find(prepay_id);
  if (id == by_prepay_id_.end()) return std::nullopt;
  return *Look(id->second, now_unix);
}

std::optional<Order> OrderStore::FindByTransactionId(std::string_view transaction_id,
                                                     int64_t now_unix) {
  std::lock_guard lock(mu_);
  auto id = by_transaction_id_.find(transaction_id);
  if (id == by_transaction_id_.end()) return std::nullopt;
  return *Look(id->second, now_unix);  // paid, so never auto-closed; looked at for uniformity
}

wechatpay::Transaction ToTransaction(const Order& order) {
  wechatpay::Transaction t;
  t.appid = order.request.appid;
  t.mchid = order.request.mchid;
  t.out_trade_no = order.request.out_trade_no;
  t.trade_type = order.request.trade_type;
  t.trade_state = TradeStateName(order.state);
  t.currency = order.request.currency;
  t.amount_total = order.request.amount_total;
  switch (order.state) {
    case TradeState::kNotPay:
      t.trade_state_desc = "订单未支付";
      break;
    case TradeState::kClosed:
      t.trade_state_desc = "订单已关闭";
      break;
    case TradeState::kPayError:
      t.trade_state_desc = "支付失败，请重新下单支付";
      break;
    case TradeState::kSuccess:
      t.trade_state_desc = "支付成功";
      t.transaction_id = order.transaction_id;
      t.bank_type = "OTHERS";
      t.attach = order.request.attach;
      t.success_time = order.success_time;
      t.payer_openid = order.payer_openid;
      t.amount_total = order.paid_total;
      t.amount_payer_total = order.paid_total;
      t.payer_currency = "CNY";
      break;
  }
  return t;
}

std::string NewTransactionId() { return "4200" + RandomFrom("0123456789", 24); }

std::string NewOpenid() {
  return "o" + RandomFrom("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-", 27);
}

}  // namespace paymesh::wechatsim
