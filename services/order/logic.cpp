#include "services/order/logic.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"

namespace paymesh::order {
namespace {

constexpr int kInsertAttempts = 3;
constexpr size_t kMaxCursorLength = 128;

bool IsSkuChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
         c == '_' || c == '-';
}

bool IsWellFormedSku(std::string_view sku) {
  return !sku.empty() && sku.size() <= kMaxSkuLength &&
         std::all_of(sku.begin(), sku.end(), IsSkuChar);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Quoted for an error message: only well-formed skus (bounded, safe characters) get here.
std::string Quoted(std::string_view sku) { return "\"" + std::string(sku) + "\""; }

std::tm UtcFields(Timestamp t) {
  time_t secs = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

Order WithDescription(Order order) {
  order.description = Describe(order.items);
  return order;
}

absl::Status ReplayOrReject(const StoredOrder& stored, const std::string& request_hash) {
  if (stored.request_hash != request_hash) {
    return absl::AlreadyExistsError("Idempotency-Key was used with a different request");
  }
  return absl::OkStatus();
}

}  // namespace

OrderLogic::OrderLogic(OrderStore& store, const time::Clock& clock, RandomAlnum random,
                       std::chrono::seconds order_ttl)
    : store_(store), clock_(clock), random_(std::move(random)), order_ttl_(order_ttl) {
  if (!random_) random_ = [](size_t n) { return crypto::RandomAlnum(n); };
}

absl::StatusOr<std::vector<Product>> OrderLogic::ListProducts() {
  return store_.ListActiveProducts();
}

absl::StatusOr<CreateOrderResult> OrderLogic::CreateOrder(const CreateOrderInput& input) {
  RETURN_IF_ERROR(ValidateUserId(input.user_id));
  RETURN_IF_ERROR(ValidateIdempotencyKey(input.idempotency_key));
  RETURN_IF_ERROR(ValidateItems(input.items));
  const std::string request_hash = RequestHash(input.items);

  // A repeat is answered from the stored order even if the catalogue changed since.
  if (!input.idempotency_key.empty()) {
    ASSIGN_OR_RETURN(std::optional<StoredOrder> existing,
                     store_.FindByIdempotencyKey(input.user_id, input.idempotency_key));
    if (existing.has_value()) {
      RETURN_IF_ERROR(ReplayOrReject(*existing, request_hash));
      return CreateOrderResult{WithDescription(std::move(existing->order)), true};
    }
  }
  ASSIGN_OR_RETURN(CreateOrderResult result, Insert(input, request_hash));
  result.order = WithDescription(std::move(result.order));
  if (!result.replayed) {
    log::Info("order created", {{"order_id", result.order.id},
                                {"out_trade_no", result.order.out_trade_no},
                                {"total_fen", std::to_string(result.order.total_fen)},
                                {"lines", static_cast<int64_t>(input.items.size())}});
  }
  return result;
}

absl::StatusOr<CreateOrderResult> OrderLogic::Insert(const CreateOrderInput& input,
                                                     const std::string& request_hash) {
  std::vector<std::string> skus;
  for (const ItemInput& item : input.items) skus.push_back(item.sku);
  ASSIGN_OR_RETURN(std::vector<Product> catalogue, store_.FindProducts(skus));
  ASSIGN_OR_RETURN(PricedCart cart, Price(input.items, catalogue));

  NewOrder order;
  order.user_id = input.user_id;
  // Whole seconds: WeChat's time_expire has no finer resolution.
  order.expires_at = std::chrono::floor<std::chrono::seconds>(clock_.Now()) + order_ttl_;
  order.total_fen = cart.total_fen;
  order.items = std::move(cart.items);
  if (!input.idempotency_key.empty()) {
    order.idempotency_key = input.idempotency_key;
    order.request_hash = request_hash;
  }
  absl::StatusOr<InsertResult> result;
  for (int attempt = 0; attempt < kInsertAttempts; ++attempt) {
    order.out_trade_no = NewOutTradeNo(clock_.Now(), random_);
    result = store_.InsertOrder(order);
    if (!absl::IsAborted(result.status())) break;
  }
  if (!result.ok()) return result.status();
  if (!result->inserted) {
    // Lost the race to a concurrent request with the same key.
    RETURN_IF_ERROR(ReplayOrReject(result->stored, request_hash));
    return CreateOrderResult{std::move(result->stored.order), true};
  }
  return CreateOrderResult{std::move(result->stored.order), false};
}

absl::StatusOr<Order> OrderLogic::GetOrder(const std::string& user_id,
                                           const std::string& order_id) {
  RETURN_IF_ERROR(ValidateUserId(user_id));
  if (!IsUuid(order_id)) return absl::NotFoundError("order not found");
  return Described(store_.GetOrder(user_id, Lower(order_id)));
}

absl::StatusOr<std::vector<OrderEvent>> OrderLogic::ListOrderEvents(const std::string& user_id,
                                                                    const std::string& order_id) {
  ASSIGN_OR_RETURN(Order order, GetOrder(user_id, order_id));
  return store_.ListEvents(order.id, kMaxOrderEvents);
}

absl::StatusOr<Order> OrderLogic::Described(absl::StatusOr<Order> order) const {
  if (order.ok()) order->description = Describe(order->items);
  return order;
}

absl::StatusOr<OrderPage> OrderLogic::ListOrders(const std::string& user_id,
                                                 const std::string& cursor, int page_size) {
  RETURN_IF_ERROR(ValidateUserId(user_id));
  if (page_size == 0) page_size = kDefaultPageSize;
  if (page_size < 1 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError("page_size must be between 1 and 100");
  }
  std::optional<PageKey> after;
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(after, DecodeCursor(cursor));
  }
  // One extra row tells whether another page exists.
  ASSIGN_OR_RETURN(std::vector<Order> orders, store_.ListOrders(user_id, after, page_size + 1));
  OrderPage page;
  if (orders.size() > static_cast<size_t>(page_size)) {
    orders.resize(page_size);
    page.next_cursor = EncodeCursor({orders.back().created_at, orders.back().id});
  }
  for (Order& order : orders) order.description = Describe(order.items);
  page.orders = std::move(orders);
  return page;
}

absl::Status ValidateUserId(std::string_view user_id) {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id is required");
  if (user_id.size() > kMaxUserIdLength) return absl::InvalidArgumentError("user_id is too long");
  return absl::OkStatus();
}

absl::Status ValidateIdempotencyKey(std::string_view key) {
  bool ok = key.size() <= kMaxIdempotencyKeyLength &&
            std::all_of(key.begin(), key.end(), [](char c) { return IsSkuChar(c) || c == ':'; });
  if (!ok) {
    return absl::InvalidArgumentError("Idempotency-Key must be 1-64 characters of [A-Za-z0-9_.:-]");
  }
  return absl::OkStatus();
}

absl::Status ValidateItems(const std::vector<ItemInput>& items) {
  if (items.empty()) return absl::InvalidArgumentError("the order has no items");
  if (items.size() > kMaxLines) {
    // Worded as the gateway words it (RequiredArray).
    return absl::InvalidArgumentError("field 'items' has too many elements (max " +
                                      std::to_string(kMaxLines) + ")");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]";
    if (!IsWellFormedSku(items[i].sku)) {
      return absl::InvalidArgumentError(where + ".sku must be 1-64 characters of [A-Za-z0-9._-]");
    }
    if (items[i].quantity < 1 || items[i].quantity > kMaxQuantity) {
      // Worded as the gateway words it (services/notify-gateway/json.cpp, RequiredInt).
      return absl::InvalidArgumentError(where + ": field 'quantity' must be an integer in 1.." +
                                        std::to_string(kMaxQuantity));
    }
    if (!seen.insert(items[i].sku).second) {
      return absl::InvalidArgumentError("sku " + Quoted(items[i].sku) + " appears more than once");
    }
  }
  return absl::OkStatus();
}

