#pragma once

// Catalogue and order helpers for the end-to-end suites.

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/e2e.h"

namespace paymesh::e2e {

struct Product {
  std::string sku;
  std::string name;
  int64_t price_fen = 0;
};

struct Line {
  Product product;
  int quantity = 0;
};

// GET /api/v1/products (200 asserted).
std::vector<Product> Products(const Api& api);

// {"items":[{"sku":..,"quantity":..},...]}
std::string CartJson(const std::vector<Line>& cart);

// Checks an order in JSON against the cart: every line priced from the catalogue, the total
// their sum, state CREATED, currency CNY, a server-made out_trade_no.
void ExpectOrder(const boost::json::value& order, const std::vector<Line>& cart);

// Percent-encodes everything outside RFC 3986's unreserved set.
std::string UrlEncode(const std::string& s);

}  // namespace paymesh::e2e
