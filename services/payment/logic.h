#pragma once

// The payment service's rules: starting a Native payment (or handing back the still-valid one),
// turning a WeChat Pay notification into an order update, and asking WeChat about an order.
// No proto, gRPC or Beast types here: order and WeChat are reached through order_api.h and
// wechat_api.h.
//
// Thread-safe as long as its dependencies are; every call blocks on them, so run it on a worker
// thread.

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/order_api.h"
#include "services/payment/types.h"
#include "services/payment/wechat_api.h"

namespace paymesh::payment {

// A stored code_url is handed out again only while it stays valid this much longer.
inline constexpr std::chrono::seconds kPrepayReuseMargin{60};
// WeChat keeps a prepay (and so a code_url) for two hours.
inline constexpr std::chrono::hours kPrepayLifetime{2};
inline constexpr size_t kMaxDescriptionBytes = 127;

struct PaymentSettings {
  std::string appid;  // the appid payments are made with
  std::string mchid;
  std::string notify_url;
  std::string apiv3_key;  // 32 bytes
  // How long after its creation an order may be paid (WeChat's time_expire).
  std::chrono::seconds order_ttl{1800};
};

struct CreatePaymentInput {
  std::string user_id;
  std::string order_id;
  std::string channel;
  std::string client_ip;
};

struct CreatePaymentResult {
  std::string order_id;
  std::string out_trade_no;
  std::string channel;
  std::string code_url;
  Timestamp expires_at;
  bool reused = false;
};

// Header names as received; looked up case-insensitively.
using NotificationHeaders = std::map<std::string, std::string>;

struct NotificationResult {
  std::string outcome;  // as order's ApplyPayment answers
  std::string event_type;
};

struct QueryPaymentResult {
  std::string trade_state;  // WeChat's, or ORDER_NOT_EXIST when WeChat has never seen it
  std::string outcome;      // "" when nothing was applied
  std::string order_state;
};

class PaymentLogic {
 public:
  // Every reference must outlive the logic.
  PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
               const wechatpay::Verifier& verifier, Clock clock);

  // INVALID_ARGUMENT for a missing id or a channel other than native; NOT_FOUND for an unknown
  // or foreign order; FAILED_PRECONDITION when the order cannot be paid (state, amount, past its
  // time_expire); WeChat's and order's errors otherwise (UNAVAILABLE when unreachable).
  absl::StatusOr<CreatePaymentResult> CreatePayment(const CreatePaymentInput& input);

  // A notification exactly as received. UNAUTHENTICATED when the signature, timestamp or serial
  // fails (probes included); INVALID_ARGUMENT for a malformed envelope or resource, or one for
  // another mchid/appid; INTERNAL when a verified resource does not decrypt (our APIv3 key is
  // wrong: WeChat must retry); UNIMPLEMENTED for refund and other events, so WeChat keeps them
  // until they are handled; UNAVAILABLE when order cannot be reached. Nothing reaches order
  // unless the notification verified.
  absl::StatusOr<NotificationResult> HandleNotification(std::string_view route,
                                                        const NotificationHeaders& headers,
                                                        std::string_view body);

  // Asks WeChat about the caller's order; a SUCCESS is applied like a notification.
  absl::StatusOr<QueryPaymentResult> QueryPayment(const std::string& user_id,
                                                  const std::string& order_id);

 private:
  absl::StatusOr<NotificationResult> DoHandleNotification(std::string_view route,
                                                          const NotificationHeaders& headers,
                                                          std::string_view body);
  // OK when the transaction names our merchant and app.
  absl::Status CheckOurs(const wechatpay::Transaction& tx) const;

  PaymentSettings settings_;
  OrderApi& orders_;
  WechatPayApi& wechat_;
  const wechatpay::Verifier& verifier_;
  Clock clock_;
  metrics::Counter& notifications_;
};

// Exposed for tests: the order's WeChat time_expire, created_at + ttl in +08:00, whole seconds.
std::string TimeExpireOf(const Order& order, std::chrono::seconds ttl);
using strings::TruncateUtf8;  // common/strings/utf8.h: at most max_bytes, cut on a character

}  // namespace paymesh::payment
