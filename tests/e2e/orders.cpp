#include "tests/e2e/orders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "absl/strings/str_format.h"

namespace paymesh::e2e {

namespace json = boost::json;

std::vector<Product> Products(const Api& api) {
  HttpResponse r = api.Get("/api/v1/products");
  EXPECT_EQ(r.status, 200) << r;
  std::vector<Product> products;
  if (r.status != 200) return products;
  const json::value v = Json(r);
  const json::value* list = v.is_object() ? v.as_object().if_contains("products") : nullptr;
  if (list == nullptr || !list->is_array()) {
    ADD_FAILURE() << "no products array: " << r;
    return products;
  }
  for (const auto& p : list->as_array()) {
    const json::value* price = p.is_object() ? p.as_object().if_contains("price_fen") : nullptr;
    if (price == nullptr || !price->is_int64()) {
      ADD_FAILURE() << "a product without an integer price_fen: " << r;
      continue;
    }
    products.push_back({Str(p, {"sku"}), Str(p, {"name"}), price->as_int64()});
  }
  return products;
}

std::string CartJson(const std::vector<Line>& cart) {
  json::array items;
  for (const Line& line : cart) {
    items.push_back(json::object{{"sku", line.product.sku}, {"quantity", line.quantity}});
  }
  return json::serialize(json::object{{"items", std::move(items)}});
}

void ExpectOrder(const json::value& order, const std::vector<Line>& cart) {
  ASSERT_TRUE(order.is_object()) << order;
  const json::object& o = order.as_object();
  EXPECT_FALSE(Str(order, {"id"}).empty()) << order;
  EXPECT_TRUE(std::regex_match(Str(order, {"out_trade_no"}), std::regex("[0-9A-Za-z_-]{1,32}")))
      << order;
  EXPECT_EQ(Str(order, {"state"}), "CREATED") << order;
  EXPECT_EQ(Str(order, {"currency"}), "CNY") << order;
  EXPECT_FALSE(Str(order, {"created_at"}).empty()) << order;
  EXPECT_FALSE(Str(order, {"updated_at"}).empty()) << order;

  ASSERT_TRUE(o.contains("items") && o.at("items").is_array()) << order;
  const json::array& items = o.at("items").as_array();
  ASSERT_EQ(items.size(), cart.size()) << order;
  int64_t total = 0;
  for (const Line& line : cart) {
    // Lines are matched by sku: the API does not promise to keep the cart's order.
    auto it = std::find_if(items.begin(), items.end(), [&](const json::value& item) {
      return Str(item, {"sku"}) == line.product.sku;
    });
    ASSERT_NE(it, items.end()) << "no line for " << line.product.sku << " in " << order;
    const json::value& item = *it;
    EXPECT_EQ(Str(item, {"name"}), line.product.name) << order;
    ASSERT_TRUE(item.at("quantity").is_int64() && item.at("unit_price_fen").is_int64() &&
                item.at("line_total_fen").is_int64())
        << order;
    EXPECT_EQ(item.at("quantity").as_int64(), line.quantity) << order;
    EXPECT_EQ(item.at("unit_price_fen").as_int64(), line.product.price_fen) << order;
    EXPECT_EQ(item.at("line_total_fen").as_int64(), line.product.price_fen * line.quantity)
        << order;
    total += line.product.price_fen * line.quantity;
  }
  ASSERT_TRUE(o.contains("total_fen") && o.at("total_fen").is_int64()) << order;
  EXPECT_EQ(o.at("total_fen").as_int64(), total) << order;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

void ShopperTest::SignInNewShopper() {
  account_ = RegisterUser(api());
  tokens_ = Login(api(), account_);
  ASSERT_FALSE(tokens_.access.empty());
  catalogue_ = Products(api());
  ASSERT_FALSE(catalogue_.empty());
}

}  // namespace paymesh::e2e
