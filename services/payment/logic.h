#pragma once

// The payment service's rules: starting a payment on any channel (or handing back the still-valid
// one), turning a WeChat Pay notification into an order update and WeChat's answer, and settling
// an order with WeChat: asking about it, closing it (settle_logic.cpp). No proto, gRPC or Beast
// types here: order and WeChat are reached through order_api.h and wechat_api.h.
//
// Thread-safe as long as its dependencies are.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"
#include "common/ratelimit/rate_limiter.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/identity_api.h"
#include "services/payment/key_refresher.h"
#include "services/payment/order_api.h"
#include "services/payment/types.h"
#include "services/payment/wechat_api.h"

namespace paymesh::payment {

// A stored code_url is handed out again only while it stays valid this much longer.
inline constexpr std::chrono::seconds kPrepayReuseMargin{60};
// WeChat keeps a prepay (a code_url, a prepay_id) for two hours, an h5_url for five minutes.
inline constexpr std::chrono::hours kPrepayLifetime{2};
inline constexpr std::chrono::minutes kH5UrlLifetime{5};
inline constexpr size_t kMaxDescriptionBytes = 127;

struct PaymentSettings {
  std::string appid;  // the Official Account: native, jsapi and h5 payments are made with it
  std::string miniprogram_appid;  // "" when no mini program is bound to the merchant
  std::string mchid;
  std::string notify_url;
  std::string apiv3_key;          // 32 bytes
  std::string v2_key;             // the APIv2 key, 32 bytes; "" = v2 notifications not configured
  std::string refund_notify_url;  // where WeChat sends REFUND.* notifications
  // Pay, sync and cancel calls one user may make per minute (0: no limit). Notifications and
  // the settling job are never limited.
  int user_calls_per_minute = 0;
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
  std::string code_url;             // native
  wechatpay::PaymentBridge bridge;  // jsapi, miniprogram: what the page hands WeChat
  std::string h5_url;               // h5
  Timestamp expires_at;
  bool reused = false;
};

// The routes of APIv2 XML notifications (the others, "pay" and "refund", carry v3 JSON); either
// takes either kind, like the v3 routes.
inline constexpr char kRouteV2Pay[] = "v2/pay";
inline constexpr char kRouteV2Refund[] = "v2/refund";
inline bool IsV2Route(std::string_view route) { return route.substr(0, 3) == "v2/"; }

// A verified notification's content: a payment or a refund.
using VerifiedReport = std::variant<ApplyPaymentInput, RefundReportInput>;

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

// What settling an order with WeChat (query, close) found and did.
struct CreateRefundResult {
  std::string order_id;
  OrderState order_state = OrderState::kUnspecified;
  RefundView refund;
};

struct SettleResult {
  std::string trade_state;  // WeChat's, ORDER_NOT_EXIST when it has never seen the order, ""
                            // when WeChat closed it without being asked about it
  PaymentOutcome outcome = PaymentOutcome::kUnspecified;  // of a payment applied, else unspecified
  OrderState order_state = OrderState::kUnspecified;      // the order's state afterwards
  bool closed = false;                                    // closed here by this call
};
using QueryPaymentResult = SettleResult;

class PaymentLogic {
 public:
  // Every reference must outlive the logic. Without `identities` (the payer's openid) and
  // `merchant_key` (paySign), jsapi and mini program payments are refused; `limiter` counts
  // settings.user_calls_per_minute.
  PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
               const wechatpay::Verifier& verifier, const time::Clock& clock,
               IdentityApi* identities = nullptr,
               const crypto::RsaPrivateKey* merchant_key = nullptr,
               ratelimit::RateLimiter* limiter = nullptr);

  // Blocks (order, auth and WeChat calls): run it on a worker thread. Native answers a code_url,
  // jsapi and miniprogram the signed bridge parameters for the user's openid, h5 an h5_url for
  // the client IP. A still-valid prepay of the same channel is handed out again. Another
  // channel than the current attempt's (or a re-entry WeChat refuses) closes that attempt at
  // WeChat and starts the next (NextAttempt).
  // INVALID_ARGUMENT for a missing id, an unknown channel or a bad client IP (h5); NOT_FOUND for an
  // unknown or foreign order; FAILED_PRECONDITION when the order cannot be paid (state, amount,
  // past its time_expire), a channel is not configured or the user never signed in with its app;
  // WeChat's and order's errors otherwise.
  absl::StatusOr<CreatePaymentResult> CreatePayment(const CreatePaymentInput& input);

