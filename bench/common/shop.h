#pragma once

// A shop's customer, driven through the gateway's public API: a fresh bench user registers and
// logs in, places orders priced by the catalogue, and asks to pay each one natively (which
// registers it with the WeChat simulator and leaves it PAYING). Each phase runs its requests
// over `connections` keep-alive connections and hands back what it measured.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/common/http_runner.h"

namespace paymesh::bench {

struct ShopOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t connections = 8;
};

// An order the server priced.
struct PlacedOrder {
  std::string id;
  std::string out_trade_no;
  int64_t total_fen = 0;
};

// One phase's requests, after they ran.
struct Phase {
  std::vector<Exchange> exchanges;
  RunStats stats;
};

class Shop {
 public:
  // Registers and logs in a fresh user and reads the catalogue.
  static absl::StatusOr<Shop> Open(const ShopOptions& options);

  // `count` orders of one or two catalogue lines (quantities 1–3, so amounts vary). Any request
  // that does not get its expected answer fails the phase (INTERNAL, with the first such answer).
  absl::StatusOr<std::vector<PlacedOrder>> PlaceOrders(size_t count, Phase* phase) const;
  // POST /pay {"channel":"native"} for each order; each must answer a code_url.
  absl::Status PayNatively(const std::vector<PlacedOrder>& orders, Phase* phase) const;

 private:
  struct Product {
    std::string sku;
    int64_t price_fen = 0;
  };
  Shop(ShopOptions options, std::string token, std::vector<Product> products)
      : options_(std::move(options)), token_(std::move(token)), products_(std::move(products)) {}
  std::string Cart(size_t i) const;

  ShopOptions options_;
  std::string token_;
  std::vector<Product> products_;
};

// Open, PlaceOrders and PayNatively in one: `count` PAYING orders.
absl::StatusOr<std::vector<PlacedOrder>> CreatePayingOrders(const ShopOptions& options,
                                                            size_t count);

}  // namespace paymesh::bench