std::string RequestHash(const std::vector<ItemInput>& items) {
  std::vector<std::pair<std::string_view, int32_t>> lines;
  for (const ItemInput& item : items) lines.emplace_back(item.sku, item.quantity);
  std::sort(lines.begin(), lines.end());
  std::string canonical;
  for (const auto& [sku, quantity] : lines) {
    canonical.append(sku).append("\t").append(std::to_string(quantity)).append("\n");
  }
  return crypto::HexLower(crypto::Sha256(canonical));
}

absl::StatusOr<PricedCart> Price(const std::vector<ItemInput>& items,
                                 const std::vector<Product>& catalogue) {
  std::map<std::string_view, const Product*> by_sku;
  for (const Product& p : catalogue) by_sku[p.sku] = &p;
  PricedCart cart;
  for (const ItemInput& item : items) {
    auto it = by_sku.find(item.sku);
    if (it == by_sku.end()) return absl::InvalidArgumentError("unknown sku " + Quoted(item.sku));
    const Product& product = *it->second;
    if (!product.active) {
      return absl::InvalidArgumentError("sku " + Quoted(item.sku) + " is not for sale");
    }
    OrderItem line{product.sku, product.name, item.quantity, product.price_fen, 0};
    if (product.price_fen <= 0 ||
        __builtin_mul_overflow(product.price_fen, int64_t{item.quantity}, &line.line_total_fen) ||
        __builtin_add_overflow(cart.total_fen, line.line_total_fen, &cart.total_fen)) {
      return absl::InvalidArgumentError("the order total is too large");
    }
    cart.items.push_back(std::move(line));
  }
  if (cart.total_fen < 1) return absl::InvalidArgumentError("the order total must be positive");
  return cart;
}