  // A notification exactly as received. Checks it on the calling thread (signature, timestamp,
  // serial, envelope, AES-GCM resource, merchant and app: CPU only, no I/O), then hands the
  // verified report to order without waiting for it. `done` runs exactly once with VerdictOf's
  // answer: inline when refused, else on the thread order answers on. Nothing reaches order
  // unless the notification verified. A plausible v3 notification (not a probe, timestamp in
  // the window) under a serial we hold no key for first waits for the key refresher, if any
  // (a rotated platform certificate), off the calling thread.
  void HandleNotification(std::string_view route, const NotificationHeaders& headers,
                          std::string_view body, const std::string& request_id,
                          std::function<void(NotificationAnswer)> done);
  // Certificate mode (platform_certs.h); set before notifications arrive.
  void SetKeyRefresher(KeyRefresher* refresher) { refresher_ = refresher; }

  // Blocks: asks WeChat about the caller's order and settles it (Reconcile).
  absl::StatusOr<QueryPaymentResult> QueryPayment(const std::string& user_id,
                                                  const std::string& order_id);
  // Blocks (refund_logic.cpp): an admin's refund. Order reserves it (PROCESSING, its own
  // out_refund_no, never more than was paid: FAILED_PRECONDITION), then WeChat is asked with
  // that number, also for an idempotent replay of a refund still PROCESSING, so a refund
  // whose first call got no answer is made once. WeChat's answer is applied; unreachable (or
  // NOT_ENOUGH, FREQUENCY_LIMITED) → UNAVAILABLE, the refund stays reserved: retry with the same
  // key. A refusal leaves it reserved for a person (FAILED_PRECONDITION): an earlier call under
  // the same number may have been taken, so releasing the amount could refund twice.
  absl::StatusOr<CreateRefundResult> CreateRefund(const RefundRequestInput& input);

  // Blocks, for the settling job: asks WeChat about a refund still PROCESSING and applies its
  // answer; one WeChat never received (its call got no answer) is sent again under its number.
  // The refund's status afterwards.
  absl::StatusOr<RefundStatus> ReconcileRefund(const RefundToSettle& refund);

  // Blocks: the caller gives up on an unpaid order (Close with kCloseCancelled). A CLOSED order
  // is answered as it is; FAILED_PRECONDITION for a paid one.
  absl::StatusOr<SettleResult> CancelPayment(const std::string& user_id,
                                             const std::string& order_id);

  // For the settling job and the calls above; each blocks. Neither trusts what the caller
  // believes of the order beyond its id: order re-checks every change under its row lock.
  //
  // Reconcile asks WeChat about the current payment attempt (QueryByOutTradeNo): SUCCESS is
  // applied through the same path as a notification (source QUERY, idempotent on the transaction
  // id); anything else changes nothing (a CLOSED attempt is not a closed order: expiry closes
  // orders).
  absl::StatusOr<SettleResult> Reconcile(const Order& order);
  // Close closes an unpaid order at WeChat first, so that nobody can pay it any more, then here
  // (`reason`: kCloseCancelled, kCloseExpired). When WeChat refuses the close, its word on the
  // order decides: paid (ORDERPAID) → the payment is applied instead; closed → closed here; never
  // seen (no prepay reached it) → closed here. UNAVAILABLE and the like when WeChat or order
  // cannot be reached: nothing was closed here, try again.
  absl::StatusOr<SettleResult> Close(const Order& order, const std::string& reason);

