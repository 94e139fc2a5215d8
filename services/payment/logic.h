#pragma once

// The payment service's rules: starting a Native payment (or handing back the still-valid one),
// turning a WeChat Pay notification into an order update and WeChat's answer, and asking WeChat
// about an order. No proto, gRPC or Beast types here: order and WeChat are reached through
// order_api.h and wechat_api.h.
//
// Thread-safe as long as its dependencies are.

#include <chrono>
#include <functional>
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
  Channel channel = Channel::kUnspecified;
  std::string client_ip;
};

struct CreatePaymentResult {
  std::string order_id;
  std::string out_trade_no;
  Channel channel = Channel::kNative;
  std::string code_url;
  Timestamp expires_at;
  bool reused = false;
};

// Header names as received; looked up case-insensitively.
using NotificationHeaders = std::map<std::string, std::string>;

// What WeChat is told about one notification delivery.
struct NotificationAnswer {
  Verdict verdict = Verdict::kRetry;
  RejectReason reject_reason = RejectReason::kUnspecified;  // with kReject
  std::string fail_message;                                 // with kRetry and kReject
  std::string event_type;                                   // once the envelope was read
  PaymentOutcome outcome = PaymentOutcome::kUnspecified;    // with kAck
};

// How far a notification got, and how it ended there.
struct NotificationFate {
  bool verified = false;  // signature, envelope, resource and merchant all checked
  absl::Status status;    // OK once order applied it
  std::string event_type;
  PaymentOutcome outcome = PaymentOutcome::kUnspecified;
};

// The one place where a notification's fate becomes WeChat's answer:
//  - applied (whatever the outcome, duplicates included) → ACK;
//  - verified but not applied (order unreachable, busy or refusing) → RETRY: a verified
//    notification may be a real payment, and WeChat must never give up on it;
//  - refused while checking: UNAUTHENTICATED → REJECT (unverified: signature, timestamp,
//    probe), INVALID_ARGUMENT → REJECT (malformed, or another merchant's); anything else → RETRY
//    (a platform key we do not hold yet, a resource our APIv3 key cannot decrypt, an event not
//    handled yet: ours to fix, and WeChat keeps the notification meanwhile).
NotificationAnswer VerdictOf(const NotificationFate& fate);

struct QueryPaymentResult {
  std::string trade_state;  // WeChat's, or ORDER_NOT_EXIST when WeChat has never seen it
  PaymentOutcome outcome = PaymentOutcome::kUnspecified;  // unspecified when nothing applied
  OrderState order_state = OrderState::kUnspecified;
};

class PaymentLogic {
 public:
  // Every reference must outlive the logic.
  PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
               const wechatpay::Verifier& verifier, const time::Clock& clock);

  // Blocks (order and WeChat calls): run it on a worker thread. INVALID_ARGUMENT for a missing
  // id or a channel other than native; NOT_FOUND for an unknown or foreign order;
  // FAILED_PRECONDITION when the order cannot be paid (state, amount, past its time_expire);
  // WeChat's and order's errors otherwise (UNAVAILABLE when unreachable).
  absl::StatusOr<CreatePaymentResult> CreatePayment(const CreatePaymentInput& input);

  // A notification exactly as received. Checks it on the calling thread (signature, timestamp,
  // serial, envelope, AES-GCM resource, merchant and app: CPU only, no I/O), then hands the
  // verified report to order without waiting for it. `done` runs exactly once with VerdictOf's
  // answer: inline when refused, else on the thread order answers on. Nothing reaches order
  // unless the notification verified.
  void HandleNotification(std::string_view route, const NotificationHeaders& headers,
                          std::string_view body, const std::string& request_id,
                          std::function<void(NotificationAnswer)> done);

  // Blocks: asks WeChat about the caller's order; a SUCCESS is applied like a notification.
  absl::StatusOr<QueryPaymentResult> QueryPayment(const std::string& user_id,
                                                  const std::string& order_id);

 private:
  // The verified report a notification carries, or why it was refused; sets *event_type once
  // the envelope was read.
  absl::StatusOr<ApplyPaymentInput> Check(std::string_view route,
                                          const NotificationHeaders& headers, std::string_view body,
                                          std::string* event_type);
  void Answer(const NotificationFate& fate, const std::function<void(NotificationAnswer)>& done);
  // OK when the transaction names our merchant and app.
  absl::Status CheckOurs(const wechatpay::Transaction& tx) const;

  PaymentSettings settings_;
  OrderApi& orders_;
  WechatPayApi& wechat_;
  const wechatpay::Verifier& verifier_;
  const time::Clock& clock_;
  metrics::Counter& notifications_;
};

// Exposed for tests: the order's WeChat time_expire, created_at + ttl in +08:00, whole seconds.
std::string TimeExpireOf(const Order& order, std::chrono::seconds ttl);
using strings::TruncateUtf8;  // common/strings/utf8.h: at most max_bytes, cut on a character

}  // namespace paymesh::payment
