#pragma once

// Domain values of the order service. Money is int64 fen; times are UTC microseconds.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paymesh::order {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

inline constexpr char kCurrencyCny[] = "CNY";

// docs/architecture.md, "Order states". CREATED, PAYING and PAID are reachable so far (CLOSED only by hand);
// the rest exist so the schema and the API already speak the whole machine.
enum class OrderState {
  kCreated,
  kPaying,
  kPaid,
  kPayFailed,
  kClosed,
  kPartiallyRefunded,
  kRefunded
};

inline constexpr std::string_view StateName(OrderState s) {
  switch (s) {
    case OrderState::kCreated:
      return "CREATED";
    case OrderState::kPaying:
      return "PAYING";
    case OrderState::kPaid:
      return "PAID";
    case OrderState::kPayFailed:
      return "PAY_FAILED";
    case OrderState::kClosed:
      return "CLOSED";
    case OrderState::kPartiallyRefunded:
      return "PARTIALLY_REFUNDED";
    case OrderState::kRefunded:
      return "REFUNDED";
  }
  return "CREATED";
}

inline std::optional<OrderState> ParseState(std::string_view name) {
  for (OrderState s :
       {OrderState::kCreated, OrderState::kPaying, OrderState::kPaid, OrderState::kPayFailed,
        OrderState::kClosed, OrderState::kPartiallyRefunded, OrderState::kRefunded}) {
    if (StateName(s) == name) return s;
  }
  return std::nullopt;
}

struct Product {
  std::string sku;
  std::string name;
  int64_t price_fen = 0;
  std::string currency = kCurrencyCny;
  bool active = true;
};

// One cart line as the caller sent it.
struct ItemInput {
  std::string sku;
  int32_t quantity = 0;
};

// One priced line of an order.
struct OrderItem {
  std::string sku;
  std::string name;
  int32_t quantity = 0;
  int64_t unit_price_fen = 0;
  int64_t line_total_fen = 0;
};

// What WeChat issued for paying an order; which link is set depends on the channel.
struct Prepay {
  std::string channel;    // native, jsapi, miniprogram, h5
  std::string code_url;   // native
  std::string prepay_id;  // jsapi, miniprogram
  std::string h5_url;     // h5
  std::optional<Timestamp> expires_at;

  bool operator==(const Prepay&) const = default;
};

struct Order {
  std::string id;  // uuid, lowercase
  std::string user_id;
  std::string out_trade_no;
  OrderState state = OrderState::kCreated;
  int64_t total_fen = 0;
  std::string currency = kCurrencyCny;
  std::vector<OrderItem> items;
  Timestamp created_at{};
  Timestamp updated_at{};
  // Computed from the items by OrderLogic, never stored: the bill text WeChat shows.
  std::string description;
  std::optional<Prepay> prepay;  // the latest one recorded
  std::string transaction_id;    // WeChat's, once paid
  std::optional<Timestamp> paid_at;
  bool late_payment = false;  // paid after it was closed: needs a refund or review
  bool flagged = false;       // needs review; flag_reason says why
  std::string flag_reason;
};

// What WeChat reported about one transaction (a decrypted notification or a query answer).
struct PaymentReport {
  std::string appid;
  std::string mchid;
  std::string out_trade_no;
  std::string transaction_id;
  std::string trade_type;
  std::string trade_state;   // SUCCESS, NOTPAY, CLOSED, ...
  std::string success_time;  // RFC 3339 as reported; "" unless SUCCESS
  std::string payer_openid;  // stored with the payment only; never logged or audited
  int64_t amount_total = 0;  // fen
  int64_t payer_total = 0;
  std::string currency;
};

inline constexpr char kTradeStateSuccess[] = "SUCCESS";

// How ApplyPayment dealt with a report.
enum class PaymentOutcome { kApplied, kDuplicate, kAmountMismatch, kUnknownOrder, kIgnored };

inline constexpr std::string_view OutcomeName(PaymentOutcome o) {
  switch (o) {
    case PaymentOutcome::kApplied:
      return "APPLIED";
    case PaymentOutcome::kDuplicate:
      return "DUPLICATE";
    case PaymentOutcome::kAmountMismatch:
      return "AMOUNT_MISMATCH";
    case PaymentOutcome::kUnknownOrder:
      return "UNKNOWN_ORDER";
    case PaymentOutcome::kIgnored:
      return "IGNORED";
  }
  return "IGNORED";
}

// Position in a user's order list: orders strictly older than (created_at, id) come next.
struct PageKey {
  Timestamp created_at{};
  std::string id;
};

}  // namespace paymesh::order
