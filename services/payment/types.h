#pragma once

// Domain values of the payment service. Money is int64 fen; times are time::Timestamp (UTC µs).
// Payment owns no rows: an Order here is order's view of it, fetched through order_api.h.
//
// The enums mirror the contract's (paymesh.order.v1 / paymesh.payment.v1) value for value, so
// that the adapters convert them with a checked cast (grpc_order_client.cpp, service.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time/clock.h"
#include "common/wechatpay/notification.h"

namespace paymesh::payment {

using time::Timestamp;
using time::UnixSeconds;

inline constexpr char kCurrencyCny[] = "CNY";

// paymesh.order.v1.OrderState.
enum class OrderState {
  kUnspecified = 0,
  kCreated = 1,
  kPaying = 2,
  kPaid = 3,
  kPayFailed = 4,
  kClosed = 5,
  kPartiallyRefunded = 6,
  kRefunded = 7
};

// Unpaid and not closed: what closing, expiry and reconciliation act on.
inline bool IsOpen(OrderState state) {
  return state == OrderState::kCreated || state == OrderState::kPaying ||
         state == OrderState::kPayFailed;
}

// paymesh.order.v1.Channel.
enum class Channel { kUnspecified = 0, kNative = 1, kJsapi = 2, kMiniprogram = 3, kH5 = 4 };

// paymesh.order.v1.PaymentOutcome: what order did with a report.
enum class PaymentOutcome {
  kUnspecified = 0,
  kApplied = 1,
  kDuplicate = 2,
  kAmountMismatch = 3,
  kUnknownOrder = 4,
  kIgnored = 5,
  kDuplicatePayment = 6,
  kRejected = 7
};

// Why payment closes an order (paymesh.order.v1.CloseOrderRequest.reason).
inline constexpr char kCloseCancelled[] = "cancelled";
inline constexpr char kCloseExpired[] = "expired";

// paymesh.order.v1.SettleKind: which open orders the settling job asks for.
enum class SettleKind { kUnspecified = 0, kExpired = 1, kPaying = 2 };
// Where a settling list goes on: after this order (its expires_at, resp. updated_at, and id).
struct SettleKey {
  Timestamp at;
  std::string id;
};

// paymesh.order.v1.RefundStatus.
enum class RefundStatus {
  kUnspecified = 0,
  kProcessing = 1,
  kSuccess = 2,
  kAbnormal = 3,
  kClosed = 4
};

// WeChat's refund status name (PROCESSING, SUCCESS, ABNORMAL, CLOSED); nullopt for another.
std::optional<RefundStatus> RefundStatusOf(std::string_view wechat);

// What WeChat said of a refund, on its way to order.
struct RefundReportInput {
  std::string out_trade_no;
  std::string out_refund_no;
  std::string refund_id;
  RefundStatus status = RefundStatus::kUnspecified;
  int64_t amount_fen = 0;
  bool known_refund_only = false;  // unauthenticated (v2): only for refunds order already has
};
// A refund as order keeps it.
struct RefundView {
  std::string out_refund_no;
  int64_t amount_fen = 0;
  std::string reason;
  RefundStatus status = RefundStatus::kUnspecified;
  std::string refund_id;
  std::string requested_by;
};
// A refund WeChat is still processing (order's ListRefundsToSettle).
struct RefundToSettle {
  RefundView refund;
  Timestamp updated_at;
  std::string out_trade_no;
  std::string transaction_id;
  int64_t total_fen = 0;
};

struct RefundRequestInput {
  std::string order_id;
  int64_t amount_fen = 0;
  std::string reason;
  std::string idempotency_key;
  std::string requested_by;  // the admin
};

struct RefundApplied {
  std::string order_id;
  OrderState order_state = OrderState::kUnspecified;
  RefundStatus status = RefundStatus::kUnspecified;  // the refund's, afterwards
};

// paymesh.order.v1.ReportSource.
enum class ReportSource { kUnspecified = 0, kNotification = 1, kQuery = 2 };

// WeChat's names.
inline constexpr char kEventTransactionSuccess[] = "TRANSACTION.SUCCESS";
inline constexpr char kTradeStateSuccess[] = "SUCCESS";

// What WeChat issued for one payment attempt.
struct Prepay {
  Channel channel = Channel::kNative;
  std::string code_url;   // native
  Timestamp expires_at;   // after it, a new prepay is needed
  std::string prepay_id;  // jsapi, miniprogram
  std::string h5_url;     // h5
  int attempt = 0;        // the order's payment attempt it belongs to
};

// Changing channel on an unpaid order takes a new payment attempt under its own out_trade_no
// (WeChat refuses a second prepay of one out_trade_no with other fields); order numbers them.
inline constexpr int kMaxPaymentAttempts = 20;
// Attempt n of the order whose attempt-0 out_trade_no (or any attempt's) is `out_trade_no`:
// "<out_trade_no>_<n>" (order's out_trade_nos never contain '_').
inline std::string AttemptOutTradeNo(const std::string& out_trade_no, int attempt) {
  const std::string base = out_trade_no.substr(0, out_trade_no.find('_'));
  return attempt == 0 ? base : base + "_" + std::to_string(attempt);
}

struct Order {
  std::string id;
  std::string user_id;
  std::string out_trade_no;  // of the current payment attempt: what WeChat knows the order by
  int payment_attempt = 0;
  Channel payment_channel = Channel::kUnspecified;  // of the current attempt's prepays, if any
  OrderState state = OrderState::kUnspecified;
  int64_t total_fen = 0;
  std::string currency;
  std::string description;  // for WeChat's bill
  Timestamp created_at;
  Timestamp updated_at;  // for a PAYING order: since when it waits for its payment
  Timestamp expires_at;  // WeChat's time_expire: unpaid after it, the order is closed
  std::optional<Prepay> active_prepay;  // order's word: still payable
  std::string transaction_id;
};

// A verified, decrypted report on its way to order.
struct ApplyPaymentInput {
  std::string notification_id;  // WeChat's notification id, or "query:<transaction_id>"
  ReportSource source = ReportSource::kNotification;
  std::string event_type;  // TRANSACTION.SUCCESS
  wechatpay::Transaction transaction;
};

struct ApplyPaymentResult {
  PaymentOutcome outcome = PaymentOutcome::kUnspecified;
  std::string order_id;                               // "" for UNKNOWN_ORDER
  OrderState order_state = OrderState::kUnspecified;  // unspecified without an order
};

// paymesh.payment.v1.Verdict and RejectReason: what WeChat is told about one delivery.
enum class Verdict { kUnspecified = 0, kAck = 1, kRetry = 2, kReject = 3 };
enum class RejectReason { kUnspecified = 0, kUnverified = 1, kMalformed = 2 };

// Upper-case names, as the API shows them ("PAID", "APPLIED"), for messages and logs.
const char* StateName(OrderState state);
const char* OutcomeName(PaymentOutcome outcome);
const char* ChannelName(Channel channel);  // lower case, as the API spells it: "jsapi"

}  // namespace paymesh::payment
