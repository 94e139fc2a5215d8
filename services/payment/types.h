#pragma once

// Domain values of the payment service. Money is int64 fen; times are UTC. Payment owns no rows:
// an Order here is order's view of it, fetched through order_api.h.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace paymesh::payment {

using Timestamp = std::chrono::system_clock::time_point;
// The time source; unit tests inject a fake.
using Clock = std::function<Timestamp()>;

inline constexpr char kCurrencyCny[] = "CNY";
inline constexpr char kChannelNative[] = "native";

// Order states as order names them (docs/architecture.md, "Order states").
inline constexpr char kOrderCreated[] = "CREATED";
inline constexpr char kOrderPaying[] = "PAYING";

// WeChat's names.
inline constexpr char kEventTransactionSuccess[] = "TRANSACTION.SUCCESS";
inline constexpr char kTradeStateSuccess[] = "SUCCESS";

// What WeChat issued for one payment attempt.
struct Prepay {
  std::string channel;  // native
  std::string code_url;
  Timestamp expires_at;  // after it, a new prepay is needed
};

struct Order {
  std::string id;
  std::string user_id;
  std::string out_trade_no;
  std::string state;  // CREATED, PAYING, PAID, CLOSED, ...
  int64_t total_fen = 0;
  std::string currency;
  std::string description;  // for WeChat's bill
  Timestamp created_at;
  std::optional<Prepay> prepay;
  std::string transaction_id;
};

// What WeChat reported about one transaction (a decrypted notification or a query answer).
struct PaymentReport {
  std::string appid;
  std::string mchid;
  std::string out_trade_no;
  std::string transaction_id;
  std::string trade_type;
  std::string trade_state;
  std::string success_time;
  std::string payer_openid;
  int64_t amount_total = 0;  // fen
  int64_t payer_total = 0;   // fen
  std::string currency;
};

struct ApplyPaymentInput {
  std::string notification_id;  // WeChat's notification id, or "query:<transaction_id>"
  std::string source;           // notification | query
  std::string event_type;       // TRANSACTION.SUCCESS
  PaymentReport report;
};

struct ApplyPaymentResult {
  std::string outcome;         // APPLIED, DUPLICATE, AMOUNT_MISMATCH, UNKNOWN_ORDER, IGNORED
  std::optional<Order> order;  // absent for UNKNOWN_ORDER
};

}  // namespace paymesh::payment
