#pragma once

// Domain values of the order service. Money is int64 fen; times are time::Timestamp (UTC µs).
// The names below are the ones PostgreSQL stores.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time/clock.h"

namespace paymesh::order {

using time::Timestamp;

inline constexpr char kCurrencyCny[] = "CNY";

// docs/architecture.md, "Order states". CREATED, PAYING and PAID are reachable so far (CLOSED only
// by hand); the rest exist so the schema and the API already speak the whole machine.
enum class OrderState {
  kCreated,
  kPaying,
  kPaid,
  kPayFailed,
  kClosed,
  kPartiallyRefunded,
  kRefunded
};

inline constexpr std::string_view kStateNames[] = {
    "CREATED", "PAYING", "PAID", "PAY_FAILED", "CLOSED", "PARTIALLY_REFUNDED", "REFUNDED"};

// How a buyer pays (WeChat's prepay endpoints).
enum class Channel { kNative, kJsapi, kMiniprogram, kH5 };
inline constexpr std::string_view kChannelNames[] = {"native", "jsapi", "miniprogram", "h5"};

// Where a payment report came from.
enum class ReportSource { kNotification, kQuery };
inline constexpr std::string_view kSourceNames[] = {"notification", "query"};

// What ApplyPayments did with a report.
enum class PaymentOutcome {
  kApplied,           // the order was paid (late payments included)
  kDuplicate,         // this notification or transaction was applied before
  kAmountMismatch,    // recorded and flagged; the order is not paid
  kUnknownOrder,      // recorded without an order, for reconciliation
  kIgnored,           // recorded only: not a successful payment
  kDuplicatePayment,  // a second transaction for a paid order: recorded and flagged
  kRejected           // a verified report that cannot be applied: stored with its reason
};
inline constexpr std::string_view kOutcomeNames[] = {
    "APPLIED", "DUPLICATE",         "AMOUNT_MISMATCH", "UNKNOWN_ORDER",
    "IGNORED", "DUPLICATE_PAYMENT", "REJECTED"};

// A refund's state: WeChat's names (docs/wechat-protocols.md §6.6). PROCESSING until WeChat
// settles it; SUCCESS and CLOSED are final; ABNORMAL (the money could not reach the payer)
// needs a person and may still end SUCCESS or CLOSED.
enum class RefundStatus { kProcessing, kSuccess, kAbnormal, kClosed };
inline constexpr std::string_view kRefundStatusNames[] = {"PROCESSING", "SUCCESS", "ABNORMAL",
                                                          "CLOSED"};

// Money going back to the payer of a paid order.
struct Refund {
  std::string id;  // uuid
  std::string order_id;
  std::string out_refund_no;  // ours, sent to WeChat; every retry of this refund reuses it
  int64_t amount_fen = 0;
  std::string reason;
  RefundStatus status = RefundStatus::kProcessing;
  std::string refund_id;        // WeChat's, once it has answered
  std::string requested_by;     // the admin's user id, or "wechat" for one made in the portal
  std::string idempotency_key;  // "" = none
  std::string request_hash;     // with idempotency_key
  Timestamp created_at{};
  Timestamp updated_at{};

