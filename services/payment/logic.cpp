#include "services/payment/logic.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/strings/ascii.h"
#include "common/strings/ip.h"
#include "common/strings/utf8.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/signing.h"

namespace paymesh::payment {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

constexpr char kOriginalTypeTransaction[] = "transaction";
constexpr char kOriginalTypeRefund[] = "refund";

bool IsRefundEvent(std::string_view event_type) {
  return event_type == "REFUND.SUCCESS" || event_type == "REFUND.ABNORMAL" ||
         event_type == "REFUND.CLOSED";
}

std::string HeaderOf(const NotificationHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (strings::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

wechatpay::SignatureHeaders SignatureOf(const NotificationHeaders& headers) {
  return wechatpay::ReadSignatureHeaders(
      [&](std::string_view name) { return HeaderOf(headers, name); });
}

NotificationAnswer Reject(RejectReason reason, const char* message) {
  return NotificationAnswer{Verdict::kReject, reason, message, "", PaymentOutcome::kUnspecified};
}

NotificationAnswer Retry() {
  return NotificationAnswer{Verdict::kRetry, RejectReason::kUnspecified,
                            "temporarily unavailable, retry later", "",
                            PaymentOutcome::kUnspecified};
}

const char* VerdictLabel(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAck:
      return "ok";
    case Verdict::kReject:
      return "rejected";
    default:
      return "error";
  }
}

// WeChat refuses to re-enter this out_trade_no (closed or used there, or other fields than the
// first call's, such as another openid); other refusals (RULE_LIMIT, TRADE_ERROR) a new attempt
// would not change.
bool IsAttemptRefusal(const absl::Status& st) {
  if (!absl::IsFailedPrecondition(st)) return false;
  const std::string message(st.message());
  for (const char* code : {"ORDER_CLOSED", "ORDERCLOSED", "OUT_TRADE_NO_USED", "ORDERPAID",
                           "ORDER_PAID", "INVALID_REQUEST"}) {
    if (message.find(code) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

const char* StateName(OrderState state) {
  static constexpr const char* kNames[] = {
      "UNSPECIFIED",        "CREATED", "PAYING", "PAID", "PAY_FAILED", "CLOSED",
      "PARTIALLY_REFUNDED", "REFUNDED"};
  const auto i = static_cast<size_t>(state);
  return i < std::size(kNames) ? kNames[i] : kNames[0];
}

const char* ChannelName(Channel channel) {
  static constexpr const char* kNames[] = {"unspecified", "native", "jsapi", "miniprogram", "h5"};
  const auto i = static_cast<size_t>(channel);
  return i < std::size(kNames) ? kNames[i] : kNames[0];
}

std::optional<RefundStatus> RefundStatusOf(std::string_view wechat) {
  if (wechat == "PROCESSING") return RefundStatus::kProcessing;
  if (wechat == "SUCCESS") return RefundStatus::kSuccess;
  if (wechat == "ABNORMAL") return RefundStatus::kAbnormal;
  if (wechat == "CLOSED") return RefundStatus::kClosed;
  return std::nullopt;
}

const char* OutcomeName(PaymentOutcome outcome) {
  static constexpr const char* kNames[] = {"UNSPECIFIED",       "APPLIED",       "DUPLICATE",
                                           "AMOUNT_MISMATCH",   "UNKNOWN_ORDER", "IGNORED",
                                           "DUPLICATE_PAYMENT", "REJECTED"};
  const auto i = static_cast<size_t>(outcome);
  return i < std::size(kNames) ? kNames[i] : kNames[0];
}

NotificationAnswer VerdictOf(const NotificationFate& fate) {
  NotificationAnswer answer;
  if (fate.status.ok()) {
    answer = NotificationAnswer{Verdict::kAck, RejectReason::kUnspecified, "", "", fate.outcome};
  } else if (fate.verified) {
    answer = Retry();
  } else if (absl::IsUnauthenticated(fate.status)) {
    answer = Reject(RejectReason::kUnverified, "signature verification failed");
  } else if (absl::IsInvalidArgument(fate.status)) {
    answer = Reject(RejectReason::kMalformed, "malformed notification");
  } else {
    answer = Retry();
  }
  answer.event_type = fate.event_type;
  return answer;
}

std::string TimeExpireOf(const Order& order) {
  return time::FormatChina(floor<seconds>(order.expires_at));
}

PaymentLogic::PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
                           const wechatpay::Verifier& verifier, const time::Clock& clock,
                           IdentityApi* identities, const crypto::RsaPrivateKey* merchant_key,
                           ratelimit::RateLimiter* limiter)
    : settings_(std::move(settings)),
      orders_(orders),
      wechat_(wechat),
      verifier_(verifier),
      clock_(clock),
      identities_(identities),
      merchant_key_(merchant_key),
      limiter_(limiter),
      notifications_(metrics::Registry::Default().AddCounter(
          "payment_notifications_total", "WeChat Pay notifications by result", {"result"})) {}

absl::Status PaymentLogic::SpendUserCall(const std::string& user_id) {
  if (limiter_ == nullptr || settings_.user_calls_per_minute <= 0) return absl::OkStatus();
  absl::Status st =
      ratelimit::Spend(*limiter_, "user:" + user_id, std::chrono::minutes(1),
                       settings_.user_calls_per_minute, "too many payment requests, retry later");
  if (absl::IsResourceExhausted(st)) return st;
  if (!st.ok()) log::Warn("payment rate limit not counted", {{"error", st.message()}});
  return absl::OkStatus();  // a paying customer is never turned away for a cache outage
}

absl::StatusOr<std::string> PaymentLogic::AppidFor(Channel channel) const {
  switch (channel) {
    case Channel::kNative:
    case Channel::kH5:
      return settings_.appid;
    case Channel::kJsapi:
    case Channel::kMiniprogram: {
      const std::string& appid =
          channel == Channel::kJsapi ? settings_.appid : settings_.miniprogram_appid;
      if (appid.empty() || identities_ == nullptr || merchant_key_ == nullptr) {
        return absl::FailedPreconditionError(std::string(ChannelName(channel)) +
                                             " payments are not configured");
      }
      return appid;
    }
    default:
      return absl::InvalidArgumentError("channel must be native, jsapi, miniprogram or h5");
  }
}

CreatePaymentResult PaymentLogic::Result(const Order& order, const std::string& appid,
                                         const Prepay& prepay, bool reused) const {
  CreatePaymentResult result;
  result.order_id = order.id;
  result.out_trade_no = order.out_trade_no;
  result.channel = prepay.channel;
  result.code_url = prepay.code_url;
  result.h5_url = prepay.h5_url;
  result.expires_at = prepay.expires_at;
  result.reused = reused;
  if (!prepay.prepay_id.empty()) {
    // Signed afresh each time: the client checks the signature, not its age.
    result.bridge = wechatpay::SignPaymentBridge(
        *merchant_key_, appid, prepay.prepay_id,
        std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count(),
        wechatpay::NewNonce());
  }
  return result;
}

absl::StatusOr<CreatePaymentResult> PaymentLogic::CreatePayment(const CreatePaymentInput& input) {
  if (input.user_id.empty() || input.order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  RETURN_IF_ERROR(SpendUserCall(input.user_id));
  ASSIGN_OR_RETURN(const std::string appid, AppidFor(input.channel));
  if (input.channel == Channel::kH5 && !strings::IsIpAddress(input.client_ip)) {
    return absl::InvalidArgumentError("h5 payments need the client's IP address");
  }
  ASSIGN_OR_RETURN(Order order, orders_.GetOrderForPayment(input.user_id, input.order_id));
  if (order.state != OrderState::kCreated && order.state != OrderState::kPaying) {
    return absl::FailedPreconditionError(std::string("order is ") + StateName(order.state) +
                                         " and cannot be paid");
  }
  if (order.total_fen <= 0 || order.currency != kCurrencyCny) {
    return absl::FailedPreconditionError("order amount cannot be paid with WeChat Pay");
  }
  const Timestamp now = clock_.Now();
  const Timestamp time_expire = floor<seconds>(order.expires_at);
  if (now >= time_expire) return absl::FailedPreconditionError("order expired");

  const std::optional<Prepay>& active = order.active_prepay;
  if (active && active->channel == input.channel && active->expires_at > now + kPrepayReuseMargin) {
    return Result(order, appid, *active, /*reused=*/true);
  }
  bool next_attempt = false;
  if (order.payment_channel != Channel::kUnspecified && order.payment_channel != input.channel) {
    // Another channel: WeChat refuses a second prepay of one out_trade_no with other fields.
    ASSIGN_OR_RETURN(order, NextAttempt(std::move(order)));
    next_attempt = true;
  }

  // Every field derives from the order and the payer alone, so a repeat is WeChat's identical
  // re-entry and answers the same (or a renewed) prepay.
  PrepayRequest req;
  req.channel = input.channel;
  req.appid = appid;
  req.mchid = settings_.mchid;
  req.description = std::string(strings::TruncateUtf8(order.description, kMaxDescriptionBytes));
  if (req.description.empty()) req.description = "Order " + order.out_trade_no;
  req.out_trade_no = order.out_trade_no;
  req.time_expire = TimeExpireOf(order);
  req.notify_url = settings_.notify_url;
  req.amount_total = order.total_fen;
  req.currency = kCurrencyCny;
  if (input.channel == Channel::kJsapi || input.channel == Channel::kMiniprogram) {
    absl::StatusOr<std::string> openid = identities_->OpenidOf(input.user_id, appid);
    if (absl::IsNotFound(openid.status())) {
      return absl::FailedPreconditionError(std::string("sign in with WeChat (") +
                                           ChannelName(input.channel) + ") before paying with it");
    }
    if (!openid.ok()) return openid.status();
    req.payer_openid = *openid;
  }
  if (input.channel == Channel::kH5) req.payer_client_ip = input.client_ip;
  absl::StatusOr<PrepayAnswer> answer = wechat_.CreatePrepay(req);
  if (IsAttemptRefusal(answer.status()) && !next_attempt) {
    // WeChat refuses to re-enter the current attempt (closed there, or other fields, such as
    // another openid): close it and start the next; a payment it turns out to hold stops this.
    log::Info("prepay re-entry refused, starting the next payment attempt",
              {{"order_id", order.id}, {"error", answer.status().message()}});
    ASSIGN_OR_RETURN(order, NextAttempt(std::move(order)));
    req.out_trade_no = order.out_trade_no;
    answer = wechat_.CreatePrepay(req);
  }
  if (!answer.ok()) return answer.status();

  const seconds lifetime =
      input.channel == Channel::kH5 ? seconds(kH5UrlLifetime) : seconds(kPrepayLifetime);
  const Timestamp lifetime_end = floor<seconds>(now) + lifetime;
  const Prepay record{input.channel,     answer->code_url, std::min(lifetime_end, time_expire),
                      answer->prepay_id, answer->h5_url,   order.payment_attempt};
  RETURN_IF_ERROR(orders_.RecordPrepay(order.id, record).status());
  log::Info("prepay issued", {{"order_id", order.id},
                              {"out_trade_no", order.out_trade_no},
                              {"channel", ChannelName(input.channel)},
                              {"expires_at", time::FormatUtc(record.expires_at)}});
  return Result(order, appid, record, /*reused=*/false);
}

void PaymentLogic::HandleNotification(std::string_view route, const NotificationHeaders& headers,
                                      std::string_view body, const std::string& request_id,
                                      std::function<void(NotificationAnswer)> done) {
  if (refresher_ != nullptr && !IsV2Route(route)) {
    const wechatpay::SignatureHeaders sig = SignatureOf(headers);
    if (WorthAKeyRefresh(sig)) {
      // A rotated certificate, most likely: ask for it rather than turn WeChat away. The
      // refresher answers on its own thread; the notification is checked there, then applied.
      refresher_->AwaitSerial(sig.serial,
                              [this, route = std::string(route), headers, body = std::string(body),
                               request_id, done = std::move(done)](bool) mutable {
                                HandleChecked(route, headers, body, request_id, std::move(done));
                              });
      return;
    }
  }
  HandleChecked(route, headers, body, request_id, std::move(done));
}

bool PaymentLogic::WorthAKeyRefresh(const wechatpay::SignatureHeaders& sig) const {
  return !sig.serial.empty() && !verifier_.HasKey(sig.serial) && !sig.signature.empty() &&
         !wechatpay::IsSignatureProbe(sig.signature) && !sig.nonce.empty() &&
         wechatpay::CheckTimestamp(sig.timestamp, UnixSeconds(clock_.Now())).ok();
}

void PaymentLogic::HandleChecked(std::string_view route, const NotificationHeaders& headers,
                                 std::string_view body, const std::string& request_id,
                                 std::function<void(NotificationAnswer)> done) {
  NotificationFate fate;
  absl::StatusOr<VerifiedReport> verified = IsV2Route(route)
                                                ? CheckV2(body, &fate.event_type)
                                                : Check(route, headers, body, &fate.event_type);
  if (!verified.ok()) {
    fate.status = verified.status();
    Answer(fate, done);
    return;
  }
  fate.verified = true;
  if (const auto* refund = std::get_if<RefundReportInput>(&*verified)) {
    ApplyRefund(*refund, request_id, fate, std::move(done));
    return;
  }
  const ApplyPaymentInput* report = &std::get<ApplyPaymentInput>(*verified);
  const std::string notification_id = report->notification_id;
  orders_.ApplyPayment(*report, request_id,
                       [this, fate, notification_id, request_id, done = std::move(done)](
                           absl::StatusOr<ApplyPaymentResult> applied) mutable {
                         if (applied.ok()) {
                           fate.outcome = applied->outcome;
                         } else {
                           fate.status = applied.status();
                           // Unreachable is a warning (WeChat retries); a refusal needs a person.
                           const bool unreachable = absl::IsUnavailable(fate.status) ||
                                                    absl::IsDeadlineExceeded(fate.status);
                           log::RequestScope scope(request_id);
                           log::Write(unreachable ? log::Level::kWarn : log::Level::kError,
                                      "order did not apply a verified notification",
                                      {{"notification_id", notification_id},
                                       {"code", absl::StatusCodeToString(fate.status.code())},
                                       {"error", fate.status.message()}});
                         }
                         Answer(fate, done);
                       });
}

void PaymentLogic::ApplyRefund(const RefundReportInput& refund, const std::string& request_id,
                               NotificationFate fate,
                               std::function<void(NotificationAnswer)> done) {
  const std::string out_refund_no = refund.out_refund_no;
  orders_.ApplyRefundReport(refund, request_id,
                            [this, fate, out_refund_no, request_id, done = std::move(done)](
                                absl::StatusOr<RefundApplied> applied) mutable {
                              // No order: kept by order for a person, acknowledged.
                              if (applied.ok() && applied->order_id.empty()) {
                                fate.outcome = PaymentOutcome::kUnknownOrder;
                              }
                              if (!applied.ok()) {
                                fate.status = applied.status();
                                log::RequestScope scope(request_id);
                                log::Warn("order did not apply a verified refund notification",
                                          {{"out_refund_no", out_refund_no},
                                           {"code", absl::StatusCodeToString(fate.status.code())},
                                           {"error", fate.status.message()}});
                              }
                              Answer(fate, done);
                            });
}

void PaymentLogic::Answer(const NotificationFate& fate,
                          const std::function<void(NotificationAnswer)>& done) {
  NotificationAnswer answer = VerdictOf(fate);
  notifications_.Inc({VerdictLabel(answer.verdict)});
  done(std::move(answer));
}

absl::StatusOr<VerifiedReport> PaymentLogic::Check(std::string_view route,
                                                   const NotificationHeaders& headers,
                                                   std::string_view body, std::string* event_type) {
  const std::string request_id = HeaderOf(headers, "Request-ID");
  const wechatpay::SignatureHeaders sig = SignatureOf(headers);
  const int64_t now = UnixSeconds(clock_.Now());
  if (WorthAKeyRefresh(sig)) {
    // Possibly WeChat signing with a key we do not hold yet (rotation; a refresh, if any, did
    // not find it): a 4xx would make it give up on a real payment, so ask for a retry. Anyone can
    // send this, so it is a warning with the serial cut short, and a metric an alert watches.
    // Nothing is applied either way.
    static metrics::Counter& unknown = metrics::Registry::Default().AddCounter(
        "payment_notifications_unknown_serial_total",
        "Notifications under a Wechatpay-Serial payment holds no key for (answered 503)", {});
    unknown.Inc();
    log::Warn("notification signed with an unknown platform key",
              {{"route", route},
               {"serial", std::string(strings::TruncateUtf8(sig.serial, 16))},
               {"wechat_request_id", std::string(strings::TruncateUtf8(request_id, 64))}});
    return absl::UnavailableError("unknown Wechatpay-Serial");
  }
  if (absl::Status st = verifier_.Verify(sig, body, now); !st.ok()) {
    log::Warn("notification refused",
              {{"route", route},
               {"reason", st.message()},
               {"serial", std::string(strings::TruncateUtf8(sig.serial, 16))},
               {"wechat_request_id", std::string(strings::TruncateUtf8(request_id, 64))}});
    return st;
  }

  absl::StatusOr<wechatpay::Envelope> envelope = wechatpay::ParseEnvelope(body);
  if (!envelope.ok()) {
    log::Warn("notification envelope malformed",
              {{"route", route}, {"error", envelope.status().message()}});
    return envelope.status();
  }
  *event_type = envelope->event_type;
  const bool refund = IsRefundEvent(envelope->event_type);
  if (envelope->event_type != kEventTransactionSuccess && !refund) {
    // Answered 5xx on purpose: WeChat keeps re-sending until these are handled, a 4xx would
    // make it give up on them.
    log::Warn("notification event not handled yet",
              {{"notification_id", envelope->id}, {"event_type", envelope->event_type}});
    return absl::UnimplementedError("notification event " + envelope->event_type +
                                    " is not handled");
  }
  if (envelope->resource.original_type !=
      (refund ? kOriginalTypeRefund : kOriginalTypeTransaction)) {
    return absl::InvalidArgumentError(envelope->event_type + " must carry a " +
                                      (refund ? "refund" : "transaction") + " resource");
  }

  absl::StatusOr<std::string> plaintext =
      wechatpay::DecryptResource(envelope->resource, settings_.apiv3_key);
  if (!plaintext.ok()) {
    if (plaintext.status().code() == absl::StatusCode::kUnauthenticated) {
      // The signature verified, so WeChat sent it intact: our APIv3 key must be wrong.
      log::Error("verified notification does not decrypt: check WECHATPAY_APIV3_KEY_FILE",
                 {{"notification_id", envelope->id}});
      return absl::InternalError("notification resource does not decrypt");
    }
    return plaintext.status();
  }
  if (refund) return CheckRefund(envelope->id, *plaintext);
  absl::StatusOr<wechatpay::Transaction> tx = wechatpay::ParseTransaction(*plaintext);
  if (!tx.ok()) {
    log::Warn("notification transaction malformed",
              {{"notification_id", envelope->id}, {"error", tx.status().message()}});
    return tx.status();
  }
  if (absl::Status st = CheckOurs(*tx); !st.ok()) {
    log::Warn("notification for another merchant or app",
              {{"notification_id", envelope->id}, {"out_trade_no", tx->out_trade_no}});
    return st;
  }
  if (tx->trade_state == kTradeStateSuccess && tx->transaction_id.empty()) {
    return absl::InvalidArgumentError("successful transaction without transaction_id");
  }
  return ApplyPaymentInput{envelope->id, ReportSource::kNotification, envelope->event_type,
                           std::move(*tx)};
}

absl::StatusOr<VerifiedReport> PaymentLogic::CheckRefund(const std::string& notification_id,
                                                         std::string_view plaintext) {
  absl::StatusOr<wechatpay::RefundResource> r = wechatpay::ParseRefundResource(plaintext);
  if (!r.ok()) {
    log::Warn("refund notification malformed",
              {{"notification_id", notification_id}, {"error", r.status().message()}});
    return r.status();
  }
  if (r->mchid != settings_.mchid) return absl::InvalidArgumentError("mchid is not ours");
  const std::optional<RefundStatus> status = RefundStatusOf(r->refund_status);
  if (!status) {
    // Signed by WeChat: ours to understand, not to refuse (a 4xx would lose it).
    log::Error("refund notification with an unknown refund_status",
               {{"notification_id", notification_id}});
    return absl::InternalError("unknown refund_status");
  }
  if (r->amount_refund < 1) {
    log::Error("refund notification without a refund amount",
               {{"notification_id", notification_id}});
    return absl::InternalError("refund amount must be positive");
  }
  return RefundReportInput{r->out_trade_no, r->out_refund_no, r->refund_id, *status,
                           r->amount_refund};
}

absl::Status PaymentLogic::CheckOurs(const wechatpay::Transaction& tx) const {
  if (tx.mchid != settings_.mchid) return absl::InvalidArgumentError("mchid is not ours");
  const bool ours = tx.appid == settings_.appid || (!settings_.miniprogram_appid.empty() &&
                                                    tx.appid == settings_.miniprogram_appid);
  if (!ours) return absl::InvalidArgumentError("appid is not ours");
  return absl::OkStatus();
}

}  // namespace paymesh::payment
