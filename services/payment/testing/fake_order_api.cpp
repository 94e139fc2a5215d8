#include "services/payment/testing/fake_order_api.h"

namespace paymesh::payment::testing {

void FakeOrderApi::PutOrder(Order order) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = order.id;
  orders_[id] = std::move(order);
}

std::optional<Order> FakeOrderApi::GetOrder(const std::string& order_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return std::nullopt;
  return it->second;
}

void FakeOrderApi::SetUnavailable(bool unavailable) {
  std::lock_guard<std::mutex> lock(mu_);
  unavailable_ = unavailable;
}

std::vector<std::pair<std::string, Prepay>> FakeOrderApi::prepay_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return prepay_calls_;
}

std::vector<ApplyPaymentInput> FakeOrderApi::apply_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return apply_calls_;
}

absl::StatusOr<Order> FakeOrderApi::GetOrderForPayment(const std::string& user_id,
                                                       const std::string& order_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  auto it = orders_.find(order_id);
  if (it == orders_.end() || it->second.user_id != user_id) {
    return absl::NotFoundError("order not found");
  }
  return it->second;
}

absl::StatusOr<Order> FakeOrderApi::RecordPrepay(const std::string& order_id,
                                                 const Prepay& prepay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  prepay_calls_.emplace_back(order_id, prepay);
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return absl::NotFoundError("order not found");
  Order& order = it->second;
  if (order.state != OrderState::kCreated && order.state != OrderState::kPaying) {
    return absl::FailedPreconditionError(std::string("order is ") + StateName(order.state));
  }
  if (prepay.attempt != order.payment_attempt && prepay.attempt != order.payment_attempt + 1) {
    return absl::FailedPreconditionError("payment attempt is not the next");
  }
  order.state = OrderState::kPaying;
  order.active_prepay = prepay;
  order.payment_attempt = prepay.attempt;
  order.payment_channel = prepay.channel;
  order.out_trade_no = AttemptOutTradeNo(order.out_trade_no, prepay.attempt);
  return order;
}

absl::StatusOr<Order> FakeOrderApi::CloseOrder(const std::string& order_id,
                                               const std::string& user_id,
                                               const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  auto it = orders_.find(order_id);
  if (it == orders_.end() || (!user_id.empty() && it->second.user_id != user_id)) {
    return absl::NotFoundError("order not found");
  }
  Order& order = it->second;
  switch (order.state) {
    case OrderState::kClosed:
      return order;
    case OrderState::kCreated:
    case OrderState::kPaying:
    case OrderState::kPayFailed:
      order.state = OrderState::kClosed;
      order.active_prepay.reset();
      close_calls_.emplace_back(order_id, reason);
      return order;
    default:
      return absl::FailedPreconditionError(std::string("the order is ") + StateName(order.state) +
                                           " and cannot be closed");
  }
}

absl::StatusOr<std::vector<Order>> FakeOrderApi::ListOrdersToSettle(
    SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  const auto since = [kind](const Order& o) {
    return kind == SettleKind::kExpired ? o.expires_at : o.updated_at;
  };
  std::vector<Order> due;
  for (const auto& [id, o] : orders_) {
    const bool open = o.state == OrderState::kCreated || o.state == OrderState::kPaying ||
                      o.state == OrderState::kPayFailed;
    const bool wanted = kind == SettleKind::kExpired ? open : o.state == OrderState::kPaying;
    const bool later =
        !after || std::make_pair(since(o), o.id) > std::make_pair(after->at, after->id);
    if (wanted && later && since(o) <= before) due.push_back(o);
  }
  std::sort(due.begin(), due.end(), [&](const Order& a, const Order& b) {
    return std::make_pair(since(a), a.id) < std::make_pair(since(b), b.id);
  });
  if (due.size() > static_cast<size_t>(std::max(limit, 0))) due.resize(std::max(limit, 0));
  return due;
}

std::vector<std::pair<std::string, std::string>> FakeOrderApi::close_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return close_calls_;
}

