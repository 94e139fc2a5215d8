// The gateway's routes and handlers against FakeUpstreams: what reaches the backends, and what
// the client gets back.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "services/notify-gateway/handlers/orders.h"
#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::Body;
using testing::ErrorCode;
using testing::ErrorMessage;
using testing::HeaderOf;
using testing::Headers;
using testing::kAliceId;
using testing::kToken;
using HealthResponse = ::grpc::health::v1::HealthCheckResponse;

order::v1::Order SampleOrder() {
  order::v1::Order order;
  order.set_id("ord-1");
  order.set_user_id(kAliceId);
  order.set_out_trade_no("PM1");
  order.set_state(order::v1::ORDER_STATE_CREATED);
  order.set_total_fen(1299);
  order.set_currency("CNY");
  auto* item = order.add_items();
  item->set_sku("TEA-1");
  item->set_name("Tea");
  item->set_quantity(1);
  item->set_unit_price_fen(1299);
  item->set_line_total_fen(1299);
  return order;
}

class GatewayTest : public testing::GatewayHarness {};

// ---- infrastructure routes --------------------------------------------------------------------

TEST_F(GatewayTest, Healthz) {
  http::Response res = Call("GET", "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("status").as_string(), "ok");
}

TEST_F(GatewayTest, ReadyzWhenEveryUpstreamServes) {
  http::Response res = Call("GET", "/readyz");
  EXPECT_EQ(res.status, 200);
  const auto body = Body(res);
  EXPECT_EQ(body.at("status").as_string(), "ready");
  EXPECT_EQ(body.at("upstreams").at("auth").as_string(), "SERVING");
  EXPECT_EQ(body.at("upstreams").at("order").as_string(), "SERVING");
  EXPECT_EQ(body.at("upstreams").at("payment").as_string(), "SERVING");
  EXPECT_EQ(fake_.request_ids, std::vector<std::string>(3, "rid-test"));
}

TEST_F(GatewayTest, ReadyzIs503WhenAnUpstreamIsDownOrNotServing) {
  fake_.health[Backend::kOrder] = absl::UnavailableError("connection refused");
  HealthResponse draining;
  draining.set_status(HealthResponse::NOT_SERVING);
  fake_.health[Backend::kPayment] = draining;
  http::Response res = Call("GET", "/readyz");
  EXPECT_EQ(res.status, 503);
  const auto body = Body(res);
  EXPECT_EQ(body.at("status").as_string(), "not_ready");
  EXPECT_EQ(body.at("upstreams").at("auth").as_string(), "SERVING");
  EXPECT_EQ(body.at("upstreams").at("order").as_string(), "UNAVAILABLE");
  EXPECT_EQ(body.at("upstreams").at("payment").as_string(), "NOT_SERVING");
}

TEST_F(GatewayTest, ANotifyOnlyGatewayIsReadyWithoutAuth) {
  Build(RouteSet::kNotify, false);
  fake_.health[Backend::kAuth] = absl::UnavailableError("connection refused");
  http::Response res = Call("GET", "/readyz");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(Body(res).at("upstreams").as_object().contains("auth"));
  Build(RouteSet::kAll, false);
  EXPECT_EQ(Call("GET", "/readyz").status, 503) << "the API needs auth";
  // The same on the operations port.
  RouterOptions notify;
  notify.routes = RouteSet::kNotify;
  router_ = BuildInfraRouter(notify, fake_);
  EXPECT_EQ(Call("GET", "/readyz").status, 200) << "the operations port of a notify gateway";
  router_ = BuildInfraRouter(RouterOptions{}, fake_);
  EXPECT_EQ(Call("GET", "/readyz").status, 503);
}

TEST_F(GatewayTest, MetricsExposeRequestCounters) {
  Call("GET", "/healthz");
  http::Response res = Call("GET", "/metrics");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(res.body.find("gateway_http_requests_total"), std::string::npos);
  EXPECT_NE(res.body.find("route=\"/healthz\""), std::string::npos) << res.body;
}

// GATEWAY_METRICS_LISTEN_ADDR: health and metrics move to the operations port's router, off the
// public one.
TEST_F(GatewayTest, TheOperationsPortServesHealthAndMetricsOnly) {
  RouterOptions options;
  options.infra_routes = false;
  Build(options);
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(Call("GET", path).status, 404) << path << " still public";
  }
  EXPECT_EQ(Call("GET", "/api/v1/products").status, 200);
  router_ = BuildInfraRouter(options, fake_);
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(Call("GET", path).status, 200) << path;
  }
  EXPECT_EQ(Call("GET", "/api/v1/products").status, 404);
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", "{}").status, 404);
}

