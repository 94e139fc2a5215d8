// The payment side of OrderLogic: prepay, payment reports and the rules they follow
// (docs/architecture.md, "Order states").

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/strings/utf8.h"
#include "services/order/logic.h"

namespace paymesh::order {
namespace {

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool NeedsReview(const PaymentResult& r) {
  return r.outcome == PaymentOutcome::kAmountMismatch ||
         r.outcome == PaymentOutcome::kUnknownOrder ||
         (r.outcome == PaymentOutcome::kApplied && r.flagged);
}

}  // namespace

absl::Status CheckText(std::string_view field, std::string_view value, size_t max_length,
                       bool required) {
  if (required && value.empty()) {
    return absl::InvalidArgumentError(std::string(field) + " is required");
  }
  if (value.size() > max_length) {
    return absl::InvalidArgumentError(std::string(field) + " is too long");
  }
  if (HasControlChars(value)) {
    return absl::InvalidArgumentError(std::string(field) + " has control characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<Order> OrderLogic::GetOrderForPayment(const std::string& user_id,
                                                     const std::string& order_id,
                                                     const std::string& out_trade_no) {
  if (order_id.empty() == out_trade_no.empty()) {
    return absl::InvalidArgumentError("exactly one of order_id and out_trade_no is required");
  }
  if (!user_id.empty()) RETURN_IF_ERROR(ValidateUserId(user_id));
  const absl::Status not_found = absl::NotFoundError("order not found");
  absl::StatusOr<Order> order;
  if (!order_id.empty()) {
    if (!IsUuid(order_id)) return not_found;
    order = user_id.empty() ? store_.GetOrderById(CanonicalUuid(order_id))
                            : store_.GetOrder(user_id, CanonicalUuid(order_id));
  } else {
    RETURN_IF_ERROR(CheckText("out_trade_no", out_trade_no, kMaxReportFieldLength, true));
    order = store_.GetOrderByOutTradeNo(out_trade_no);
    if (order.ok() && !user_id.empty() && order->user_id != user_id) return not_found;
  }
  return Described(std::move(order));
}

absl::StatusOr<Order> OrderLogic::RecordPrepay(const std::string& order_id, const Prepay& prepay) {
  RETURN_IF_ERROR(ValidatePrepay(prepay));
  if (!IsUuid(order_id)) return absl::NotFoundError("order not found");
  return Described(store_.UpdateOrder(CanonicalUuid(order_id), [&prepay](const Order& locked) {
    return DecidePrepay(locked, prepay);
  }));
}

absl::StatusOr<Order> OrderLogic::CloseOrder(const std::string& user_id,
                                             const std::string& order_id,
                                             const std::string& reason) {
  if (reason != "cancelled" && reason != "expired") {
    return absl::InvalidArgumentError("reason must be cancelled or expired");
  }
  if (!IsUuid(order_id)) return absl::NotFoundError("order not found");
  const std::string id = CanonicalUuid(order_id);
  if (!user_id.empty()) RETURN_IF_ERROR(store_.GetOrder(user_id, id).status());
  absl::StatusOr<Order> closed = store_.UpdateOrder(
      id, [&reason](const Order& locked) { return DecideClose(locked, reason); });
  if (closed.ok()) log::Info("order closed", {{"order_id", id}, {"reason", reason}});
  return Described(std::move(closed));
}

absl::StatusOr<std::vector<Order>> OrderLogic::ListOrdersToSettle(
    SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) {
  if (limit < 1 || limit > kMaxSettleBatch) {
    return absl::InvalidArgumentError("limit must be 1 to 500");
  }
  if (after && !IsUuid(after->id))
    return absl::InvalidArgumentError("after.id must be an order id");
  std::optional<SettleKey> from = after;
  if (from) from->id = CanonicalUuid(from->id);
  return store_.ListOrdersToSettle(kind, before, from, limit);
}

absl::StatusOr<std::vector<PaymentResult>> OrderLogic::ApplyPayments(
    const std::vector<PaymentNotice>& notices) {
  ASSIGN_OR_RETURN(std::vector<PaymentResult> results, store_.ApplyPayments(notices, clock_.Now()));
  static metrics::Counter& reports = metrics::Registry::Default().AddCounter(
      "order_payment_reports_total",
      "Payment reports applied, by source (notification, query) and outcome",
      {"source", "outcome"});
  static metrics::Counter& late = metrics::Registry::Default().AddCounter(
      "order_late_payments_total", "Payments applied to a closed order: each needs a refund", {});
  // Anything that needs a person is said once, here; the openid never appears.
  for (size_t i = 0; i < results.size() && i < notices.size(); ++i) {
    reports.Inc(
        {std::string(SourceName(notices[i].source)), std::string(OutcomeName(results[i].outcome))});
    // APPLIED and flagged happens only to a closed order (a mismatch or a second payment has an
    // outcome of its own).
    if (results[i].outcome == PaymentOutcome::kApplied && results[i].flagged) late.Inc();
    if (!NeedsReview(results[i])) continue;
    const PaymentReport& r = notices[i].report;
    log::Warn("payment needs review", {{"outcome", OutcomeName(results[i].outcome)},
                                       {"out_trade_no", r.out_trade_no},
                                       {"transaction_id", r.transaction_id},
                                       {"flag_reason", results[i].flag_reason}});
  }
  return results;
}

absl::StatusOr<PaymentOutcome> OrderLogic::RecordRejectedReport(RejectedReport report) {
  RETURN_IF_ERROR(
      CheckText("notification_id", report.notification_id, kMaxReportFieldLength, true));
  // Whatever else it says is kept only as far as the inbox holds it.
  for (std::string* field : {&report.event_type, &report.out_trade_no, &report.transaction_id}) {
    *field = std::string(strings::TruncateUtf8(*field, kMaxReportFieldLength));
  }
  report.reason = std::string(strings::TruncateUtf8(report.reason, kMaxReasonLength));
  ASSIGN_OR_RETURN(PaymentOutcome outcome, store_.RecordRejectedReport(report));
  if (outcome == PaymentOutcome::kRejected) {
    static metrics::Counter& rejected = metrics::Registry::Default().AddCounter(
        "order_payment_reports_rejected_total",
        "Verified payment reports stored as REJECTED: a person must look at each", {});
    rejected.Inc();
    log::Error("verified payment report rejected", {{"notification_id", report.notification_id},
                                                    {"out_trade_no", report.out_trade_no},
                                                    {"transaction_id", report.transaction_id},
                                                    {"reason", report.reason}});
  }
  return outcome;
}

absl::Status ValidatePrepay(const Prepay& prepay) {
  const Channel c = prepay.channel;
  RETURN_IF_ERROR(
      CheckText("prepay.code_url", prepay.code_url, kMaxUrlLength, c == Channel::kNative));
  RETURN_IF_ERROR(CheckText("prepay.prepay_id", prepay.prepay_id, kMaxReportFieldLength,
                            c == Channel::kJsapi || c == Channel::kMiniprogram));
  RETURN_IF_ERROR(CheckText("prepay.h5_url", prepay.h5_url, kMaxUrlLength, c == Channel::kH5));
  if (c == Channel::kNative && !prepay.expires_at.has_value()) {
    return absl::InvalidArgumentError("prepay.expires_at is required");
  }
  if (prepay.attempt < 0 || prepay.attempt >= kMaxPaymentAttempts) {
    return absl::InvalidArgumentError("prepay.attempt must be 0 to " +
                                      std::to_string(kMaxPaymentAttempts - 1));
  }
  return absl::OkStatus();
}

absl::StatusOr<OrderChange> DecidePrepay(const Order& order, const Prepay& prepay) {
  if (order.state != OrderState::kCreated && order.state != OrderState::kPaying) {
    return absl::FailedPreconditionError("the order is " + std::string(StateName(order.state)) +
                                         "; a prepay is recorded only while CREATED or PAYING");
  }
  // The current attempt, or the next one: payment closed the current one at WeChat first.
  if (prepay.attempt != order.payment_attempt && prepay.attempt != order.payment_attempt + 1) {
    return absl::FailedPreconditionError("payment attempt " + std::to_string(prepay.attempt) +
                                         " is not the order's next (" +
                                         std::to_string(order.payment_attempt) + " is current)");
  }
  OrderChange change;
  if (order.state == OrderState::kPaying && order.prepay == prepay) return change;  // no-op
  change.event_type = "prepay_issued";
  change.to_state = OrderState::kPaying;
  change.prepay = prepay;
  change.detail.channel = prepay.channel;
  change.detail.expires_at = prepay.expires_at;
  if (prepay.attempt != order.payment_attempt) change.detail.attempt = prepay.attempt;
  return change;
}

absl::StatusOr<OrderChange> DecideClose(const Order& order, const std::string& reason) {
  OrderChange change;
  change.to_state = order.state;
  switch (order.state) {
    case OrderState::kClosed:
      return change;  // closed before: nothing to do
    case OrderState::kCreated:
    case OrderState::kPaying:
    case OrderState::kPayFailed:
      change.event_type = "closed";
      change.to_state = OrderState::kClosed;
      change.detail.reason = reason;
      return change;
    default:
      return absl::FailedPreconditionError("the order is " + std::string(StateName(order.state)) +
                                           " and cannot be closed");
  }
}

bool HasActivePrepay(const Order& order, Timestamp now) {
  return order.state == OrderState::kPaying && order.prepay.has_value() &&
         (!order.prepay->expires_at.has_value() || *order.prepay->expires_at > now);
}

absl::Status ValidatePaymentNotice(const PaymentNotice& notice) {
  const PaymentReport& r = notice.report;
  RETURN_IF_ERROR(
      CheckText("notification_id", notice.notification_id, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("event_type", notice.event_type, kMaxReportFieldLength, false));
  RETURN_IF_ERROR(CheckText("report.out_trade_no", r.out_trade_no, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("report.trade_state", r.trade_state, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("report.transaction_id", r.transaction_id, kMaxReportFieldLength,
                            notice.applicable()));
  for (const auto& [field, value] :
       {std::pair<std::string_view, const std::string&>{"report.appid", r.appid},
        {"report.mchid", r.mchid},
        {"report.trade_type", r.trade_type},
        {"report.payer_openid", r.payer_openid},
        {"report.currency", r.currency}}) {
    RETURN_IF_ERROR(CheckText(field, value, kMaxReportFieldLength, false));
  }
  if (r.amount_total < 0 || r.payer_total < 0) {
    return absl::InvalidArgumentError("report amounts must not be negative");
  }
  return absl::OkStatus();
}

}  // namespace paymesh::order