void FakeOrderApi::ApplyRefundReport(const RefundReportInput& input, const std::string&,
                                     RefundDone done) {
  absl::StatusOr<RefundApplied> result = [&]() -> absl::StatusOr<RefundApplied> {
    std::lock_guard<std::mutex> lock(mu_);
    if (unavailable_) return absl::UnavailableError("order unreachable");
    refund_reports_.push_back(input);
    Order* order = nullptr;
    for (auto& [id, o] : orders_) {
      if (o.out_trade_no == input.out_trade_no) order = &o;
    }
    // As order: kept for a person, answered without an order.
    if (order == nullptr) return RefundApplied{"", OrderState::kUnspecified, input.status};
    RefundStatus& status = refunds_[input.out_refund_no];
    const bool final = status == RefundStatus::kSuccess || status == RefundStatus::kClosed;
    if (!final) status = input.status;
    if (status == RefundStatus::kSuccess && !final) {
      order->state = input.amount_fen >= order->total_fen ? OrderState::kRefunded
                                                          : OrderState::kPartiallyRefunded;
    }
    return RefundApplied{order->id, order->state, status};
  }();
  done(std::move(result));
}

absl::StatusOr<OrderApi::RequestedRefund> FakeOrderApi::RequestRefund(
    const RefundRequestInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  auto it = orders_.find(input.order_id);
  if (it == orders_.end()) return absl::NotFoundError("order not found");
  if (it->second.state != OrderState::kPaid) {
    return absl::FailedPreconditionError("only a paid order can be refunded");
  }
  const std::string no = "RF-" + std::to_string(refunds_.size() + 1);
  refunds_[no] = RefundStatus::kProcessing;
  return RequestedRefund{it->second, RefundView{no, input.amount_fen, input.reason,
                                                RefundStatus::kProcessing, "", input.requested_by}};
}

void FakeOrderApi::PutRefundToSettle(RefundToSettle refund) {
  std::lock_guard<std::mutex> lock(mu_);
  refunds_[refund.refund.out_refund_no] = RefundStatus::kProcessing;
  to_settle_.push_back(std::move(refund));
}

absl::StatusOr<std::vector<RefundToSettle>> FakeOrderApi::ListRefundsToSettle(Timestamp before,
                                                                              int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  std::vector<RefundToSettle> due;
  for (const RefundToSettle& r : to_settle_) {
    auto status = refunds_.find(r.refund.out_refund_no);
    const bool processing = status == refunds_.end() || status->second == RefundStatus::kProcessing;
    if (processing && r.updated_at <= before && static_cast<int>(due.size()) < limit) {
      due.push_back(r);
    }
  }
  return due;
}

std::vector<RefundReportInput> FakeOrderApi::refund_reports() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refund_reports_;
}

void FakeOrderApi::FailNextApply(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_apply_ = std::move(status);
}

void FakeOrderApi::ApplyPayment(const ApplyPaymentInput& input, const std::string& request_id,
                                ApplyDone done) {
  absl::StatusOr<ApplyPaymentResult> result = Apply(input);
  done(std::move(result));
}

absl::StatusOr<ApplyPaymentResult> FakeOrderApi::Apply(const ApplyPaymentInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  if (!fail_apply_.ok()) {
    absl::Status st = fail_apply_;
    fail_apply_ = absl::OkStatus();
    return st;
  }
  apply_calls_.push_back(input);
  const wechatpay::Transaction& tx = input.transaction;
  Order* order = nullptr;
  for (auto& [id, o] : orders_) {
    if (o.out_trade_no == tx.out_trade_no) order = &o;
  }
  if (order == nullptr) return ApplyPaymentResult{PaymentOutcome::kUnknownOrder, "", {}};
  const auto result = [order](PaymentOutcome outcome) {
    return ApplyPaymentResult{outcome, order->id, order->state};
  };
  const bool seen = seen_notifications_.count(input.notification_id) > 0 ||
                    seen_transactions_.count(tx.transaction_id) > 0;
  seen_notifications_.insert(input.notification_id);
  if (seen) return result(PaymentOutcome::kDuplicate);
  if (tx.trade_state != kTradeStateSuccess) return result(PaymentOutcome::kIgnored);
  seen_transactions_.insert(tx.transaction_id);
  if (tx.amount_total != order->total_fen) return result(PaymentOutcome::kAmountMismatch);
  order->state = OrderState::kPaid;
  order->transaction_id = tx.transaction_id;
  order->active_prepay.reset();
  return result(PaymentOutcome::kApplied);
}

}  // namespace paymesh::payment::testing