TEST_F(GatewayTest, NotifyModeServesInfrastructureAndNotificationsOnly) {
  Build(RouteSet::kNotify, false);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  EXPECT_EQ(Call("GET", "/metrics").status, 200);
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", "{}").status, 204);
  EXPECT_EQ(Call("POST", "/wechat/notify/refund", "{}").status, 204);
  EXPECT_EQ(fake_.notification_calls.size(), 2u);
  EXPECT_EQ(Call("GET", "/api/v1/products").status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})").status, 404);
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})").status, 404);
  EXPECT_EQ(Authed("GET", "/api/v1/orders/ord-1/qrcode.svg").status, 404);
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/sync").status, 404);
  EXPECT_EQ(Call("GET", "/").status, 404);
  EXPECT_EQ(Call("GET", "/demo").status, 404);
  EXPECT_EQ(fake_.login_calls.size(), 0u);
  EXPECT_TRUE(fake_.create_payment_calls.empty());
  EXPECT_TRUE(fake_.verify_calls.empty());
}

TEST_F(GatewayTest, ApiModeServesTheApiButNoNotifications) {
  Build(RouteSet::kApi, false);
  EXPECT_EQ(Call("GET", "/api/v1/products").status, 200);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/demo").status, 200);
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})").status, 200);
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", "{}").status, 404);
  EXPECT_EQ(Call("POST", "/wechat/notify/refund", "{}").status, 404);
  EXPECT_TRUE(fake_.notification_calls.empty());
}

TEST_F(GatewayTest, ApiBodiesOverTheApiCapAre413) {
  RouterOptions options;
  options.max_body_bytes = 2048;
  options.notify_max_body_bytes = 8192;
  Build(options);
  const std::string big = R"({"username":"a","password":")" + std::string(3000, 'p') + R"("})";
  http::Response res = Call("POST", "/api/v1/auth/login", big);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(ErrorCode(res), "PAYLOAD_TOO_LARGE");
  EXPECT_TRUE(fake_.login_calls.empty());
  // The notification endpoints have their own, larger cap.
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", std::string(5000, ' ')).status, 204);
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", std::string(9000, ' ')).status, 413);
  EXPECT_EQ(fake_.notification_calls.size(), 1u);
}

// ---- routing ----------------------------------------------------------------------------------

TEST_F(GatewayTest, UnknownRouteIs404AndWrongMethodIs405) {
  http::Response res = Call("GET", "/api/v1/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(ErrorCode(res), "NOT_FOUND");
  EXPECT_EQ(Body(res).at("error").at("request_id").as_string(), "rid-test");

  res = Call("GET", "/api/v1/auth/login");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "POST");
  res = Call("DELETE", "/api/v1/orders");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "GET, POST");
  res = Call("POST", "/api/v1/orders/ord-1");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "GET");
  EXPECT_EQ(fake_.calls(), 0u);
}

// ---- JSON validation --------------------------------------------------------------------------

