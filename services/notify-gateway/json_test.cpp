#include "services/notify-gateway/json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/notify-gateway/testing/fake_upstreams.h"

namespace paymesh::gateway {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(ParseObjectTest, AcceptsAnObjectWithKnownFields) {
  absl::StatusOr<JsonObject> o = ParseObject(R"({"a":"x","b":1})", {"a", "b", "c"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->size(), 2u);
}

TEST(ParseObjectTest, RejectsMalformedNonObjectAndUnknown) {
  for (const char* body : {"", "{", "{\"a\":}", "nul", "{\"a\":\"x\"} trailing", "\xff"}) {
    absl::StatusOr<JsonObject> o = ParseObject(body, {"a"});
    ASSERT_FALSE(o.ok()) << body;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(o.status()), "malformed JSON body") << body;
  }
  for (const char* body : {"[]", "\"str\"", "42", "null", "true"}) {
    absl::StatusOr<JsonObject> o = ParseObject(body, {"a"});
    ASSERT_FALSE(o.ok()) << body;
    EXPECT_EQ(Message(o.status()), "request body must be a JSON object") << body;
  }
  absl::StatusOr<JsonObject> o = ParseObject(R"({"a":"x","admin":true})", {"a"});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(Message(o.status()), "unknown field 'admin'");
}

// Boost keeps the last of two equal keys; a body with two "items" arrays must not order the
// second one while another reader would see the first.
TEST(ParseObjectTest, RefusesAFieldNamedTwiceAtAnyDepth) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"items":[1],"items":[2]})", "duplicate field 'items'"},
      {R"({"items":[{"sku":"A","sku":"B"}]})", "duplicate field 'sku'"},
      {R"({"a":{"b":{"c":1,"c":2}}})", "duplicate field 'c'"},
      {R"({"items":1,"\u0069tems":2})", "duplicate field 'items'"},  // equal once unescaped
  };
  for (const auto& [body, message] : cases) {
    absl::StatusOr<JsonObject> o = ParseObject(body, {"items", "a"});
    ASSERT_FALSE(o.ok()) << body;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(o.status()), message) << body;
  }
  // The same key in sibling objects, or a key equal to a value, is fine.
  EXPECT_TRUE(ParseObject(R"({"items":[{"sku":"A"},{"sku":"B"}]})", {"items"}).ok());
  EXPECT_TRUE(ParseObject(R"({"a":"a","items":{"a":1}})", {"items", "a"}).ok());
}

TEST(ParseObjectTest, InvalidUtf8InAStringIsMalformed) {
  EXPECT_FALSE(ParseObject("{\"a\":\"\xc3\x28\"}", {"a"}).ok());
}

TEST(ParseObjectTest, UnprintableUnknownKeyIsNotEchoed) {
  absl::StatusOr<JsonObject> o = ParseObject(R"({"a\nb":1})", {"a"});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(Message(o.status()), "unknown field (unprintable name)");
}

TEST(FieldTest, Strings) {
  JsonObject o = *ParseObject(R"({"s":"abc","n":5,"z":null})", {"s", "n", "z"});
  EXPECT_EQ(*RequiredString(o, "s", 3), "abc");
  EXPECT_EQ(Message(RequiredString(o, "s", 2).status()), "field 's' is too long (max 2 bytes)");
  EXPECT_EQ(Message(RequiredString(o, "n", 10).status()), "field 'n' must be a string");
  EXPECT_EQ(Message(RequiredString(o, "missing", 10).status()), "field 'missing' is required");
  EXPECT_EQ(Message(RequiredString(o, "z", 10).status()), "field 'z' is required");
  EXPECT_EQ(*OptionalString(o, "missing", 10), "");
  EXPECT_EQ(*OptionalString(o, "z", 10), "");
  EXPECT_FALSE(OptionalString(o, "n", 10).ok());
}

TEST(FieldTest, StringsAreDataNotSyntax) {
  const std::string tricky = "x'; DROP TABLE users; --\\\"<script>";
  boost::json::object in;
  in["s"] = tricky;
  JsonObject o = *ParseObject(boost::json::serialize(in), {"s"});
  EXPECT_EQ(*RequiredString(o, "s", 100), tricky);
}

TEST(FieldTest, Integers) {
  JsonObject o =
      *ParseObject(R"({"i":3,"neg":-1,"f":1.5,"whole":2.0,"s":"3","big":18446744073709551615})",
                   {"i", "neg", "f", "whole", "s", "big"});
  EXPECT_EQ(*RequiredInt(o, "i", 1, 10), 3);
  EXPECT_EQ(Message(RequiredInt(o, "neg", 1, 10).status()),
            "field 'neg' must be an integer in 1..10");
  EXPECT_FALSE(RequiredInt(o, "f", 1, 10).ok());
  EXPECT_FALSE(RequiredInt(o, "whole", 1, 10).ok());
  EXPECT_FALSE(RequiredInt(o, "s", 1, 10).ok());
  EXPECT_FALSE(RequiredInt(o, "big", 1, 10).ok());
  EXPECT_EQ(Message(RequiredInt(o, "missing", 1, 10).status()), "field 'missing' is required");
}

