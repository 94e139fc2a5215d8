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

// DESIGN.md section 3. Only CREATED is reachable so far; the rest exist so the schema and the
// API already speak the whole machine.
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
};

// Position in a user's order list: orders strictly older than (created_at, id) come next.
struct PageKey {
  Timestamp created_at{};
  std::string id;
};

}  // namespace paymesh::order