TEST_F(GatewayTest, MalformedJsonIs400WithoutCallingAuth) {
  for (const char* body : {"", "{", "{\"username\":\"a\",}", "not json", "{\"a\":1}{}"}) {
    http::Response res = Call("POST", "/api/v1/auth/register", body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");
    EXPECT_EQ(ErrorMessage(res), "malformed JSON body") << body;
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(GatewayTest, NonObjectBodyIs400) {
  for (const char* body : {"[]", "\"alice\"", "1", "null"}) {
    http::Response res = Call("POST", "/api/v1/auth/login", body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(ErrorMessage(res), "request body must be a JSON object");
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(GatewayTest, UnknownFieldIs400) {
  http::Response res =
      Call("POST", "/api/v1/auth/register", R"({"username":"a","password":"b","role":"admin"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(ErrorMessage(res), "unknown field 'role'");
  res = Call("POST", "/api/v1/auth/refresh", R"({"refresh_token":"x","user_id":"u"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(ErrorMessage(res), "unknown field 'user_id'");
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(GatewayTest, WrongTypesAre400NamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c :
       {Case{R"({"username":42,"password":"secret123"})", "username"},
        Case{R"({"username":"alice","password":["x"]})", "password"},
        Case{R"({"username":"alice","password":"secret123","mobile":true})", "mobile"},
        Case{R"({"username":{},"password":"secret123"})", "username"},
        Case{R"({"password":"secret123"})", "username"}}) {
    http::Response res = Call("POST", "/api/v1/auth/register", c.body);
    EXPECT_EQ(res.status, 400) << c.body;
    EXPECT_NE(ErrorMessage(res).find(std::string("'") + c.field + "'"), std::string::npos)
        << c.body << " → " << ErrorMessage(res);
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(GatewayTest, OversizedStringsAre400) {
  boost::json::object body;
  body["username"] = "alice";
  body["password"] = std::string(5000, 'p');
  http::Response res = Call("POST", "/api/v1/auth/login", boost::json::serialize(body));
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(ErrorMessage(res).find("'password' is too long"), std::string::npos);
  body["password"] = "fine";
  body["username"] = std::string(300, 'u');
  res = Call("POST", "/api/v1/auth/login", boost::json::serialize(body));
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(ErrorMessage(res).find("'username' is too long"), std::string::npos);
  EXPECT_EQ(fake_.calls(), 0u);
}

// ---- auth routes ------------------------------------------------------------------------------

TEST_F(GatewayTest, RegisterPassesStringsVerbatimAndAnswers201) {
  auth::v1::RegisterResponse out;
  out.mutable_user()->set_id("u-9");
  out.mutable_user()->set_username("bob'; DROP TABLE users;--");
  out.mutable_user()->set_mobile_masked("138****8000");
  *out.mutable_user()->mutable_created_at() = testing::ProtoTime("2026-11-21T10:00:00Z");
  fake_.register_result = out;
  boost::json::object body;
  body["username"] = "bob'; DROP TABLE users;--";
  body["password"] = "p\"a\\ss %s \u00e9";
  body["mobile"] = "13800138000";
  http::Response res = Call("POST", "/api/v1/auth/register", boost::json::serialize(body));
  EXPECT_EQ(res.status, 201);
  ASSERT_EQ(fake_.register_calls.size(), 1u);
  EXPECT_EQ(fake_.register_calls[0].username(), "bob'; DROP TABLE users;--");
  EXPECT_EQ(fake_.register_calls[0].password(), "p\"a\\ss %s \u00e9");
  EXPECT_EQ(fake_.register_calls[0].mobile(), "13800138000");
  const auto user = Body(res).at("user");
  EXPECT_EQ(user.at("id").as_string(), "u-9");
  EXPECT_EQ(user.at("mobile").as_string(), "138****8000");
  EXPECT_EQ(fake_.request_ids.at(0), "rid-test");
}

TEST_F(GatewayTest, RegisterWithoutMobileSendsEmpty) {
  http::Response res =
      Call("POST", "/api/v1/auth/register", R"({"username":"carol","password":"secret123"})");
  EXPECT_EQ(res.status, 201);
  ASSERT_EQ(fake_.register_calls.size(), 1u);
  EXPECT_EQ(fake_.register_calls[0].mobile(), "");
}

TEST_F(GatewayTest, DuplicateUsernameIs409WithAuthsMessage) {
  fake_.register_result = absl::AlreadyExistsError("username is taken");
  http::Response res =
      Call("POST", "/api/v1/auth/register", R"({"username":"carol","password":"secret123"})");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(ErrorCode(res), "ALREADY_EXISTS");
  EXPECT_EQ(ErrorMessage(res), "username is taken");
}

TEST_F(GatewayTest, LoginAnswersTokensAndSendsThePeerIp) {
  auth::v1::TokenPair pair;
  pair.set_access_token("at");
  pair.set_access_expires_in(900);
  pair.set_refresh_token("rt");
  pair.set_refresh_expires_in(1209600);
  fake_.login_result = pair;
  http::Response res = Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})",
                            {{"X-Forwarded-For", "1.2.3.4"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("access_token").as_string(), "at");
  EXPECT_EQ(Body(res).at("token_type").as_string(), "Bearer");
  ASSERT_EQ(fake_.login_calls.size(), 1u);
  EXPECT_EQ(fake_.login_calls[0].client_ip(), "10.0.0.7") << "untrusted X-Forwarded-For";
}

// The ingress appends the address it saw: only the last entry is trusted, so a client cannot
// pick its own rate-limit bucket by sending X-Forwarded-For itself.
TEST_F(GatewayTest, LoginTrustsTheLastForwardedForEntryWhenConfigured) {
  Build(RouteSet::kAll, true);
  Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})",
       {{"X-Forwarded-For", " 198.51.100.1 , 203.0.113.9 "}});
  Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})");
  Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})",
       {{"X-Forwarded-For", "2001:db8::7"}});
  Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})",
       {{"X-Forwarded-For", "203.0.113.9, not-an-ip"}});
  ASSERT_EQ(fake_.login_calls.size(), 4u);
  EXPECT_EQ(fake_.login_calls[0].client_ip(), "203.0.113.9");
  EXPECT_EQ(fake_.login_calls[1].client_ip(), "10.0.0.7");
  EXPECT_EQ(fake_.login_calls[2].client_ip(), "2001:db8::7");
  EXPECT_EQ(fake_.login_calls[3].client_ip(), "10.0.0.7") << "a non-IP entry is not trusted";
}