TEST(FieldTest, Arrays) {
  JsonObject o = *ParseObject(R"({"a":[1,2,3],"o":{}})", {"a", "o"});
  EXPECT_EQ((*RequiredArray(o, "a", 3))->size(), 3u);
  EXPECT_EQ(Message(RequiredArray(o, "a", 2).status()), "field 'a' has too many elements (max 2)");
  EXPECT_EQ(Message(RequiredArray(o, "o", 2).status()), "field 'o' must be an array");
  EXPECT_FALSE(RequiredArray(o, "missing", 2).ok());
}

TEST(ShapeTest, UserMasksAndNullsMobile) {
  auth::v1::User user;
  user.set_id("u1");
  user.set_username("alice");
  *user.mutable_created_at() = testing::ProtoTime("2026-01-01T00:00:00Z");
  auto v = boost::json::parse(UserJson(user)).as_object();
  EXPECT_EQ(v.at("id").as_string(), "u1");
  EXPECT_EQ(v.at("username").as_string(), "alice");
  EXPECT_TRUE(v.at("mobile").is_null());
  EXPECT_EQ(v.at("created_at").as_string(), "2026-01-01T00:00:00Z");
  user.set_mobile_masked("138****8000");
  v = boost::json::parse(UserJson(user)).as_object();
  EXPECT_EQ(v.at("mobile").as_string(), "138****8000");
  EXPECT_EQ(v.size(), 4u);
}

TEST(ShapeTest, TokenPair) {
  auth::v1::TokenPair pair;
  pair.set_access_token("at");
  pair.set_access_expires_in(900);
  pair.set_refresh_token("rt");
  pair.set_refresh_expires_in(1209600);
  pair.set_user_id("u1");
  const auto v = boost::json::parse(TokenJson(pair)).as_object();
  EXPECT_EQ(v.at("access_token").as_string(), "at");
  EXPECT_EQ(v.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(v.at("expires_in").as_int64(), 900);
  EXPECT_EQ(v.at("refresh_token").as_string(), "rt");
  EXPECT_EQ(v.at("refresh_expires_in").as_int64(), 1209600);
  EXPECT_EQ(v.size(), 5u);
}

TEST(ShapeTest, OrderAndPages) {
  order::v1::Order order;
  order.set_id("o1");
  order.set_user_id("secret-owner");
  order.set_out_trade_no("T1");
  order.set_state(order::v1::ORDER_STATE_CREATED);
  order.set_total_fen(2598);
  order.set_currency("CNY");
  auto* item = order.add_items();
  item->set_sku("SKU-1");
  item->set_name("Tea");
  item->set_quantity(2);
  item->set_unit_price_fen(1299);
  item->set_line_total_fen(2598);
  *order.mutable_created_at() = testing::ProtoTime("2026-11-21T10:00:00.123456Z");
  *order.mutable_updated_at() = testing::ProtoTime("2026-11-21T10:00:01Z");
  const auto v = boost::json::parse(OrderJson(order)).as_object();
  EXPECT_EQ(v.at("id").as_string(), "o1");
  EXPECT_EQ(v.at("out_trade_no").as_string(), "T1");
  EXPECT_EQ(v.at("state").as_string(), "CREATED");
  EXPECT_EQ(v.at("total_fen").as_int64(), 2598);
  EXPECT_EQ(v.at("currency").as_string(), "CNY");
  EXPECT_EQ(v.at("created_at").as_string(), "2026-11-21T10:00:00.123Z");
  EXPECT_EQ(v.at("updated_at").as_string(), "2026-11-21T10:00:01.000Z");
  EXPECT_TRUE(v.at("paid_at").is_null());
  EXPECT_FALSE(v.contains("user_id"));
  const auto& i = v.at("items").as_array().at(0).as_object();
  EXPECT_EQ(i.at("sku").as_string(), "SKU-1");
  EXPECT_EQ(i.at("name").as_string(), "Tea");
  EXPECT_EQ(i.at("quantity").as_int64(), 2);
  EXPECT_EQ(i.at("unit_price_fen").as_int64(), 1299);
  EXPECT_EQ(i.at("line_total_fen").as_int64(), 2598);

  order::v1::ListOrdersResponse page;
  *page.add_orders() = order;
  auto p = boost::json::parse(OrdersJson(page)).as_object();
  EXPECT_EQ(p.at("orders").as_array().size(), 1u);
  EXPECT_TRUE(p.at("next_cursor").is_null());
  page.set_next_cursor("c2");
  p = boost::json::parse(OrdersJson(page)).as_object();
  EXPECT_EQ(p.at("next_cursor").as_string(), "c2");
}

TEST(ShapeTest, Products) {
  order::v1::ListProductsResponse products;
  auto* p = products.add_products();
  p->set_sku("S");
  p->set_name("N");
  p->set_price_fen(100);
  p->set_currency("CNY");
  const auto v = boost::json::parse(ProductsJson(products)).as_object();
  const auto& first = v.at("products").as_array().at(0).as_object();
  EXPECT_EQ(first.at("sku").as_string(), "S");
  EXPECT_EQ(first.at("name").as_string(), "N");
  EXPECT_EQ(first.at("price_fen").as_int64(), 100);
  EXPECT_EQ(first.at("currency").as_string(), "CNY");
}

}  // namespace
}  // namespace paymesh::gateway
