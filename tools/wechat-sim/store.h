#pragma once

// The simulator's orders, in memory, keyed by out_trade_no (one merchant), with lookups by
// transaction_id and code_url. Implements WeChat's re-entry and state rules:
//   prepay: new → NOTPAY with a fresh code_url (NATIVE) or prepay_id (JSAPI, MWEB); identical
//           re-entry → the same one;
//           different parameters → INVALID_REQUEST; paid → ORDERPAID; closed → ORDER_CLOSED
//   close:  NOTPAY → CLOSED; CLOSED stays CLOSED (re-entrant); SUCCESS → ORDERPAID
//   pay:    NOTPAY or PAYERROR (not past time_expire) → SUCCESS; anything else is not payable
//   fail:   NOTPAY → PAYERROR (the user's payment failed; they may try again)
//   auto-close: time_expire only stops payment; WeChat closes an unpaid order itself later
//           (7 days). A NOTPAY order is CLOSED once `now` is past time_expire +
//           auto_close_after_seconds — lazily, by every method below before it looks at the
//           order. Orders without time_expire, and PAYERROR ones, are never closed this way.
// Thread-safe (one mutex); `now` is passed in, so the rules are testable without a clock.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "common/wechatpay/notification.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

inline constexpr char kCodeUrlPrefix[] = "weixin://wxpay/bizpayurl?pr=";

struct PayRequest {
  std::string out_trade_no;  // one of these three
  std::string code_url;
  std::string prepay_id;
  std::string openid;                   // empty: a random one
  std::optional<int64_t> amount_total;  // report another amount than the order's
};

class OrderStore {
 public:
  // `auto_close_after_seconds` ≥ 0; 0 closes an unpaid order as soon as it is past time_expire.
  explicit OrderStore(int64_t auto_close_after_seconds = kDefaultAutoCloseAfterSeconds);

  // Every `now_unix` is Unix seconds; the auto-close rule (above) is applied at it first.

  // The order's code_url (NATIVE) or prepay_id (JSAPI, MWEB), or the error WeChat answers.
  std::variant<std::string, ApiError> Prepay(const OrderRequest& request, int64_t now_unix);
  // NOT_FOUND, or the order after closing; ApiError ORDERPAID for a paid order.
  std::variant<Order, ApiError> Close(std::string_view out_trade_no, int64_t now_unix);
  // The paid order. NOT_FOUND for an unknown order; FAILED_PRECONDITION when it is not payable
  // (paid, closed, or past time_expire at `now_unix`).
  absl::StatusOr<Order> Pay(const PayRequest& request, int64_t now_unix);
  // The user's payment failed: NOTPAY → PAYERROR. NOT_FOUND / FAILED_PRECONDITION as Pay.
  absl::StatusOr<Order> Fail(const PayRequest& request, int64_t now_unix);

  // Not const: looking may auto-close the order.
  std::optional<Order> FindByOutTradeNo(std::string_view out_trade_no, int64_t now_unix);
  std::optional<Order> FindByTransactionId(std::string_view transaction_id, int64_t now_unix);
  std::optional<Order> FindByPrepayId(std::string_view prepay_id, int64_t now_unix);

 private:
  // The out_trade_no a pay request names; requires mu_.
  absl::StatusOr<std::string> KeyOf(const PayRequest& request) const;
  // The order, auto-closed if its time has come, or nullptr; requires mu_.
  Order* Look(std::string_view out_trade_no, int64_t now_unix);

  const int64_t auto_close_after_seconds_;
  std::mutex mu_;
  std::map<std::string, Order, std::less<>> orders_;                   // by out_trade_no
  std::map<std::string, std::string, std::less<>> by_transaction_id_;  // → out_trade_no
  std::map<std::string, std::string, std::less<>> by_code_url_;        // → out_trade_no
  std::map<std::string, std::string, std::less<>> by_prepay_id_;       // → out_trade_no
};

// The order as the query API and the notification present it (SerializeTransaction's input).
wechatpay::Transaction ToTransaction(const Order& order);

// "4200" + 24 random digits.
std::string NewTransactionId();
// "o" + 27 random characters of [0-9A-Za-z_-], shaped like a real openid.
std::string NewOpenid();

}  // namespace paymesh::wechatsim
