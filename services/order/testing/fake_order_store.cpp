#include "services/order/testing/fake_order_store.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/status/status.h"

namespace paymesh::order::testing {
namespace {

// Ordering used by ListOrders: newest first, then the larger id first.
bool Newer(const PageKey& a, const PageKey& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.id > b.id;
}

// migrations/0004_apply_payments.sql's decision, for a locked order and a payment not seen
// before (the store contract test holds the two to the same rules).
OrderChange DecidePayment(const Order& order, const PaymentNotice& notice, Timestamp now,
                          PaymentOutcome* outcome) {
  const PaymentReport& r = notice.report;
  OrderChange change;
  change.detail.transaction_id = r.transaction_id;
  change.detail.notification_id = notice.notification_id;
  change.detail.source = notice.source;
  change.to_state = order.state;
  if (r.amount_total != order.total_fen || r.currency != order.currency) {
    *outcome = PaymentOutcome::kAmountMismatch;
    change.event_type = "amount_mismatch";
    change.detail.reported_fen = r.amount_total;
    change.detail.expected_fen = order.total_fen;
    const bool other_currency = r.currency != order.currency;
    change.flag_reason = "amount_mismatch: reported " + std::to_string(r.amount_total) + " fen" +
                         (other_currency ? " in " + r.currency : "") + ", expected " +
                         std::to_string(order.total_fen) + " fen" +
                         (other_currency ? " in " + order.currency : "");
    return change;
  }
  if (order.state == OrderState::kPaid || order.state == OrderState::kPartiallyRefunded ||
      order.state == OrderState::kRefunded) {
    if (order.transaction_id == r.transaction_id) {
      *outcome = PaymentOutcome::kDuplicate;
      return OrderChange{};
    }
    *outcome = PaymentOutcome::kDuplicatePayment;
    change.event_type = "duplicate_payment";
    change.flag_reason = "duplicate_payment: " + r.transaction_id + " after " +
                         order.transaction_id + ", refund required";
    return change;
  }
  *outcome = PaymentOutcome::kApplied;
  change.to_state = OrderState::kPaid;
  change.transaction_id = r.transaction_id;
  change.paid_at = r.success_time.value_or(now);
  if (order.state == OrderState::kClosed) {
    change.event_type = "late_payment";
    change.late_payment = true;
    change.flag_reason = "late_payment: paid after close, refund required";
  } else {
    change.event_type = "paid";
  }
  return change;
}

PaymentResult ResultFor(PaymentOutcome outcome, const Order* order) {
  PaymentResult result;
  result.outcome = outcome;
  if (order != nullptr) {
    result.order_id = order->id;
    result.order_state = order->state;
    result.flagged = order->flagged;
    result.flag_reason = order->flag_reason;
  }
  return result;
}

}  // namespace

FakeOrderStore::FakeOrderStore(const time::Clock& clock) : clock_(clock) {}

void FakeOrderStore::PutProduct(Product product) {
  std::lock_guard lock(mu_);
  std::string sku = product.sku;
  products_[sku] = std::move(product);
}

void FakeOrderStore::FailNextInserts(int n) {
  std::lock_guard lock(mu_);
  fail_inserts_ = n;
}

void FakeOrderStore::HideIdempotencyLookups(bool hide) {
  std::lock_guard lock(mu_);
  hide_lookups_ = hide;
}

std::vector<NewOrder> FakeOrderStore::insert_calls() const {
  std::lock_guard lock(mu_);
  return insert_calls_;
}

size_t FakeOrderStore::order_count() const {
  std::lock_guard lock(mu_);
  return orders_.size();
}

absl::StatusOr<std::vector<Product>> FakeOrderStore::ListActiveProducts() {
  std::lock_guard lock(mu_);
  std::vector<Product> out;
  for (const auto& [sku, p] : products_) {
    if (p.active) out.push_back(p);
  }
  return out;
}

absl::StatusOr<std::vector<Product>> FakeOrderStore::FindProducts(
    const std::vector<std::string>& skus) {
  std::lock_guard lock(mu_);
  std::vector<Product> out;
  for (const std::string& sku : skus) {
    auto it = products_.find(sku);
    if (it != products_.end()) out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<InsertResult> FakeOrderStore::InsertOrder(const NewOrder& order) {
  std::lock_guard lock(mu_);
  insert_calls_.push_back(order);
  if (fail_inserts_ > 0) {
    --fail_inserts_;
    return absl::AbortedError("out_trade_no is taken");
  }
  if (!order.idempotency_key.empty()) {
    auto it = by_key_.find({order.user_id, order.idempotency_key});
    if (it != by_key_.end()) return InsertResult{orders_[it->second], false};
  }
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012zu", orders_.size() + 1);
  StoredOrder stored;
  stored.order.id = id;
  stored.order.user_id = order.user_id;
  stored.order.out_trade_no = order.out_trade_no;
  stored.order.total_fen = order.total_fen;
  stored.order.currency = order.currency;
  stored.order.items = order.items;
  stored.order.created_at = clock_.Now();
  stored.order.updated_at = stored.order.created_at;
  stored.order.expires_at = order.expires_at;
  stored.request_hash = order.request_hash;
  if (!order.idempotency_key.empty()) {
    by_key_[{order.user_id, order.idempotency_key}] = orders_.size();
  }
  orders_.push_back(stored);
  return InsertResult{std::move(stored), true};
}

absl::StatusOr<std::optional<StoredOrder>> FakeOrderStore::FindByIdempotencyKey(
    const std::string& user_id, const std::string& idempotency_key) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find({user_id, idempotency_key});
  if (hide_lookups_ || it == by_key_.end()) return std::nullopt;
  return orders_[it->second];
}

absl::StatusOr<Order> FakeOrderStore::GetOrder(const std::string& user_id,
                                               const std::string& order_id) {
  std::lock_guard lock(mu_);
  for (const StoredOrder& s : orders_) {
    if (s.order.id == order_id && s.order.user_id == user_id) return s.order;
  }
  return absl::NotFoundError("order not found");
}

absl::StatusOr<std::vector<Order>> FakeOrderStore::ListOrders(const std::string& user_id,
                                                              const std::optional<PageKey>& after,
                                                              int limit) {
  std::lock_guard lock(mu_);
  std::vector<Order> out;
  for (const StoredOrder& s : orders_) {
    const PageKey key{s.order.created_at, s.order.id};
    if (s.order.user_id == user_id && (!after.has_value() || Newer(*after, key))) {
      out.push_back(s.order);
    }
  }
  std::sort(out.begin(), out.end(), [](const Order& a, const Order& b) {
    return Newer({a.created_at, a.id}, {b.created_at, b.id});
  });
  if (out.size() > static_cast<size_t>(limit)) out.resize(limit);
  return out;
}

void FakeOrderStore::SetState(const std::string& order_id, OrderState state) {
  std::lock_guard lock(mu_);
  if (Order* order = Find(order_id)) order->state = state;
}

std::vector<FakeOrderStore::Event> FakeOrderStore::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::optional<PaymentOutcome> FakeOrderStore::inbox_outcome(
    const std::string& notification_id) const {
  std::lock_guard lock(mu_);
  auto it = inbox_.find(notification_id);
  if (it == inbox_.end()) return std::nullopt;
  return it->second;
}

std::optional<FakeOrderStore::RecordedPayment> FakeOrderStore::payment(
    const std::string& transaction_id) const {
  std::lock_guard lock(mu_);
  auto it = payments_.find(transaction_id);
  if (it == payments_.end()) return std::nullopt;
  return it->second;
}

Order* FakeOrderStore::Find(const std::string& order_id) {
  for (StoredOrder& s : orders_) {
    if (s.order.id == order_id) return &s.order;
  }
  return nullptr;
}

Order* FakeOrderStore::FindByOutTradeNo(const std::string& out_trade_no) {
  for (StoredOrder& s : orders_) {
    if (s.order.out_trade_no == BaseOutTradeNo(out_trade_no)) return &s.order;
  }
  return nullptr;
}

void FakeOrderStore::InsertRefund(const std::string& order_id, Refund f) {
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-9000-%012zu", refunds_.size() + 1);
  f.id = id;
  f.order_id = order_id;
  f.created_at = f.updated_at = clock_.Now();
  refunds_.push_back(std::move(f));
}

void FakeOrderStore::Write(Order& order, const OrderChange& change) {
  events_.push_back(
      {order.id, change.event_type, order.state, change.to_state, change.detail, clock_.Now()});
  std::string flag_reason = change.flag_reason;
  if (change.event_type == "late_payment" && refund_late_payments_) {
    // As migration 0009's trigger: a full refund, PROCESSING, in the same change, and the flag
    // says so.
    Refund f;
    f.out_refund_no = "RL";
    for (char c : order.id) {
      if (c != '-') f.out_refund_no += c;
    }
    f.amount_fen = order.total_fen;
    f.reason = kLatePaymentRefundReason;
    f.status = RefundStatus::kProcessing;
    f.requested_by = kLatePaymentRefundRequester;
    f.idempotency_key = "late-payment";
    flag_reason = "late_payment: paid after close, refund " + f.out_refund_no + " opened";
    EventDetail detail;
    detail.out_refund_no = f.out_refund_no;
    detail.refund_fen = f.amount_fen;
    detail.reason = f.reason;
    events_.push_back({order.id, "refund_requested", change.to_state, change.to_state,
                       std::move(detail), clock_.Now()});
    InsertRefund(order.id, std::move(f));
  }
  order.state = change.to_state;
  order.updated_at = clock_.Now();
  if (change.prepay.has_value()) {
    order.prepay = change.prepay;
    order.payment_attempt = change.prepay->attempt;
  }
  if (!change.transaction_id.empty()) {
    order.transaction_id = change.transaction_id;
    order.paid_at = change.paid_at;
  }
  if (change.late_payment) order.late_payment = true;
  if (!flag_reason.empty()) {
    // Every reason is kept: a later one never hides an earlier one.
    order.flagged = true;
    order.flag_reason += (order.flag_reason.empty() ? "" : "; ") + flag_reason;
  }
}

absl::StatusOr<Order> FakeOrderStore::GetOrderById(const std::string& order_id) {
  std::lock_guard lock(mu_);
  if (Order* order = Find(order_id)) return *order;
  return absl::NotFoundError("order not found");
}

absl::StatusOr<Order> FakeOrderStore::GetOrderByOutTradeNo(const std::string& out_trade_no) {
  std::lock_guard lock(mu_);
  if (Order* order = FindByOutTradeNo(out_trade_no)) return *order;
  return absl::NotFoundError("order not found");
}

absl::StatusOr<Order> FakeOrderStore::UpdateOrder(const std::string& order_id,
                                                  const OrderDecider& decide) {
  std::lock_guard lock(mu_);
  Order* order = Find(order_id);
  if (order == nullptr) return absl::NotFoundError("order not found");
  absl::StatusOr<OrderChange> change = decide(*order);
  if (!change.ok()) return change.status();
  if (!change->event_type.empty()) Write(*order, *change);
  return *order;
}

absl::StatusOr<std::vector<OrderEvent>> FakeOrderStore::ListEvents(const std::string& order_id,
                                                                   int limit) {
  std::lock_guard lock(mu_);
  std::vector<OrderEvent> out;
  for (const Event& e : events_) {
    if (e.order_id != order_id || static_cast<int>(out.size()) >= limit) continue;
    out.push_back({e.event_type, e.from_state, e.to_state, e.at, e.detail});
  }
  return out;
}

absl::Status FakeOrderStore::RecordUnmatchedRefund(const RefundReport& report) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = unmatched_refunds_.try_emplace(report.out_refund_no, report, 0);
  RefundReport& kept = it->second.first;
  const bool final = kept.status == RefundStatus::kSuccess || kept.status == RefundStatus::kClosed;
  const bool back =
      kept.status == RefundStatus::kAbnormal && report.status == RefundStatus::kProcessing;
  if (!final && !back) kept.status = report.status;
  if (!report.refund_id.empty()) kept.refund_id = report.refund_id;
  ++it->second.second;
  return absl::OkStatus();
}

std::map<std::string, std::pair<RefundReport, int>> FakeOrderStore::unmatched_refunds() const {
  std::lock_guard lock(mu_);
  return unmatched_refunds_;
}

absl::StatusOr<RefundResult> FakeOrderStore::UpdateRefunds(const std::string& order_id,
                                                           const RefundDecider& decide) {
  std::lock_guard lock(mu_);
  Order* order = Find(order_id);
  if (order == nullptr) return absl::NotFoundError("order not found");
  std::vector<Refund> mine;
  for (const Refund& f : refunds_) {
    if (f.order_id == order_id) mine.push_back(f);
  }
  absl::StatusOr<RefundChange> change = decide(*order, mine);
  if (!change.ok()) return change.status();
  if (change->insert) {
    for (const Refund& f : refunds_) {
      const bool same_key = f.order_id == order_id && !f.idempotency_key.empty() &&
                            f.idempotency_key == change->insert->idempotency_key;
      if (f.out_refund_no == change->insert->out_refund_no || same_key) {
        return absl::AlreadyExistsError("refund number or idempotency key taken");
      }
    }
    InsertRefund(order_id, *change->insert);
  }
  if (change->update) {
    for (Refund& f : refunds_) {
      if (f.order_id != order_id || f.out_refund_no != change->update->out_refund_no) continue;
      f.status = change->update->status;
      if (!change->update->refund_id.empty()) f.refund_id = change->update->refund_id;
      f.updated_at = clock_.Now();
    }
  }
  if (!change->order.event_type.empty()) Write(*order, change->order);
  RefundResult result;
  result.order = *order;
  for (const Refund& f : refunds_) {
    if (f.order_id != order_id) continue;
    result.refunds.push_back(f);
    if (f.out_refund_no == change->subject) result.refund = f;
  }
  return result;
}

absl::StatusOr<std::vector<RefundToSettle>> FakeOrderStore::ListRefundsToSettle(Timestamp before,
                                                                                int limit) {
  std::lock_guard lock(mu_);
  std::vector<RefundToSettle> due;
  for (const Refund& f : refunds_) {
    if (f.status != RefundStatus::kProcessing || f.updated_at > before) continue;
    const Order* o = Find(f.order_id);
    if (o == nullptr) continue;
    due.push_back(RefundToSettle{f, PaymentOutTradeNo(o->out_trade_no, o->payment_attempt),
                                 o->transaction_id, o->total_fen});
  }
  std::stable_sort(due.begin(), due.end(), [](const RefundToSettle& a, const RefundToSettle& b) {
    return std::make_pair(a.refund.updated_at, a.refund.id) <
           std::make_pair(b.refund.updated_at, b.refund.id);
  });
  if (due.size() > static_cast<size_t>(std::max(limit, 0))) due.resize(std::max(limit, 0));
  return due;
}

absl::StatusOr<std::vector<Refund>> FakeOrderStore::ListRefunds(const std::string& order_id) {
  std::lock_guard lock(mu_);
  std::vector<Refund> out;
  for (const Refund& f : refunds_) {
    if (f.order_id == order_id) out.push_back(f);
  }
  return out;
}

absl::StatusOr<std::vector<PaymentResult>> FakeOrderStore::ApplyPayments(
    const std::vector<PaymentNotice>& notices, Timestamp now) {
  std::lock_guard lock(mu_);
  if (!fail_applies_.ok()) {
    absl::Status st = fail_applies_;
    fail_applies_ = absl::OkStatus();
    return st;
  }
  std::vector<PaymentResult> results;
  for (const PaymentNotice& notice : notices) results.push_back(ApplyOne(notice, now));
  return results;
}

PaymentResult FakeOrderStore::ApplyOne(const PaymentNotice& notice, Timestamp now) {
  Order* order = FindByOutTradeNo(notice.report.out_trade_no);
  if (!inbox_.emplace(notice.notification_id, PaymentOutcome::kDuplicate).second) {
    return ResultFor(PaymentOutcome::kDuplicate, order);
  }
  PaymentOutcome& outcome = inbox_[notice.notification_id];
  if (!notice.applicable()) {
    outcome = PaymentOutcome::kIgnored;
    return ResultFor(outcome, order);
  }
  const bool new_payment = payments_
                               .emplace(notice.report.transaction_id,
                                        RecordedPayment{notice, order == nullptr ? "" : order->id})
                               .second;
  if (order == nullptr) {
    outcome = PaymentOutcome::kUnknownOrder;
    return ResultFor(outcome, nullptr);
  }
  if (!new_payment) {
    outcome = PaymentOutcome::kDuplicate;
    return ResultFor(outcome, order);
  }
  const OrderChange change = DecidePayment(*order, notice, now, &outcome);
  if (!change.event_type.empty()) Write(*order, change);
  return ResultFor(outcome, order);
}

absl::StatusOr<std::vector<Order>> FakeOrderStore::ListOrdersToSettle(
    SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) {
  std::lock_guard lock(mu_);
  auto key = [kind](const Order& o) {
    return std::make_pair(kind == SettleKind::kExpired ? o.expires_at : o.updated_at, o.id);
  };
  std::vector<Order> due;
  for (const StoredOrder& s : orders_) {
    const Order& o = s.order;
    const bool open = o.state == OrderState::kCreated || o.state == OrderState::kPaying ||
                      o.state == OrderState::kPayFailed;
    const bool wanted = kind == SettleKind::kExpired
                            ? open && o.expires_at <= before
                            : o.state == OrderState::kPaying && o.updated_at <= before;
    const bool later = !after || key(o) > std::make_pair(after->at, after->id);
    if (wanted && later && !o.flagged) due.push_back(o);
  }
  std::sort(due.begin(), due.end(),
            [&](const Order& a, const Order& b) { return key(a) < key(b); });
  if (due.size() > static_cast<size_t>(std::max(limit, 0))) due.resize(std::max(limit, 0));
  return due;
}

absl::StatusOr<PaymentOutcome> FakeOrderStore::RecordRejectedReport(const RejectedReport& report) {
  std::lock_guard lock(mu_);
  if (!inbox_.emplace(report.notification_id, PaymentOutcome::kRejected).second) {
    return PaymentOutcome::kDuplicate;
  }
  return PaymentOutcome::kRejected;
}

void FakeOrderStore::FailNextApply(absl::Status status) {
  std::lock_guard lock(mu_);
  fail_applies_ = std::move(status);
}

}  // namespace paymesh::order::testing