std::string NewOutTradeNo(Timestamp now, const RandomAlnum& random) {
  std::tm tm = UtcFields(now);
  char stamp[16];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
  return "PM" + std::string(stamp) + random(12);
}

std::string EncodeCursor(const PageKey& key) {
  return crypto::Base64UrlEncode(std::to_string(key.created_at.time_since_epoch().count()) + ":" +
                                 key.id);
}

absl::StatusOr<PageKey> DecodeCursor(std::string_view cursor) {
  const absl::Status bad = absl::InvalidArgumentError("invalid cursor");
  if (cursor.size() > kMaxCursorLength) return bad;
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(cursor);
  if (!raw.ok()) return bad;
  size_t colon = raw->find(':');
  if (colon == std::string::npos || colon == 0) return bad;
  std::string_view micros_text(raw->data(), colon);
  std::string_view id(raw->data() + colon + 1, raw->size() - colon - 1);
  if (!std::all_of(micros_text.begin(), micros_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      !IsUuid(id)) {
    return bad;
  }
  int64_t micros = 0;
  auto [end, ec] =
      std::from_chars(micros_text.data(), micros_text.data() + micros_text.size(), micros);
  if (ec != std::errc() || end != micros_text.data() + micros_text.size()) return bad;
  return PageKey{Timestamp(std::chrono::microseconds(micros)), Lower(std::string(id))};
}

std::string Describe(const std::vector<OrderItem>& items) {
  if (items.empty()) return "";
  std::string suffix = " ×" + std::to_string(items.front().quantity);
  if (items.size() > 1) suffix += " 等" + std::to_string(items.size()) + "件";
  const size_t room =
      kMaxDescriptionBytes > suffix.size() ? kMaxDescriptionBytes - suffix.size() : 0;
  return std::string(TruncateUtf8(items.front().name, room)) + suffix;
}

std::string CanonicalUuid(std::string_view s) { return Lower(std::string(s)); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

}  // namespace paymesh::order
