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

// A suite whose tests act as a fresh, logged-in shopper.
class ShopperTest : public E2eTest {
 protected:
  // Registers and logs in a new shopper and loads the catalogue, asserting each step.
  void SignInNewShopper();

  Account account_;
  Tokens tokens_;
  std::vector<Product> catalogue_;
};

}  // namespace paymesh::e2e
