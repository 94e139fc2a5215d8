#pragma once

// The order service's business rules: cart validation, pricing from the catalogue, idempotent
// creation, ownership checks and cursor paging. No proto, gRPC or database types here.
//
// OrderLogic is thread-safe as long as its store is; every call blocks on the store, so run it
// on a worker thread.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/order/store.h"
#include "services/order/types.h"

namespace paymesh::order {

inline constexpr size_t kMaxLines = 50;
inline constexpr int32_t kMaxQuantity = 99;
inline constexpr size_t kMaxSkuLength = 64;
inline constexpr size_t kMaxIdempotencyKeyLength = 64;
inline constexpr size_t kMaxUserIdLength = 128;
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

using Clock = std::function<Timestamp()>;
// n characters of [0-9A-Za-z].
using RandomAlnum = std::function<std::string(size_t n)>;

struct CreateOrderInput {
  std::string user_id;
  std::vector<ItemInput> items;
  std::string idempotency_key;  // "" = none
};

struct CreateOrderResult {
  Order order;
  bool replayed = false;
};

struct OrderPage {
  std::vector<Order> orders;
  std::string next_cursor;  // "" on the last page
};

class OrderLogic {
 public:
  // `random` defaults to the CSPRNG.
  OrderLogic(OrderStore& store, Clock clock, RandomAlnum random = {});

  absl::StatusOr<std::vector<Product>> ListProducts();

  // INVALID_ARGUMENT for a bad user id, key or cart (naming the offending line or sku);
  // ALREADY_EXISTS when the key was used with a different cart. A repeat of an earlier request
  // returns its order with replayed=true.
  absl::StatusOr<CreateOrderResult> CreateOrder(const CreateOrderInput& input);

  // NOT_FOUND for a malformed id, an unknown id or another user's order alike.
  absl::StatusOr<Order> GetOrder(const std::string& user_id, const std::string& order_id);

  // page_size 0 means the default; INVALID_ARGUMENT outside 1..100 or for a bad cursor.
  absl::StatusOr<OrderPage> ListOrders(const std::string& user_id, const std::string& cursor,
                                       int page_size);

 private:
  absl::StatusOr<CreateOrderResult> Insert(const CreateOrderInput& input,
                                           const std::string& request_hash);

  OrderStore& store_;
  Clock clock_;
  RandomAlnum random_;
};

// ---- pure helpers, exposed for tests ---------------------------------------------------------

absl::Status ValidateUserId(std::string_view user_id);
absl::Status ValidateIdempotencyKey(std::string_view key);  // "" is valid (no key)
// 1..50 lines, quantity 1..99, well-formed and distinct skus.
absl::Status ValidateItems(const std::vector<ItemInput>& items);

// SHA-256 hex of the cart in canonical form: lines sorted by sku, each "sku\tquantity\n".
std::string RequestHash(const std::vector<ItemInput>& items);

struct PricedCart {
  std::vector<OrderItem> items;  // in request order
  int64_t total_fen = 0;
};
// Prices validated items from the catalogue alone. INVALID_ARGUMENT for an unknown or inactive
// sku, or a total that does not fit in int64.
absl::StatusOr<PricedCart> Price(const std::vector<ItemInput>& items,
                                 const std::vector<Product>& catalogue);

// "PM" + UTC yyyyMMddHHmmss + 12 random alphanumerics: 28 characters.
std::string NewOutTradeNo(Timestamp now, const RandomAlnum& random);

// Opaque cursor: base64url of "<created_at unix micros>:<uuid>".
std::string EncodeCursor(const PageKey& key);
absl::StatusOr<PageKey> DecodeCursor(std::string_view cursor);

// Canonical 8-4-4-4-12 hex uuid (either case).
bool IsUuid(std::string_view s);

// RFC 3339 in UTC with milliseconds: "2026-11-21T10:00:00.123Z".
std::string FormatRfc3339(Timestamp t);

}  // namespace paymesh::order