 private:
  // The verified report a notification carries, or why it was refused; sets *event_type once
  // the envelope was read.
  absl::StatusOr<VerifiedReport> Check(std::string_view route, const NotificationHeaders& headers,
                                       std::string_view body, std::string* event_type);
  // HandleNotification once the key question is settled.
  void HandleChecked(std::string_view route, const NotificationHeaders& headers,
                     std::string_view body, const std::string& request_id,
                     std::function<void(NotificationAnswer)> done);
  // Signed under a serial we hold no key for, and plausible enough to ask for one.
  bool WorthAKeyRefresh(const wechatpay::SignatureHeaders& sig) const;
  void Answer(const NotificationFate& fate, const std::function<void(NotificationAnswer)>& done);
  // A REFUND.* notification's decrypted refund, checked (merchant, status, amount).
  absl::StatusOr<VerifiedReport> CheckRefund(const std::string& notification_id,
                                             std::string_view plaintext);
  // Hands a verified refund report to order; answers like a payment once order has.
  void ApplyRefund(const RefundReportInput& refund, const std::string& request_id,
                   NotificationFate fate, std::function<void(NotificationAnswer)> done);
  // Queries WeChat and applies a payment as Reconcile does; while `closing`, an attempt WeChat
  // has CLOSED or has never seen closes the order here for `close_reason`.
  absl::StatusOr<SettleResult> Settle(const Order& order, const std::string& close_reason,
                                      bool closing);
  // Closes the order's current payment attempt at WeChat and returns the order moved to the
  // next one (not yet recorded: RecordPrepay does that with the next prepay). A payment WeChat
  // reports for the current attempt is applied instead, and the call fails FAILED_PRECONDITION.
  absl::StatusOr<Order> NextAttempt(Order order);
  // Closes an open order here; leaves any other as it is.
  absl::Status CloseHere(const Order& order, const std::string& reason, SettleResult* result);
  // ApplyRefundReport, waiting for order.
  absl::StatusOr<RefundApplied> ApplyRefundNow(const RefundReportInput& report);
  // Applies a payment WeChat answered a query with; waits for order.
  absl::StatusOr<ApplyPaymentResult> ApplyQueried(const Order& order, wechatpay::Transaction tx);
  // The verified report an APIv2 XML payment notification carries (v2_logic.cpp): parsed by the
  // hardened reader, its MD5 / HMAC-SHA256 sign checked with settings.v2_key (INVALID_ARGUMENT
  // malformed, UNAUTHENTICATED unverified; UNAVAILABLE while no v2 key is configured), mapped to
  // a transaction with notification id "v2:<transaction_id>".
  absl::StatusOr<VerifiedReport> CheckV2(std::string_view body, std::string* event_type);
  // A v2 refund notification's req_info, decrypted and checked (v2_logic.cpp).
  absl::StatusOr<VerifiedReport> CheckV2Refund(const std::string& req_info,
                                               std::string* event_type);
  // OK when the transaction names our merchant and one of our apps.
  absl::Status CheckOurs(const wechatpay::Transaction& tx) const;

  // Counts one user-triggered call: RESOURCE_EXHAUSTED (with a retry-after) over the limit.
  // Without a limiter, or when its store is down, the call goes ahead.
  absl::Status SpendUserCall(const std::string& user_id);
  // A user's sync or cancel: ids present, within the user's limit, the user's order.
  absl::StatusOr<Order> UserCallFor(const std::string& user_id, const std::string& order_id);
  // The appid a channel pays with, or why it cannot be used.
  absl::StatusOr<std::string> AppidFor(Channel channel) const;
  // The result for a prepay (new or reused) on `channel`.
  CreatePaymentResult Result(const Order& order, const std::string& appid, const Prepay& prepay,
                             bool reused) const;

  PaymentSettings settings_;
  OrderApi& orders_;
  WechatPayApi& wechat_;
  const wechatpay::Verifier& verifier_;
  const time::Clock& clock_;
  IdentityApi* identities_;
  const crypto::RsaPrivateKey* merchant_key_;
  ratelimit::RateLimiter* limiter_;
  KeyRefresher* refresher_ = nullptr;
  metrics::Counter& notifications_;
};

// Exposed for tests: the order's WeChat time_expire, its expires_at in +08:00, whole seconds.
std::string TimeExpireOf(const Order& order);
using strings::TruncateUtf8;  // common/strings/utf8.h: at most max_bytes, cut on a character

}  // namespace paymesh::payment
