// The payment side of OrderLogic: prepay, payment reports and the rules they follow
// (docs/architecture.md, "Order states").

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/time/rfc3339.h"
#include "services/order/logic.h"

namespace paymesh::order {
namespace {

constexpr std::string_view kChannels[] = {"native", "jsapi", "miniprogram", "h5"};
constexpr std::string_view kSources[] = {"notification", "query"};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Bounded, printable and, when required, present.
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

EventDetail PaymentDetail(const PaymentNotice& notice) {
  EventDetail d;
  d.transaction_id = notice.report.transaction_id;
  d.notification_id = notice.notification_id;
  d.source = notice.source;
  return d;
}

bool IsPaid(OrderState s) {
  return s == OrderState::kPaid || s == OrderState::kPartiallyRefunded ||
         s == OrderState::kRefunded;
}

}  // namespace

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

absl::StatusOr<Order> OrderLogic::RecordPrepay(const std::string& order_id,
                                               const PrepayInput& input) {
  ASSIGN_OR_RETURN(Prepay prepay, ParsePrepay(input));
  if (!IsUuid(order_id)) return absl::NotFoundError("order not found");
  return Described(store_.UpdateOrder(CanonicalUuid(order_id), [&prepay](const Order& locked) {
    return DecidePrepay(locked, prepay);
  }));
}

absl::StatusOr<PaymentResult> OrderLogic::ApplyPayment(const ApplyPaymentInput& input) {
  ASSIGN_OR_RETURN(PaymentNotice notice, ParsePaymentNotice(input));
  const Timestamp now = clock_();
  ASSIGN_OR_RETURN(PaymentResult result,
                   store_.ApplyPayment(notice, [&notice, now](const Order& locked) {
                     return DecidePayment(locked, notice, now);
                   }));
  if (result.order.has_value()) result.order->description = Describe(result.order->items);
  // Anything that needs a person is said once, here; the openid never appears.
  const bool needs_review = result.outcome == PaymentOutcome::kAmountMismatch ||
                            result.outcome == PaymentOutcome::kUnknownOrder ||
                            (result.outcome == PaymentOutcome::kApplied &&
                             result.order.has_value() && result.order->flagged);
  if (needs_review) {
    log::Warn("payment needs review",
              {{"outcome", OutcomeName(result.outcome)},
               {"out_trade_no", notice.report.out_trade_no},
               {"transaction_id", notice.report.transaction_id},
               {"flag_reason", result.order.has_value() ? result.order->flag_reason : ""}});
  }
  return result;
}

absl::StatusOr<Prepay> ParsePrepay(const PrepayInput& input) {
  if (!OneOf(input.channel, kChannels)) {
    return absl::InvalidArgumentError(
        "prepay.channel must be one of native, jsapi, miniprogram, h5");
  }
  RETURN_IF_ERROR(
      CheckText("prepay.code_url", input.code_url, kMaxUrlLength, input.channel == "native"));
  RETURN_IF_ERROR(CheckText("prepay.prepay_id", input.prepay_id, kMaxReportFieldLength,
                            input.channel == "jsapi" || input.channel == "miniprogram"));
  RETURN_IF_ERROR(CheckText("prepay.h5_url", input.h5_url, kMaxUrlLength, input.channel == "h5"));
  Prepay prepay{input.channel, input.code_url, input.prepay_id, input.h5_url, std::nullopt};
  if (input.expires_at.empty()) {
    if (input.channel == "native") {
      return absl::InvalidArgumentError("prepay.expires_at is required");
    }
  } else {
    absl::StatusOr<std::chrono::system_clock::time_point> expires_at =
        time::Parse(input.expires_at);
    if (!expires_at.ok()) {
      return absl::InvalidArgumentError("prepay.expires_at must be an RFC 3339 time");
    }
    prepay.expires_at = std::chrono::floor<std::chrono::microseconds>(*expires_at);
  }
  return prepay;
}

absl::StatusOr<OrderChange> DecidePrepay(const Order& order, const Prepay& prepay) {
  if (order.state != OrderState::kCreated && order.state != OrderState::kPaying) {
    return absl::FailedPreconditionError("the order is " + std::string(StateName(order.state)) +
                                         "; a prepay is recorded only while CREATED or PAYING");
  }
  OrderChange change;
  if (order.state == OrderState::kPaying && order.prepay == prepay) return change;  // no-op
  change.event_type = "prepay_issued";
  change.to_state = OrderState::kPaying;
  change.prepay = prepay;
  change.detail.channel = prepay.channel;
  change.detail.expires_at = prepay.expires_at;
  return change;
}

absl::StatusOr<PaymentNotice> ParsePaymentNotice(const ApplyPaymentInput& input) {
  const PaymentReport& r = input.report;
  RETURN_IF_ERROR(CheckText("notification_id", input.notification_id, kMaxReportFieldLength, true));
  if (!OneOf(input.source, kSources)) {
    return absl::InvalidArgumentError("source must be notification or query");
  }
  RETURN_IF_ERROR(CheckText("event_type", input.event_type, kMaxReportFieldLength, false));
  RETURN_IF_ERROR(CheckText("report.out_trade_no", r.out_trade_no, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("report.trade_state", r.trade_state, kMaxReportFieldLength, true));
  const bool success = r.trade_state == kTradeStateSuccess;
  RETURN_IF_ERROR(
      CheckText("report.transaction_id", r.transaction_id, kMaxReportFieldLength, success));
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
  PaymentNotice notice;
  notice.notification_id = input.notification_id;
  notice.source = input.source;
  notice.event_type = input.event_type;
  notice.report = r;
  notice.applicable = success;
  if (!r.success_time.empty()) {
    absl::StatusOr<std::chrono::system_clock::time_point> t = time::Parse(r.success_time);
    if (!t.ok()) return absl::InvalidArgumentError("report.success_time must be an RFC 3339 time");
    notice.success_at = std::chrono::floor<std::chrono::microseconds>(*t);
  }
  return notice;
}

PaymentDecision DecidePayment(const Order& order, const PaymentNotice& notice, Timestamp now) {
  const PaymentReport& r = notice.report;
  PaymentDecision decision;
  OrderChange& change = decision.change;
  change.detail = PaymentDetail(notice);
  change.to_state = order.state;

  if (r.amount_total != order.total_fen || r.currency != order.currency) {
    decision.outcome = PaymentOutcome::kAmountMismatch;
    change.event_type = "amount_mismatch";
    change.detail.reported_fen = r.amount_total;
    change.detail.expected_fen = order.total_fen;
    change.flag_reason = "amount_mismatch: reported " + std::to_string(r.amount_total) + " fen";
    if (r.currency != order.currency) change.flag_reason += " in " + r.currency;
    change.flag_reason += ", expected " + std::to_string(order.total_fen) + " fen";
    if (r.currency != order.currency) change.flag_reason += " in " + order.currency;
    return decision;
  }
  if (IsPaid(order.state)) {
    if (order.transaction_id == r.transaction_id) {  // already applied: nothing to do
      decision.outcome = PaymentOutcome::kDuplicate;
      change.event_type.clear();
      return decision;
    }
    // A second, different payment for one order: money to give back.
    change.event_type = "duplicate_payment";
    change.flag_reason = "duplicate_payment: " + r.transaction_id + " after " +
                         order.transaction_id + ", refund required";
    return decision;
  }
  change.to_state = OrderState::kPaid;
  change.transaction_id = r.transaction_id;
  change.paid_at = notice.success_at.value_or(now);
  if (order.state == OrderState::kClosed) {
    change.event_type = "late_payment";
    change.late_payment = true;
    change.flag_reason = "late_payment: paid after close, refund required";
  } else {
    change.event_type = "paid";  // CREATED, PAYING, PAY_FAILED
  }
  return decision;
}

}  // namespace paymesh::order
