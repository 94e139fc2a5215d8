#include "services/payment/logic.h"

#include <algorithm>
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

constexpr char kSourceNotification[] = "notification";
constexpr char kSourceQuery[] = "query";
constexpr char kOriginalTypeTransaction[] = "transaction";
constexpr char kTradeStateOrderNotExist[] = "ORDER_NOT_EXIST";

std::string HeaderOf(const NotificationHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (strings::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

int64_t UnixSeconds(Timestamp t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

PaymentReport ReportOf(const wechatpay::Transaction& tx) {
  PaymentReport r;
  r.appid = tx.appid;
  r.mchid = tx.mchid;
  r.out_trade_no = tx.out_trade_no;
  r.transaction_id = tx.transaction_id;
  r.trade_type = tx.trade_type;
  r.trade_state = tx.trade_state;
  r.success_time = tx.success_time;
  r.payer_openid = tx.payer_openid;
  r.amount_total = tx.amount_total;
  r.payer_total = tx.amount_payer_total;
  r.currency = tx.currency;
  return r;
}

}  // namespace

std::string TimeExpireOf(const Order& order, seconds ttl) {
  return time::FormatChina(floor<seconds>(order.created_at) + ttl);
}

PaymentLogic::PaymentLogic(PaymentSettings settings, OrderApi& orders, WechatPayApi& wechat,
                           const wechatpay::Verifier& verifier, Clock clock)
    : settings_(std::move(settings)),
      orders_(orders),
      wechat_(wechat),
      verifier_(verifier),
      clock_(std::move(clock)),
      notifications_(metrics::Registry::Default().AddCounter(
          "payment_notifications_total", "WeChat Pay notifications by result", {"result"})) {}

absl::StatusOr<CreatePaymentResult> PaymentLogic::CreatePayment(const CreatePaymentInput& input) {
  if (input.user_id.empty() || input.order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  if (input.channel != kChannelNative) {
    return absl::InvalidArgumentError("channel not supported yet");
  }
  ASSIGN_OR_RETURN(Order order, orders_.GetOrderForPayment(input.user_id, input.order_id));
  if (order.state != kOrderCreated && order.state != kOrderPaying) {
    return absl::FailedPreconditionError("order is " + order.state + " and cannot be paid");
  }
  if (order.total_fen <= 0 || order.currency != kCurrencyCny) {
    return absl::FailedPreconditionError("order amount cannot be paid with WeChat Pay");
  }
  const Timestamp now = clock_();
  const Timestamp time_expire = floor<seconds>(order.created_at) + settings_.order_ttl;
  if (now >= time_expire) return absl::FailedPreconditionError("order expired");

  CreatePaymentResult result{order.id, order.out_trade_no, kChannelNative, "", {}, false};
  if (order.prepay && order.prepay->channel == kChannelNative && !order.prepay->code_url.empty() &&
      order.prepay->expires_at > now + kPrepayReuseMargin) {
    result.code_url = order.prepay->code_url;
    result.expires_at = order.prepay->expires_at;
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
  const Prepay record{kChannelNative, prepay.code_url, std::min(lifetime_end, time_expire)};
  RETURN_IF_ERROR(orders_.RecordPrepay(order.id, record).status());
  log::Info("native prepay issued", {{"order_id", order.id},
                                     {"out_trade_no", order.out_trade_no},
                                     {"expires_at", time::FormatUtc(record.expires_at)}});
  result.code_url = record.code_url;
  result.expires_at = record.expires_at;
  return result;
}

absl::StatusOr<NotificationResult> PaymentLogic::HandleNotification(
    std::string_view route, const NotificationHeaders& headers, std::string_view body) {
  absl::StatusOr<NotificationResult> result = DoHandleNotification(route, headers, body);
  notifications_.Inc(
      {metrics::ResultLabel(result.ok() ? absl::StatusCode::kOk : result.status().code())});
  return result;
}

absl::StatusOr<NotificationResult> PaymentLogic::DoHandleNotification(
    std::string_view route, const NotificationHeaders& headers, std::string_view body) {
  const std::string request_id = HeaderOf(headers, "Request-ID");
  wechatpay::SignatureHeaders sig;
  sig.timestamp = HeaderOf(headers, "Wechatpay-Timestamp");
  sig.nonce = HeaderOf(headers, "Wechatpay-Nonce");
  sig.signature = HeaderOf(headers, "Wechatpay-Signature");
  sig.serial = HeaderOf(headers, "Wechatpay-Serial");
  sig.signature_type = HeaderOf(headers, "Wechatpay-Signature-Type");
  const int64_t now = UnixSeconds(clock_());
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
  const std::string& event_type = envelope->event_type;
  if (event_type != kEventTransactionSuccess) {
    // Answered 5xx on purpose: WeChat keeps re-sending until these are handled, a 4xx would
    // make it give up on them.
    log::Warn("notification event not handled yet",
              {{"notification_id", envelope->id}, {"event_type", event_type}});
    if (event_type.rfind("REFUND.", 0) == 0) {
      return absl::UnimplementedError("refund notifications are not handled yet");
    }
    return absl::UnimplementedError("notification event " + event_type + " is not handled");
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
    log::Error("notification for another merchant or app",
               {{"notification_id", envelope->id}, {"out_trade_no", tx->out_trade_no}});
    return absl::InvalidArgumentError(st.message());
  }
  if (tx->trade_state == kTradeStateSuccess && tx->transaction_id.empty()) {
    return absl::InvalidArgumentError("successful transaction without transaction_id");
  }

  ApplyPaymentInput apply{envelope->id, kSourceNotification, event_type, ReportOf(*tx)};
  absl::StatusOr<ApplyPaymentResult> applied_or = orders_.ApplyPayment(apply);
  if (!applied_or.ok()) {
    // This notification verified: whatever order answers, WeChat must retry it (5xx), never
    // give up on it (4xx).
    const absl::StatusCode code = applied_or.status().code();
    if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
      return applied_or.status();
    }
    log::Error("order refused a verified notification",
               {{"notification_id", envelope->id}, {"error", applied_or.status().message()}});
    return absl::InternalError("order could not apply the notification");
  }
  const ApplyPaymentResult& applied = *applied_or;
  log::Info("notification applied", {{"notification_id", envelope->id},
                                     {"route", route},
                                     {"out_trade_no", tx->out_trade_no},
                                     {"outcome", applied.outcome},
                                     {"wechat_request_id", request_id}});
  return NotificationResult{applied.outcome, event_type};
}

absl::StatusOr<QueryPaymentResult> PaymentLogic::QueryPayment(const std::string& user_id,
                                                              const std::string& order_id) {
  if (user_id.empty() || order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  ASSIGN_OR_RETURN(Order order, orders_.GetOrderForPayment(user_id, order_id));
  QueryPaymentResult result{"", "", order.state};
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

  ApplyPaymentInput apply{"query:" + tx->transaction_id, kSourceQuery, kEventTransactionSuccess,
                          ReportOf(*tx)};
  ASSIGN_OR_RETURN(ApplyPaymentResult applied, orders_.ApplyPayment(apply));
  log::Info(
      "query applied",
      {{"order_id", order.id}, {"out_trade_no", order.out_trade_no}, {"outcome", applied.outcome}});
  result.outcome = applied.outcome;
  if (applied.order) result.order_state = applied.order->state;
  return result;
}

absl::Status PaymentLogic::CheckOurs(const wechatpay::Transaction& tx) const {
  if (tx.mchid != settings_.mchid) return absl::InvalidArgumentError("mchid is not ours");
  if (tx.appid != settings_.appid) return absl::InvalidArgumentError("appid is not ours");
  return absl::OkStatus();
}

}  // namespace paymesh::payment
