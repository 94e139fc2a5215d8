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
  if (order.state != kOrderCreated && order.state != kOrderPaying) {
    return absl::FailedPreconditionError("order is " + order.state);
  }
  order.state = kOrderPaying;
  order.prepay = prepay;
  return order;
}

absl::StatusOr<ApplyPaymentResult> FakeOrderApi::ApplyPayment(const ApplyPaymentInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return absl::UnavailableError("order unreachable");
  apply_calls_.push_back(input);
  Order* order = nullptr;
  for (auto& [id, o] : orders_) {
    if (o.out_trade_no == input.report.out_trade_no) order = &o;
  }
  if (order == nullptr) return ApplyPaymentResult{"UNKNOWN_ORDER", std::nullopt};
  const bool seen = seen_notifications_.count(input.notification_id) > 0 ||
                    seen_transactions_.count(input.report.transaction_id) > 0;
  seen_notifications_.insert(input.notification_id);
  if (seen) return ApplyPaymentResult{"DUPLICATE", *order};
  if (input.report.trade_state != kTradeStateSuccess) return ApplyPaymentResult{"IGNORED", *order};
  seen_transactions_.insert(input.report.transaction_id);
  if (input.report.amount_total != order->total_fen) {
    return ApplyPaymentResult{"AMOUNT_MISMATCH", *order};
  }
  order->state = "PAID";
  order->transaction_id = input.report.transaction_id;
  return ApplyPaymentResult{"APPLIED", *order};
}

}  // namespace paymesh::payment::testing