TEST_F(GatewayTest, LoginFailuresMapToHttp) {
  fake_.login_result = absl::UnauthenticatedError("invalid username or password");
  http::Response res = Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(ErrorMessage(res), "invalid username or password");
  fake_.login_result = absl::ResourceExhaustedError("too many attempts");
  res = Call("POST", "/api/v1/auth/login", R"({"username":"a","password":"b"})");
  EXPECT_EQ(res.status, 429);
}

TEST_F(GatewayTest, RefreshAnswersTokens) {
  auth::v1::TokenPair pair;
  pair.set_access_token("at2");
  pair.set_refresh_token("rt2");
  fake_.refresh_result = pair;
  http::Response res = Call("POST", "/api/v1/auth/refresh", R"({"refresh_token":"rt1"})");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("refresh_token").as_string(), "rt2");
  ASSERT_EQ(fake_.refresh_calls.size(), 1u);
  EXPECT_EQ(fake_.refresh_calls[0].refresh_token(), "rt1");
}

// ---- Bearer authentication ----------------------------------------------------------------------

TEST_F(GatewayTest, MissingOrGarbledAuthorizationIs401WithoutCallingAuth) {
  const Headers cases[] = {
      {},
      {{"Authorization", ""}},
      {{"Authorization", "Basic YWxpY2U6cHc="}},
      {{"Authorization", "Bearer"}},
      {{"Authorization", "Bearer "}},
      {{"Authorization", "Bearer two tokens"}},
      {{"Authorization", "Bearer tok\"en"}},
      {{"Authorization", "Bearer " + std::string(5000, 'a')}},
  };
  for (const Headers& headers : cases) {
    http::Response res = Call("GET", "/api/v1/me", "", headers);
    EXPECT_EQ(res.status, 401) << (headers.empty() ? "(none)" : headers[0].second);
    EXPECT_EQ(ErrorCode(res), "UNAUTHENTICATED");
    EXPECT_EQ(HeaderOf(res, "WWW-Authenticate"), "Bearer");
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(GatewayTest, TokenRejectedByAuthIs401) {
  http::Response res = Call("GET", "/api/v1/orders", "", {{"Authorization", "Bearer forged"}});
  EXPECT_EQ(res.status, 401);
  ASSERT_EQ(fake_.verify_calls.size(), 1u);
  EXPECT_EQ(fake_.verify_calls[0].access_token(), "forged");
  EXPECT_TRUE(fake_.list_orders_calls.empty());
}

TEST_F(GatewayTest, SchemeIsCaseInsensitive) {
  http::Response res = Call("GET", "/api/v1/me", "", {{"authorization", "bearer tok.alice_123-x"}});
  EXPECT_EQ(res.status, 200);
}

TEST_F(GatewayTest, AuthDownIs503WithoutLeakingDetails) {
  fake_.verify_error = absl::UnavailableError("failed to connect to all addresses; 10.9.8.7:20051");
  http::Response res = Authed("GET", "/api/v1/me");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(ErrorCode(res), "UNAVAILABLE");
  EXPECT_EQ(res.body.find("10.9.8.7"), std::string::npos) << res.body;
  EXPECT_TRUE(fake_.get_user_calls.empty());
}

TEST_F(GatewayTest, MeUsesTheTokensUser) {
  auth::v1::User user;
  user.set_id(kAliceId);
  user.set_username("alice");
  fake_.user_result = user;
  http::Response res = Authed("GET", "/api/v1/me");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("username").as_string(), "alice");
  EXPECT_TRUE(Body(res).at("mobile").is_null());
  ASSERT_EQ(fake_.get_user_calls.size(), 1u);
  EXPECT_EQ(fake_.get_user_calls[0].user_id(), kAliceId);
}

TEST_F(GatewayTest, LogoutRevokesThePresentedTokenAndAnswers204) {
  http::Response res = Authed("POST", "/api/v1/auth/logout");
  EXPECT_EQ(res.status, 204);
  EXPECT_TRUE(res.body.empty());
  ASSERT_EQ(fake_.logout_calls.size(), 1u);
  EXPECT_EQ(fake_.logout_calls[0].access_token(), kToken);
}

TEST_F(GatewayTest, LogoutWithoutTokenIs401) {
  EXPECT_EQ(Call("POST", "/api/v1/auth/logout").status, 401);
  EXPECT_TRUE(fake_.logout_calls.empty());
}

// ---- orders -------------------------------------------------------------------------------------

TEST_F(GatewayTest, ProductsNeedNoToken) {
  order::v1::ListProductsResponse products;
  auto* p = products.add_products();
  p->set_sku("TEA-1");
  p->set_price_fen(1299);
  fake_.products_result = products;
  http::Response res = Call("GET", "/api/v1/products");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("products").as_array().at(0).at("price_fen").as_int64(), 1299);
  EXPECT_TRUE(fake_.verify_calls.empty());
}

