#include "services/payment/logic.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/strings/ascii.h"
#include "common/strings/utf8.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/signing.h"

namespace paymesh::payment {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

constexpr char kOriginalTypeTransaction[] = "transaction";
constexpr char kTradeStateOrderNotExist[] = "ORDER_NOT_EXIST";

std::string HeaderOf(const NotificationHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (strings::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

int64_t UnixSeconds(Timestamp t) { return floor<seconds>(t).time_since_epoch().count(); }

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

}  // namespace

const char* StateName(OrderState state) {
  static constexpr const char* kNames[] = {
      "UNSPECIFIED",        "CREATED", "PAYING", "PAID", "PAY_FAILED", "CLOSED",
      "PARTIALLY_REFUNDED", "REFUNDED"};
  const auto i = static_cast<size_t>(state);
  return i < std::size(kNames) ? kNames[i] : kNames[0];
}

const char* OutcomeName(PaymentOutcome outcome) {
  static constexpr const char* kNames[] = {"UNSPECIFIED",     "APPLIED",       "DUPLICATE",
                                           "AMOUNT_MISMATCH", "UNKNOWN_ORDER", "IGNORED"};
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

std::string TimeExpireOf(const Order& order, seconds ttl) {
  return time::FormatChina(floor<seconds>(order.created_at) + ttl);
}

PaymentLogic::PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
                           const wechatpay::Verifier& verifier, const time::Clock& clock)
    : settings_(std::move(settings)),
      orders_(orders),
      wechat_(wechat),
      verifier_(verifier),
      clock_(clock),
      notifications_(metrics::Registry::Default().AddCounter(
          "payment_notifications_total", "WeChat Pay notifications by result", {"result"})) {}

absl::StatusOr<CreatePaymentResult> PaymentLogic::CreatePayment(const CreatePaymentInput& input) {
  if (input.user_id.empty() || input.order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  if (input.channel != Channel::kNative) {
    return absl::InvalidArgumentError("channel not supported yet");
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
  const Timestamp time_expire = floor<seconds>(order.created_at) + settings_.order_ttl;
  if (now >= time_expire) return absl::FailedPreconditionError("order expired");

  CreatePaymentResult result{order.id, order.out_trade_no, Channel::kNative, "", {}, false};
  const std::optional<Prepay>& active = order.active_prepay;
  if (active && active->channel == Channel::kNative && !active->code_url.empty() &&
      active->expires_at > now + kPrepayReuseMargin) {
    result.code_url = active->code_url;
    result.expires_at = active->expires_at;
    result.reused = true;
    return result;
  }

  // Every field derives from the order alone, so a repeat is WeChat's identical re-entry and
  // answers the same code_url.
  NativePrepayRequest req;
  req.appid = settings_.appid;
  req.mchid = settings_.mchid;
  req.description = std::string(strings::TruncateUtf8(order.description, kMaxDescriptionBytes));
  if (req.description.empty()) req.description = "Order " + order.out_trade_no;
  req.out_trade_no = order.out_trade_no;
  req.time_expire = TimeExpireOf(order, settings_.order_ttl);
  req.notify_url = settings_.notify_url;
  req.amount_total = order.total_fen;
  req.currency = kCurrencyCny;
  ASSIGN_OR_RETURN(NativePrepay prepay, wechat_.CreateNative(req));

  const Timestamp lifetime_end = floor<seconds>(now) + kPrepayLifetime;
  const Prepay record{Channel::kNative, prepay.code_url, std::min(lifetime_end, time_expire)};
  RETURN_IF_ERROR(orders_.RecordPrepay(order.id, record).status());
  log::Info("native prepay issued", {{"order_id", order.id},
                                     {"out_trade_no", order.out_trade_no},
                                     {"expires_at", time::FormatUtc(record.expires_at)}});
  result.code_url = record.code_url;
  result.expires_at = record.expires_at;
  return result;
}

void PaymentLogic::HandleNotification(std::string_view route, const NotificationHeaders& headers,
                                      std::string_view body, const std::string& request_id,
                                      std::function<void(NotificationAnswer)> done) {
  NotificationFate fate;
  absl::StatusOr<ApplyPaymentInput> report = Check(route, headers, body, &fate.event_type);
  if (!report.ok()) {
    fate.status = report.status();
    Answer(fate, done);
    return;
  }
  fate.verified = true;
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

void PaymentLogic::Answer(const NotificationFate& fate,
                          const std::function<void(NotificationAnswer)>& done) {
  NotificationAnswer answer = VerdictOf(fate);
  notifications_.Inc({VerdictLabel(answer.verdict)});
  done(std::move(answer));
}

absl::StatusOr<ApplyPaymentInput> PaymentLogic::Check(std::string_view route,
                                                      const NotificationHeaders& headers,
                                                      std::string_view body,
                                                      std::string* event_type) {
  const std::string request_id = HeaderOf(headers, "Request-ID");
  wechatpay::SignatureHeaders sig;
  sig.timestamp = HeaderOf(headers, "Wechatpay-Timestamp");
  sig.nonce = HeaderOf(headers, "Wechatpay-Nonce");
  sig.signature = HeaderOf(headers, "Wechatpay-Signature");
  sig.serial = HeaderOf(headers, "Wechatpay-Serial");
  sig.signature_type = HeaderOf(headers, "Wechatpay-Signature-Type");
  const int64_t now = UnixSeconds(clock_.Now());
  if (!sig.serial.empty() && !verifier_.HasKey(sig.serial) && !sig.signature.empty() &&
      !sig.nonce.empty() && wechatpay::CheckTimestamp(sig.timestamp, now).ok()) {
    // Possibly WeChat signing with a key we do not hold yet (rotation): a 4xx would make it
    // give up on a real payment, so ask for a retry and alert. Nothing is applied either way.
    log::Error("notification signed with an unknown platform key: configure it",
               {{"route", route}, {"serial", sig.serial}, {"wechat_request_id", request_id}});
    return absl::UnavailableError("unknown Wechatpay-Serial");
  }
  if (absl::Status st = verifier_.Verify(sig, body, now); !st.ok()) {
    log::Warn("notification refused", {{"route", route},
                                       {"reason", st.message()},
                                       {"serial", sig.serial},
                                       {"wechat_request_id", request_id}});
    return st;
  }

  absl::StatusOr<wechatpay::Envelope> envelope = wechatpay::ParseEnvelope(body);
  if (!envelope.ok()) {
    log::Warn("notification envelope malformed",
              {{"route", route}, {"error", envelope.status().message()}});
    return envelope.status();
  }
  *event_type = envelope->event_type;
  if (envelope->event_type != kEventTransactionSuccess) {
    // Answered 5xx on purpose: WeChat keeps re-sending until these are handled, a 4xx would
    // make it give up on them.
    log::Warn("notification event not handled yet",
              {{"notification_id", envelope->id}, {"event_type", envelope->event_type}});
    return absl::UnimplementedError("notification event " + envelope->event_type +
                                    " is not handled");
  }
  if (envelope->resource.original_type != kOriginalTypeTransaction) {
    return absl::InvalidArgumentError("TRANSACTION.SUCCESS must carry a transaction resource");
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

absl::StatusOr<QueryPaymentResult> PaymentLogic::QueryPayment(const std::string& user_id,
                                                              const std::string& order_id) {
  if (user_id.empty() || order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  ASSIGN_OR_RETURN(Order order, orders_.GetOrderForPayment(user_id, order_id));
  QueryPaymentResult result{"", PaymentOutcome::kUnspecified, order.state};
  absl::StatusOr<wechatpay::Transaction> tx = wechat_.QueryByOutTradeNo(order.out_trade_no);
  if (tx.status().code() == absl::StatusCode::kNotFound) {
    // Never sent to WeChat (no prepay yet): nothing to apply.
    result.trade_state = kTradeStateOrderNotExist;
    return result;
  }
  if (!tx.ok()) return tx.status();
  if (absl::Status st = CheckOurs(*tx); !st.ok()) {
    log::Error("query answered for another merchant or app", {{"order_id", order.id}});
    return absl::InternalError(st.message());
  }
  result.trade_state = tx->trade_state;
  if (tx->trade_state != kTradeStateSuccess) return result;
  if (tx->transaction_id.empty()) {
    return absl::UnavailableError("wechat pay reported SUCCESS without transaction_id");
  }

  const std::string notification_id = "query:" + tx->transaction_id;
  std::promise<absl::StatusOr<ApplyPaymentResult>> promise;
  std::future<absl::StatusOr<ApplyPaymentResult>> future = promise.get_future();
  orders_.ApplyPayment(ApplyPaymentInput{notification_id, ReportSource::kQuery,
                                         kEventTransactionSuccess, std::move(*tx)},
                       log::CurrentRequestId(), [&promise](absl::StatusOr<ApplyPaymentResult> r) {
                         promise.set_value(std::move(r));
                       });
  ASSIGN_OR_RETURN(ApplyPaymentResult applied, future.get());
  log::Info("query applied", {{"order_id", order.id},
                              {"out_trade_no", order.out_trade_no},
                              {"outcome", OutcomeName(applied.outcome)}});
  result.outcome = applied.outcome;
  if (applied.order_state != OrderState::kUnspecified) result.order_state = applied.order_state;
  return result;
}

absl::Status PaymentLogic::CheckOurs(const wechatpay::Transaction& tx) const {
  if (tx.mchid != settings_.mchid) return absl::InvalidArgumentError("mchid is not ours");
  if (tx.appid != settings_.appid) return absl::InvalidArgumentError("appid is not ours");
  return absl::OkStatus();
}

}  // namespace paymesh::payment
