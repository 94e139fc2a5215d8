#pragma once

// Persistence of the catalogue and of orders. PgOrderStore is the real one; FakeOrderStore
// (testing/) backs the unit tests. Implementations are blocking and thread-safe: call them from
// worker threads only.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/order/types.h"

namespace paymesh::order {

// A priced order ready to be written.
struct NewOrder {
  std::string user_id;
  std::string out_trade_no;
  int64_t total_fen = 0;
  std::string currency = kCurrencyCny;
  std::vector<OrderItem> items;
  std::string idempotency_key;  // "" = none
  std::string request_hash;     // set with idempotency_key
};

// An order with the request hash it was created under ("" without an idempotency key).
struct StoredOrder {
  Order order;
  std::string request_hash;
};

struct InsertResult {
  StoredOrder stored;
  bool inserted = false;  // false: the idempotency key existed and `stored` is that order
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;

  // Active products, by sku.
  virtual absl::StatusOr<std::vector<Product>> ListActiveProducts() = 0;
  // The products (active or not) among `skus`; unknown skus are simply absent.
  virtual absl::StatusOr<std::vector<Product>> FindProducts(
      const std::vector<std::string>& skus) = 0;

  // Writes the order, its items and a 'created' event in one transaction. When the user already
  // has an order under the same idempotency key, writes nothing and returns that order with
  // inserted=false (concurrent callers all see the single winner). ABORTED when the
  // out_trade_no is taken: the caller retries with a new one.
  virtual absl::StatusOr<InsertResult> InsertOrder(const NewOrder& order) = 0;

  virtual absl::StatusOr<std::optional<StoredOrder>> FindByIdempotencyKey(
      const std::string& user_id, const std::string& idempotency_key) = 0;

  // NOT_FOUND unless the order exists and belongs to the user. `order_id` must already be a
  // syntactically valid uuid.
  virtual absl::StatusOr<Order> GetOrder(const std::string& user_id,
                                         const std::string& order_id) = 0;

  // Up to `limit` of the user's orders, newest first by (created_at, id), strictly after
  // `after` when given.
  virtual absl::StatusOr<std::vector<Order>> ListOrders(const std::string& user_id,
                                                        const std::optional<PageKey>& after,
                                                        int limit) = 0;
};

}  // namespace paymesh::order
