#include "bench/notify/setup.h"

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

struct Product {
  std::string sku;
  int64_t price_fen = 0;
};

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

RunOptions Runner(const SetupOptions& options, size_t connections) {
  RunOptions run;
  run.host = options.host;
  run.port = options.port;
  run.connections = connections;
  run.time_cap = kSetupTimeCap;
  return run;
}

absl::StatusOr<json::object> Call(const SetupOptions& options, Exchange ex, int expected_status) {
  std::vector<Exchange> one{std::move(ex)};
  Run(Runner(options, 1), one);
  return ParseAnswer(one[0], expected_status);
}

absl::StatusOr<std::string> RegisterAndLogin(const SetupOptions& options) {
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

absl::StatusOr<std::vector<Product>> Catalogue(const SetupOptions& options) {
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
  return products;
}

// Order i: one or two catalogue lines with quantities 1–3, so amounts vary across orders.
std::string Cart(const std::vector<Product>& products, size_t i) {
  json::array items;
  const size_t n = products.size();
  items.push_back(json::object{{"sku", products[i % n].sku}, {"quantity", 1 + (i / n) % 3}});
  if (i % 2 == 1 && n > 1) {
    items.push_back(json::object{{"sku", products[(i + 1) % n].sku}, {"quantity", 1 + i % 3}});
  }
  return json::serialize(json::object{{"items", std::move(items)}});
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

absl::StatusOr<std::vector<PaidOrder>> CreatePayingOrders(const SetupOptions& options) {
  ASSIGN_OR_RETURN(const std::string token, RegisterAndLogin(options));
  ASSIGN_OR_RETURN(const std::vector<Product> products, Catalogue(options));

  std::vector<Exchange> creates;
  creates.reserve(options.count);
  for (size_t i = 0; i < options.count; ++i) {
    creates.push_back(Request("POST", "/api/v1/orders", Cart(products, i), token));
  }
  Run(Runner(options, options.connections), creates);
  RETURN_IF_ERROR(AllAnswered(creates, 201));

  std::vector<PaidOrder> orders;
  std::vector<Exchange> pays;
  orders.reserve(options.count);
  pays.reserve(options.count);
  for (const Exchange& ex : creates) {
    ASSIGN_OR_RETURN(json::object order, ParseAnswer(ex, 201));
    const std::string id = StringField(order, "id");
    PaidOrder paid{StringField(order, "out_trade_no"), IntField(order, "total_fen")};
    if (id.empty() || paid.out_trade_no.empty() || paid.total_fen <= 0) {
      return absl::InternalError("an order without id, out_trade_no or total_fen: " + Describe(ex));
    }
    orders.push_back(std::move(paid));
    pays.push_back(
        Request("POST", "/api/v1/orders/" + id + "/pay", R"({"channel":"native"})", token));
  }
  Run(Runner(options, options.connections), pays);
  RETURN_IF_ERROR(AllAnswered(pays, 200));
  for (const Exchange& ex : pays) {
    ASSIGN_OR_RETURN(json::object prepay, ParseAnswer(ex, 200));
    if (StringField(prepay, "code_url").empty()) {
      return absl::InternalError("pay answered without a code_url: " + Describe(ex));
    }
  }
  return orders;
}

}  // namespace paymesh::bench
