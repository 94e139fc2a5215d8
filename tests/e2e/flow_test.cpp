// The happy path through the gateway, and what logout and refresh rotation do to tokens.

#include <set>

#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class FlowTest : public E2eTest {};

TEST_F(FlowTest, RegisterLoginBrowseOrderListLogout) {
  const std::string username = NewUsername();
  const std::string password = "correct horse battery";
  const std::string mobile = NewMobile();

  HttpResponse r =
      api().Post("/api/v1/auth/register",
                 json::serialize(json::object{{"username", username},
                                              {"password", password},
                                              {"mobile", mobile},
                                              {"sms_code", SmsCode(stack(), mobile)}}));
  ASSERT_EQ(r.status, 201) << r;
  json::value v = Json(r);
  const std::string user_id = Str(v, {"user", "id"});
  EXPECT_FALSE(user_id.empty()) << r;
  EXPECT_EQ(Str(v, {"user", "username"}), username) << r;
  EXPECT_EQ(Str(v, {"user", "mobile"}), mobile.substr(0, 3) + "****" + mobile.substr(7)) << r;
  EXPECT_FALSE(Str(v, {"user", "created_at"}).empty()) << r;
  EXPECT_EQ(r.body.find(password), std::string::npos) << r;

  r = api().Post("/api/v1/auth/login",
                 json::serialize(json::object{{"username", username}, {"password", password}}));
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  const std::string access = Str(v, {"access_token"});
  const std::string refresh = Str(v, {"refresh_token"});
  ASSERT_FALSE(access.empty()) << r;
  ASSERT_FALSE(refresh.empty()) << r;
  EXPECT_EQ(Str(v, {"token_type"}), "Bearer") << r;
  ASSERT_TRUE(v.as_object().contains("expires_in") && v.at("expires_in").is_int64()) << r;
  EXPECT_EQ(v.at("expires_in").as_int64(), 900) << r;
  ASSERT_TRUE(v.as_object().contains("refresh_expires_in")) << r;
  EXPECT_EQ(v.at("refresh_expires_in").as_int64(), 1209600) << r;

  r = api().Get("/api/v1/me", access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  EXPECT_EQ(Str(v, {"id"}), user_id) << r;
  EXPECT_EQ(Str(v, {"username"}), username) << r;
  EXPECT_EQ(Str(v, {"mobile"}), mobile.substr(0, 3) + "****" + mobile.substr(7)) << r;
  EXPECT_FALSE(Str(v, {"created_at"}).empty()) << r;

  const std::vector<Product> catalogue = Products(api());
  ASSERT_GE(catalogue.size(), 2u);
  const std::vector<Line> cart = {{catalogue[0], 2}, {catalogue[1], 3}};

  // The total comes from the catalogue only.
  r = api().Post("/api/v1/orders", CartJson(cart), access,
                 {{"Idempotency-Key", "flow-" + username}});
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_NE(r.Header("Idempotent-Replayed"), "true") << r;
  const json::value first = Json(r);
  ExpectOrder(first, cart);
  const std::string first_id = Str(first, {"id"});

  r = api().Get("/api/v1/orders/" + first_id, access);
  ASSERT_EQ(r.status, 200) << r;
  const json::value fetched = Json(r);
  ExpectOrder(fetched, cart);
  EXPECT_EQ(Str(fetched, {"id"}), first_id);
  EXPECT_EQ(Str(fetched, {"out_trade_no"}), Str(first, {"out_trade_no"}));

  const std::vector<Line> second_cart = {{catalogue[1], 1}};
  r = api().Post("/api/v1/orders", CartJson(second_cart), access);
  ASSERT_EQ(r.status, 201) << r;
  const json::value second = Json(r);
  ExpectOrder(second, second_cart);
  const std::string second_id = Str(second, {"id"});
  EXPECT_NE(second_id, first_id);
  EXPECT_NE(Str(second, {"out_trade_no"}), Str(first, {"out_trade_no"}));

  // Newest first, one per page, the cursor leading to the older one and then to the end.
  r = api().Get("/api/v1/orders?limit=1", access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  ASSERT_EQ(v.at("orders").as_array().size(), 1u) << r;
  EXPECT_EQ(Str(v.at("orders").at(0), {"id"}), second_id) << r;
  const std::string cursor = Str(v, {"next_cursor"});
  ASSERT_FALSE(cursor.empty()) << r;

  r = api().Get("/api/v1/orders?limit=1&cursor=" + UrlEncode(cursor), access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  ASSERT_EQ(v.at("orders").as_array().size(), 1u) << r;
  EXPECT_EQ(Str(v.at("orders").at(0), {"id"}), first_id) << r;
  ExpectOrder(v.at("orders").at(0), cart);
  const std::string last_cursor = Str(v, {"next_cursor"});
  if (!last_cursor.empty()) {
    // A cursor may be handed out at an exact page boundary; the page after it is empty.
    r = api().Get("/api/v1/orders?limit=1&cursor=" + UrlEncode(last_cursor), access);
    ASSERT_EQ(r.status, 200) << r;
    v = Json(r);
    EXPECT_TRUE(v.at("orders").as_array().empty()) << r;
    EXPECT_TRUE(Str(v, {"next_cursor"}).empty()) << r;
  }

  r = api().Get("/api/v1/orders", access);
  ASSERT_EQ(r.status, 200) << r;
  v = Json(r);
  ASSERT_EQ(v.at("orders").as_array().size(), 2u) << r;
  EXPECT_TRUE(v.at("next_cursor").is_null() || Str(v, {"next_cursor"}).empty()) << r;

  r = api().Post("/api/v1/auth/logout", "", access);
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_TRUE(r.body.empty()) << r;

  // The session is gone at once: the still unexpired token and the refresh token are refused.
  EXPECT_TRUE(IsError(api().Get("/api/v1/me", access), 401, "UNAUTHENTICATED"));
  EXPECT_TRUE(IsError(api().Get("/api/v1/orders", access), 401, "UNAUTHENTICATED"));
  EXPECT_TRUE(IsError(api().Get("/api/v1/orders/" + first_id, access), 401, "UNAUTHENTICATED"));
  EXPECT_TRUE(
      IsError(api().Post("/api/v1/orders", CartJson(cart), access), 401, "UNAUTHENTICATED"));
  EXPECT_TRUE(IsError(
      api().Post("/api/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh}})),
      401, "UNAUTHENTICATED"));

  // Logging in again opens a new session; the orders are still there.
  const Tokens again = Login(api(), {username, password, user_id});
  r = api().Get("/api/v1/orders", again.access);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Json(r).at("orders").as_array().size(), 2u) << r;
}

TEST_F(FlowTest, RefreshRotatesAndAReusedRefreshTokenFails) {
  const Account account = RegisterUser(api());
  const Tokens tokens = Login(api(), account);
  ASSERT_FALSE(tokens.refresh.empty());

  auto refresh = [&](const std::string& token) {
    return api().Post("/api/v1/auth/refresh",
                      json::serialize(json::object{{"refresh_token", token}}));
  };
  HttpResponse r = refresh(tokens.refresh);
  ASSERT_EQ(r.status, 200) << r;
  json::value v = Json(r);
  const std::string access2 = Str(v, {"access_token"});
  const std::string refresh2 = Str(v, {"refresh_token"});
  EXPECT_EQ(Str(v, {"token_type"}), "Bearer") << r;
  ASSERT_FALSE(access2.empty()) << r;
  ASSERT_FALSE(refresh2.empty()) << r;
  EXPECT_NE(refresh2, tokens.refresh);

  r = api().Get("/api/v1/me", access2);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Str(Json(r), {"id"}), account.user_id) << r;

  // The new refresh token works once.
  r = refresh(refresh2);
  ASSERT_EQ(r.status, 200) << r;
  const std::string refresh3 = Str(Json(r), {"refresh_token"});
  ASSERT_FALSE(refresh3.empty()) << r;
  EXPECT_TRUE(IsError(refresh(refresh2), 401, "UNAUTHENTICATED"));
  // The first one was used already: presenting it is refused too.
  EXPECT_TRUE(IsError(refresh(tokens.refresh), 401, "UNAUTHENTICATED"));
  EXPECT_TRUE(IsError(refresh("not-a-refresh-token"), 401, "UNAUTHENTICATED"));
}

TEST_F(FlowTest, ProductsArePublicAndPricedInFen) {
  HttpResponse r = api().Get("/api/v1/products");
  ASSERT_EQ(r.status, 200) << r;
  const json::value v = Json(r);
  ASSERT_TRUE(v.is_object() && v.as_object().contains("products")) << r;
  const auto& products = v.at("products").as_array();
  ASSERT_FALSE(products.empty()) << r;
  std::set<std::string> skus;
  for (const auto& p : products) {
    EXPECT_FALSE(Str(p, {"sku"}).empty()) << r;
    EXPECT_FALSE(Str(p, {"name"}).empty()) << r;
    EXPECT_EQ(Str(p, {"currency"}), "CNY") << r;
    ASSERT_TRUE(p.at("price_fen").is_int64()) << r;
    EXPECT_GT(p.at("price_fen").as_int64(), 0) << r;
    EXPECT_TRUE(skus.insert(Str(p, {"sku"})).second) << "duplicate sku in " << r;
  }
  EXPECT_FALSE(r.Header("X-Request-Id").empty()) << r;
}

TEST_F(FlowTest, ClientAmountsAreRejectedAndChangeNothing) {
  const Account account = RegisterUser(api());
  const Tokens tokens = Login(api(), account);
  const std::vector<Product> catalogue = Products(api());
  ASSERT_FALSE(catalogue.empty());
  const std::string& sku = catalogue[0].sku;

  const std::string bodies[] = {
      json::serialize(json::object{
          {"items", json::array{json::object{{"sku", sku}, {"quantity", 1}}}}, {"total_fen", 1}}),
      json::serialize(json::object{
          {"items", json::array{json::object{{"sku", sku}, {"quantity", 1}, {"price_fen", 1}}}}}),
      json::serialize(json::object{
          {"items",
           json::array{json::object{{"sku", sku}, {"quantity", 1}, {"unit_price_fen", 1}}}}}),
      json::serialize(json::object{
          {"items", json::array{json::object{{"sku", sku}, {"quantity", 1}}}}, {"amount", 1}}),
  };
  for (const std::string& body : bodies) {
    EXPECT_TRUE(IsError(api().Post("/api/v1/orders", body, tokens.access), 400, "INVALID_ARGUMENT"))
        << body;
  }
  HttpResponse r = api().Get("/api/v1/orders", tokens.access);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_TRUE(Json(r).at("orders").as_array().empty()) << r;
}

TEST_F(FlowTest, AnotherUsersOrderIsNotFound) {
  const Account alice = RegisterUser(api());
  const Account bob = RegisterUser(api());
  const Tokens alice_tokens = Login(api(), alice);
  const Tokens bob_tokens = Login(api(), bob);
  const std::vector<Product> catalogue = Products(api());
  ASSERT_FALSE(catalogue.empty());

  HttpResponse r = api().Post("/api/v1/orders", CartJson({{catalogue[0], 1}}), alice_tokens.access);
  ASSERT_EQ(r.status, 201) << r;
  const std::string id = Str(Json(r), {"id"});

  EXPECT_TRUE(IsError(api().Get("/api/v1/orders/" + id, bob_tokens.access), 404, "NOT_FOUND"));
  r = api().Get("/api/v1/orders", bob_tokens.access);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_TRUE(Json(r).at("orders").as_array().empty()) << r;
  // An unknown but well-formed id answers the same as another user's.
  EXPECT_TRUE(
      IsError(api().Get("/api/v1/orders/00000000-0000-4000-8000-000000000000", alice_tokens.access),
              404, "NOT_FOUND"));
  r = api().Get("/api/v1/orders/" + id, alice_tokens.access);
  EXPECT_EQ(r.status, 200) << r;

  // Its timeline too: the owner's only.
  EXPECT_TRUE(
      IsError(api().Get("/api/v1/orders/" + id + "/events", bob_tokens.access), 404, "NOT_FOUND"));
  r = api().Get("/api/v1/orders/" + id + "/events", alice_tokens.access);
  ASSERT_EQ(r.status, 200) << r;
  const boost::json::array events = Json(r).at("events").as_array();
  ASSERT_EQ(events.size(), 1u) << r;
  EXPECT_EQ(Str(events[0], {"type"}), "created");
  EXPECT_TRUE(events[0].at("from_state").is_null());
  EXPECT_EQ(Str(events[0], {"to_state"}), "CREATED");
}

}  // namespace
}  // namespace paymesh::e2e