  bool operator==(const Refund&) const = default;
};

// The stored name of an enum value above, and back (nullopt for an unknown name).
template <typename Enum, size_t N>
constexpr std::string_view NameOf(Enum value, const std::string_view (&names)[N]) {
  return names[static_cast<size_t>(value)];
}
template <typename Enum, size_t N>
std::optional<Enum> ParseName(std::string_view name, const std::string_view (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

inline constexpr std::string_view StateName(OrderState s) { return NameOf(s, kStateNames); }
inline std::optional<OrderState> ParseState(std::string_view name) {
  return ParseName<OrderState>(name, kStateNames);
}
inline constexpr std::string_view ChannelName(Channel c) { return NameOf(c, kChannelNames); }
inline std::optional<Channel> ParseChannel(std::string_view name) {
  return ParseName<Channel>(name, kChannelNames);
}
inline constexpr std::string_view SourceName(ReportSource s) { return NameOf(s, kSourceNames); }
inline constexpr std::string_view OutcomeName(PaymentOutcome o) { return NameOf(o, kOutcomeNames); }
inline std::optional<PaymentOutcome> ParseOutcome(std::string_view name) {
  return ParseName<PaymentOutcome>(name, kOutcomeNames);
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
  Channel channel = Channel::kNative;
  std::string code_url;   // native
  std::string prepay_id;  // jsapi, miniprogram
  std::string h5_url;     // h5
  std::optional<Timestamp> expires_at;
  // The payment attempt it belongs to (PaymentOutTradeNo). Changing channel on an unpaid order
  // takes a new attempt: WeChat refuses a second prepay of one out_trade_no with other fields.
  int attempt = 0;

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
  Timestamp expires_at{};  // unpaid after it, the order is closed (WeChat's time_expire)
  // Computed from the items by OrderLogic, never stored: the bill text WeChat shows.
  std::string description;
  int payment_attempt = 0;       // the current one; its prepay is `prepay`
  std::optional<Prepay> prepay;  // the latest one recorded
  std::string transaction_id;    // WeChat's, once paid
  std::optional<Timestamp> paid_at;
  bool late_payment = false;  // paid after it was closed: needs a refund or review
  bool flagged = false;       // needs review; flag_reason says why
  std::string flag_reason;
};

// An order has one out_trade_no; its payment attempt n > 0 is known to WeChat as
// "<out_trade_no>_<n>" (WeChat allows '_'; our out_trade_nos never contain it).
inline constexpr int kMaxPaymentAttempts = 20;
inline std::string PaymentOutTradeNo(const std::string& out_trade_no, int attempt) {
  return attempt == 0 ? out_trade_no : out_trade_no + "_" + std::to_string(attempt);
}
// The order's out_trade_no for one WeChat reported: the part before the first '_'.
inline std::string_view BaseOutTradeNo(std::string_view wechat_out_trade_no) {
  return wechat_out_trade_no.substr(0, wechat_out_trade_no.find('_'));
}

// What WeChat reported about one transaction (a decrypted notification or a query answer).
struct PaymentReport {
  std::string appid;
  std::string mchid;
  std::string out_trade_no;
  std::string transaction_id;
  std::string trade_type;
  std::string trade_state;                // SUCCESS, NOTPAY, CLOSED, ...
  std::optional<Timestamp> success_time;  // as reported, when reported
  std::string payer_openid;               // stored with the payment only; never logged or audited
  int64_t amount_total = 0;               // fen
  int64_t payer_total = 0;
  std::string currency;
};

inline constexpr char kTradeStateSuccess[] = "SUCCESS";

// One report on its way into the store.
struct PaymentNotice {
  std::string notification_id;  // WeChat's notification id, or "query:<transaction_id>"
  ReportSource source = ReportSource::kNotification;
  std::string event_type;  // TRANSACTION.SUCCESS
  PaymentReport report;

  // Only a successful payment can change an order; anything else is recorded (IGNORED).
  bool applicable() const { return report.trade_state == kTradeStateSuccess; }
};

// A verified report that cannot be applied, kept with the reason (never the openid): its
// fields are cut to what the inbox holds.
struct RejectedReport {
  std::string notification_id;
  ReportSource source = ReportSource::kNotification;
  std::string event_type;
  std::string out_trade_no;
  std::string transaction_id;
  std::string reason;
};

// What applying one report did, and the order as it is afterwards.
struct PaymentResult {
  PaymentOutcome outcome = PaymentOutcome::kApplied;
  std::string order_id;                   // "" when out_trade_no matched no order
  std::optional<OrderState> order_state;  // set with order_id
  bool flagged = false;                   // the order needs review, because of flag_reason
  std::string flag_reason;

  bool operator==(const PaymentResult&) const = default;
};

// Position in a user's order list: orders strictly older than (created_at, id) come next.
struct PageKey {
  Timestamp created_at{};
  std::string id;
};

// What WeChat said of a refund (a REFUND.* notification, or the answer to a refund call or a
// refund query).
struct RefundReport {
  std::string out_trade_no;  // the payment's, to find the order of a refund we did not start
  std::string out_refund_no;
  std::string refund_id;
  RefundStatus status = RefundStatus::kProcessing;
  int64_t amount_fen = 0;  // the refund's amount
  // The report cannot prove itself (APIv2): applied only to a refund already here.
  bool known_refund_only = false;
};

}  // namespace paymesh::order
