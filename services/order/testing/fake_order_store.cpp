#include "services/order/testing/fake_order_store.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/status/status.h"

namespace paymesh::order::testing {
namespace {

// Ordering used by ListOrders: newest first, then the larger id first.
bool Newer(const PageKey& a, const PageKey& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.id > b.id;
}

}  // namespace

FakeOrderStore::FakeOrderStore(Clock clock) : clock_(std::move(clock)) {}

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
  stored.order = Order{id,
                       order.user_id,
                       order.out_trade_no,
                       OrderState::kCreated,
                       order.total_fen,
                       order.currency,
                       order.items,
                       clock_(),
                       clock_()};
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

}  // namespace paymesh::order::testing
