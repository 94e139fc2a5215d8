#include "bench/common/shop.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"

namespace paymesh::bench {
namespace {

namespace json = boost::json;

constexpr std::chrono::minutes kSetupTimeCap{10};

std::string Describe(const Exchange& ex) {
  std::string out = ex.method + " " + ex.target + " → ";
  if (ex.status == 0) return out + (ex.sent ? ex.error : "not sent (time cap)");
  return out + std::to_string(ex.status) + " " + ex.response_body.substr(0, 300);
}

absl::StatusOr<json::object> ParseAnswer(const Exchange& ex, int expected_status) {
  if (ex.status != expected_status) {
    return absl::InternalError("expected " + std::to_string(expected_status) + ": " + Describe(ex));
  }
  json::error_code ec;
  json::value v = json::parse(ex.response_body, ec);
  if (ec || !v.is_object()) return absl::InternalError("not a JSON object: " + Describe(ex));
  return std::move(v.as_object());
}

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

int64_t IntField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

Exchange Request(std::string method, std::string target, std::string body,
                 const std::string& token = "") {
  Exchange ex;
  ex.method = std::move(method);
  ex.target = std::move(target);
  ex.body = std::move(body);
  if (!ex.body.empty()) ex.headers.emplace_back("Content-Type", "application/json");
  if (!token.empty()) ex.headers.emplace_back("Authorization", "Bearer " + token);
  return ex;
}

RunOptions Runner(const ShopOptions& options, size_t connections) {
  RunOptions run;
  run.host = options.host;
  run.port = options.port;
  run.connections = connections;
  run.time_cap = kSetupTimeCap;
  return run;
}

absl::StatusOr<json::object> Call(const ShopOptions& options, Exchange ex, int expected_status) {
  std::vector<Exchange> one{std::move(ex)};
  Run(Runner(options, 1), one);
  return ParseAnswer(one[0], expected_status);
}

absl::StatusOr<std::string> RegisterAndLogin(const ShopOptions& options) {
  const std::string credentials = json::serialize(json::object{
      {"username", "bench_" + crypto::RandomAlnum(12)}, {"password", crypto::RandomAlnum(24)}});
  RETURN_IF_ERROR(
      Call(options, Request("POST", "/api/v1/auth/register", credentials), 201).status());
  ASSIGN_OR_RETURN(json::object login,
                   Call(options, Request("POST", "/api/v1/auth/login", credentials), 200));
  std::string token = StringField(login, "access_token");
  if (token.empty()) return absl::InternalError("login answered without an access_token");
  return token;
}

// The first failure among `exchanges` (with how many failed), or OK.
absl::Status AllAnswered(const std::vector<Exchange>& exchanges, int expected_status) {
  size_t failed = 0;
  const Exchange* first = nullptr;
  for (const Exchange& ex : exchanges) {
    if (ex.status == expected_status) continue;
    ++failed;
    if (first == nullptr) first = &ex;
  }
  if (first == nullptr) return absl::OkStatus();
  return absl::InternalError(std::to_string(failed) + " of " + std::to_string(exchanges.size()) +
                             " failed; first: " + Describe(*first));
}

}  // namespace

absl::StatusOr<Shop> Shop::Open(const ShopOptions& options) {
  ASSIGN_OR_RETURN(std::string token, RegisterAndLogin(options));
  ASSIGN_OR_RETURN(json::object answer, Call(options, Request("GET", "/api/v1/products", ""), 200));
  std::vector<Product> products;
  if (const json::value* list = answer.if_contains("products"); list && list->is_array()) {
    for (const json::value& p : list->as_array()) {
      if (!p.is_object()) continue;
      Product product{StringField(p.as_object(), "sku"), IntField(p.as_object(), "price_fen")};
      if (!product.sku.empty() && product.price_fen > 0) products.push_back(std::move(product));
    }
  }
  if (products.empty()) return absl::InternalError("the catalogue has no priced products");
  return Shop(options, std::move(token), std::move(products));
}

// Order i: one or two catalogue lines with quantities 1–3, so amounts vary across orders.
std::string Shop::Cart(size_t i) const {
  json::array items;
  const size_t n = products_.size();
  items.push_back(json::object{{"sku", products_[i % n].sku}, {"quantity", 1 + (i / n) % 3}});
  if (i % 2 == 1 && n > 1) {
    items.push_back(json::object{{"sku", products_[(i + 1) % n].sku}, {"quantity", 1 + i % 3}});
  }
  return json::serialize(json::object{{"items", std::move(items)}});
}

absl::StatusOr<std::vector<PlacedOrder>> Shop::PlaceOrders(size_t count, Phase* phase) const {
  phase->exchanges.clear();
  phase->exchanges.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    phase->exchanges.push_back(Request("POST", "/api/v1/orders", Cart(i), token_));
  }
  phase->stats = Run(Runner(options_, options_.connections), phase->exchanges);
  RETURN_IF_ERROR(AllAnswered(phase->exchanges, 201));
  std::vector<PlacedOrder> orders;
  orders.reserve(count);
  for (const Exchange& ex : phase->exchanges) {
    ASSIGN_OR_RETURN(json::object order, ParseAnswer(ex, 201));
    PlacedOrder placed{StringField(order, "id"), StringField(order, "out_trade_no"),
                       IntField(order, "total_fen")};
    if (placed.id.empty() || placed.out_trade_no.empty() || placed.total_fen <= 0) {
      return absl::InternalError("an order without id, out_trade_no or total_fen: " + Describe(ex));
    }
    orders.push_back(std::move(placed));
  }
  return orders;
}

absl::Status Shop::PayNatively(const std::vector<PlacedOrder>& orders, Phase* phase) const {
  phase->exchanges.clear();
  phase->exchanges.reserve(orders.size());
  for (const PlacedOrder& order : orders) {
    phase->exchanges.push_back(
        Request("POST", "/api/v1/orders/" + order.id + "/pay", R"({"channel":"native"})", token_));
  }
  phase->stats = Run(Runner(options_, options_.connections), phase->exchanges);
  RETURN_IF_ERROR(AllAnswered(phase->exchanges, 200));
  for (const Exchange& ex : phase->exchanges) {
    ASSIGN_OR_RETURN(json::object prepay, ParseAnswer(ex, 200));
    if (StringField(prepay, "code_url").empty()) {
      return absl::InternalError("pay answered without a code_url: " + Describe(ex));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlacedOrder>> CreatePayingOrders(const ShopOptions& options,
                                                            size_t count) {
  ASSIGN_OR_RETURN(const Shop shop, Shop::Open(options));
  Phase phase;
  ASSIGN_OR_RETURN(std::vector<PlacedOrder> orders, shop.PlaceOrders(count, &phase));
  RETURN_IF_ERROR(shop.PayNatively(orders, &phase));
  return orders;
}

}  // namespace paymesh::bench