TEST_F(GatewayTest, CreateOrderUsesTheTokensUserAndAnswers201) {
  order::v1::CreateOrderResponse out;
  *out.mutable_order() = SampleOrder();
  fake_.create_order_result = out;
  http::Response res =
      Authed("POST", "/api/v1/orders",
             R"({"items":[{"sku":"TEA-1","quantity":1},{"sku":"CUP","quantity":3}]})");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(HeaderOf(res, "Idempotent-Replayed"), "");
  EXPECT_EQ(Body(res).at("id").as_string(), "ord-1");
  EXPECT_FALSE(Body(res).as_object().contains("user_id"));
  ASSERT_EQ(fake_.create_order_calls.size(), 1u);
  const auto& sent = fake_.create_order_calls[0];
  EXPECT_EQ(sent.user_id(), kAliceId);
  EXPECT_EQ(sent.idempotency_key(), "");
  ASSERT_EQ(sent.items_size(), 2);
  EXPECT_EQ(sent.items(1).sku(), "CUP");
  EXPECT_EQ(sent.items(1).quantity(), 3);
}

TEST_F(GatewayTest, ClientCannotChooseTheUser) {
  http::Response res = Authed("POST", "/api/v1/orders",
                              R"({"user_id":"user-mallory","items":[{"sku":"A","quantity":1}]})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(ErrorMessage(res), "unknown field 'user_id'");
  EXPECT_TRUE(fake_.create_order_calls.empty());

  fake_.order_result = SampleOrder();
  res = Authed("GET", "/api/v1/orders/ord-1?user_id=user-mallory");
  EXPECT_EQ(res.status, 200);
  ASSERT_EQ(fake_.get_order_calls.size(), 1u);
  EXPECT_EQ(fake_.get_order_calls[0].user_id(), kAliceId);
  EXPECT_EQ(fake_.get_order_calls[0].order_id(), "ord-1");
}

TEST_F(GatewayTest, OrderJsonShowsThePaymentFields) {
  order::v1::Order order = SampleOrder();
  order.set_description("Tea x1");
  fake_.order_result = order;
  auto body = Body(Authed("GET", "/api/v1/orders/ord-1"));
  EXPECT_EQ(body.at("description").as_string(), "Tea x1");
  EXPECT_TRUE(body.at("transaction_id").is_null());
  EXPECT_TRUE(body.at("paid_at").is_null());
  EXPECT_FALSE(body.at("late_payment").as_bool());
  EXPECT_FALSE(body.at("flagged").as_bool());

  order.set_state(order::v1::ORDER_STATE_PAID);
  order.set_transaction_id("4200000001202611210000000001");
  *order.mutable_paid_at() = testing::ProtoTime("2026-11-21T10:05:00Z");
  order.set_late_payment(true);
  order.set_flagged(true);
  order.set_flag_reason("paid after close; amount 1 fen short");
  order.mutable_active_prepay()->set_code_url("weixin://wxpay/bizpayurl?pr=x");
  fake_.order_result = order;
  http::Response res = Authed("GET", "/api/v1/orders/ord-1");
  body = Body(res);
  EXPECT_EQ(body.at("state").as_string(), "PAID");
  EXPECT_EQ(body.at("transaction_id").as_string(), "4200000001202611210000000001");
  EXPECT_EQ(body.at("paid_at").as_string(), "2026-11-21T10:05:00.000Z");
  EXPECT_TRUE(body.at("late_payment").as_bool());
  EXPECT_TRUE(body.at("flagged").as_bool());
  // Internal: the review note, the owner and the prepay.
  for (const char* hidden : {"flag_reason", "user_id", "prepay", "active_prepay"}) {
    EXPECT_FALSE(body.as_object().contains(hidden)) << hidden;
  }
  EXPECT_EQ(res.body.find("amount 1 fen short"), std::string::npos);
  // The foundation fields are unchanged.
  for (const char* field : {"id", "out_trade_no", "state", "total_fen", "currency", "items",
                            "created_at", "updated_at"}) {
    EXPECT_TRUE(body.as_object().contains(field)) << field;
  }
}

TEST_F(GatewayTest, ReplayedOrderIs201WithHeader) {
  order::v1::CreateOrderResponse out;
  *out.mutable_order() = SampleOrder();
  out.set_replayed(true);
  fake_.create_order_result = out;
  http::Response res = Authed("POST", "/api/v1/orders", R"({"items":[{"sku":"A","quantity":1}]})",
                              {{"Idempotency-Key", "order:2026-11-21_abc.1"}});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(HeaderOf(res, "Idempotent-Replayed"), "true");
  ASSERT_EQ(fake_.create_order_calls.size(), 1u);
  EXPECT_EQ(fake_.create_order_calls[0].idempotency_key(), "order:2026-11-21_abc.1");
}

TEST_F(GatewayTest, InvalidIdempotencyKeyIs400) {
  for (const std::string& key : {std::string(""), std::string(65, 'k'), std::string("has space"),
                                 std::string("semi;colon"), std::string("ключ")}) {
    http::Response res = Authed("POST", "/api/v1/orders", R"({"items":[{"sku":"A","quantity":1}]})",
                                {{"Idempotency-Key", key}});
    EXPECT_EQ(res.status, 400) << key;
    EXPECT_NE(ErrorMessage(res).find("Idempotency-Key"), std::string::npos);
  }
  EXPECT_TRUE(fake_.create_order_calls.empty());
  EXPECT_TRUE(IsValidIdempotencyKey(std::string(64, 'k')));
  EXPECT_TRUE(IsValidIdempotencyKey("A-z_0.9:x"));
}

TEST_F(GatewayTest, BadItemsAre400) {
  for (const char* body :
       {R"({})", R"({"items":"A"})", R"({"items":["A"]})", R"({"items":[{"sku":"A"}]})",
        R"({"items":[{"sku":"A","quantity":1.5}]})", R"({"items":[{"sku":"A","quantity":"2"}]})",
        R"({"items":[{"sku":"A","quantity":0}]})",
        R"({"items":[{"sku":"A","quantity":4294967296}]})", R"({"items":[{"quantity":1}]})",
        R"({"items":[{"sku":"A","quantity":1,"price_fen":1}]})"}) {
    http::Response res = Authed("POST", "/api/v1/orders", body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT") << body;
  }
  http::Response res =
      Authed("POST", "/api/v1/orders", R"({"items":[{"sku":"A","quantity":1,"price_fen":1}]})");
  EXPECT_EQ(ErrorMessage(res), "unknown field 'price_fen' in items[0]");
  EXPECT_TRUE(fake_.create_order_calls.empty());
}

// The gateway states order's ranges (50 lines, quantity 1..99) in the words order uses, so a
// client reads the same refusal whichever of the two catches it.
TEST_F(GatewayTest, OrderRangesAreStatedAsOrderStatesThem) {
  boost::json::array items;
  for (int i = 0; i < 51; ++i) items.push_back(boost::json::object{{"sku", "A"}, {"quantity", 1}});
  http::Response res = Authed("POST", "/api/v1/orders",
                              boost::json::serialize(boost::json::object{{"items", items}}));
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("field 'items' has too many elements (max 50)"), std::string::npos)
      << res.body;
  for (int quantity : {0, 100}) {
    res = Authed("POST", "/api/v1/orders",
                 R"({"items":[{"sku":"A","quantity":1},{"sku":"B","quantity":)" +
                     std::to_string(quantity) + "}]}");
    EXPECT_EQ(res.status, 400);
    EXPECT_NE(res.body.find("items[1]: field 'quantity' must be an integer in 1..99"),
              std::string::npos)
        << res.body;
  }
  EXPECT_TRUE(fake_.create_order_calls.empty());
}

TEST_F(GatewayTest, UpstreamErrorsMapToHttpStatuses) {
  struct Case {
    absl::Status status;
    int http;
    const char* code;
  };
  for (const Case& c :
       {Case{absl::UnavailableError("down"), 503, "UNAVAILABLE"},
        Case{absl::DeadlineExceededError("slow"), 504, "DEADLINE_EXCEEDED"},
        Case{absl::NotFoundError("order not found"), 404, "NOT_FOUND"},
        Case{absl::InternalError("pq: relation missing"), 500, "INTERNAL"},
        Case{absl::FailedPreconditionError("wrong state"), 409, "FAILED_PRECONDITION"}}) {
    fake_.order_result = c.status;
    http::Response res = Authed("GET", "/api/v1/orders/ord-x");
    EXPECT_EQ(res.status, c.http) << c.code;
    EXPECT_EQ(ErrorCode(res), c.code);
    EXPECT_EQ(Body(res).at("error").at("request_id").as_string(), "rid-test");
  }
  // 5xx details stay in the logs.
  fake_.order_result = absl::InternalError("pq: relation missing");
  EXPECT_EQ(ErrorMessage(Authed("GET", "/api/v1/orders/ord-x")), "internal error");
  fake_.order_result = absl::NotFoundError("order not found");
  EXPECT_EQ(ErrorMessage(Authed("GET", "/api/v1/orders/ord-x")), "order not found");

  fake_.create_order_result =
      absl::AlreadyExistsError("idempotency key was used with a different request");
  http::Response res = Authed("POST", "/api/v1/orders", R"({"items":[{"sku":"A","quantity":1}]})",
                              {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(ErrorCode(res), "ALREADY_EXISTS");
}

TEST_F(GatewayTest, ListOrdersPagesForTheTokensUser) {
  order::v1::ListOrdersResponse page;
  *page.add_orders() = SampleOrder();
  page.set_next_cursor("next-1");
  fake_.orders_result = page;
  http::Response res = Authed("GET", "/api/v1/orders");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res).at("next_cursor").as_string(), "next-1");
  EXPECT_EQ(Body(res).at("orders").as_array().size(), 1u);
  res = Authed("GET", "/api/v1/orders?limit=5&cursor=abc%2B1");
  EXPECT_EQ(res.status, 200);
  ASSERT_EQ(fake_.list_orders_calls.size(), 2u);
  EXPECT_EQ(fake_.list_orders_calls[0].user_id(), kAliceId);
  EXPECT_EQ(fake_.list_orders_calls[0].page_size(), 20);
  EXPECT_EQ(fake_.list_orders_calls[0].cursor(), "");
  EXPECT_EQ(fake_.list_orders_calls[1].page_size(), 5);
  EXPECT_EQ(fake_.list_orders_calls[1].cursor(), "abc+1");
}

TEST_F(GatewayTest, BadLimitOrCursorIs400) {
  for (const char* target :
       {"/api/v1/orders?limit=0", "/api/v1/orders?limit=101", "/api/v1/orders?limit=abc",
        "/api/v1/orders?limit=", "/api/v1/orders?limit=-5"}) {
    http::Response res = Authed("GET", target);
    EXPECT_EQ(res.status, 400) << target;
  }
  EXPECT_EQ(Authed("GET", "/api/v1/orders?cursor=" + std::string(600, 'c')).status, 400);
  EXPECT_EQ(Authed("GET", "/api/v1/orders?cursor=%FF%FE").status, 400);
  EXPECT_TRUE(fake_.list_orders_calls.empty());
}

// A path parameter that is not UTF-8 names nothing: 404, and the backend is never asked.
TEST_F(GatewayTest, PathParameterThatIsNotUtf8Is404) {
  EXPECT_EQ(Authed("GET", "/api/v1/orders/%FF").status, 404);
  EXPECT_EQ(Authed("GET", "/api/v1/orders/ab%C3").status, 404);
  EXPECT_TRUE(fake_.get_order_calls.empty());
  fake_.order_result = absl::NotFoundError("order not found");
  EXPECT_EQ(Authed("GET", "/api/v1/orders/%E8%AE%A2%E5%8D%95").status, 404);  // valid UTF-8
  ASSERT_EQ(fake_.get_order_calls.size(), 1u) << "valid UTF-8 reaches the backend";
  EXPECT_EQ(fake_.get_order_calls[0].order_id(), "订单");
}

TEST_F(GatewayTest, OrdersRequireAToken) {
  EXPECT_EQ(Call("GET", "/api/v1/orders").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/orders/ord-1").status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/orders", R"({"items":[]})").status, 401);
  EXPECT_EQ(fake_.calls(), 0u);
}

}  // namespace
}  // namespace paymesh::gateway
