// POST /pay, GET /qrcode.{svg,png} and POST /sync against FakeUpstreams: what reaches payment and
// order (the user always from the token), and what the client gets back.

#include "services/notify-gateway/handlers/payments.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "common/time/rfc3339.h"
#include "services/notify-gateway/qr.h"
#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::Body;
using testing::ErrorCode;
using testing::ErrorMessage;
using testing::HeaderOf;
using testing::kAliceId;

constexpr char kCodeUrl[] = "weixin://wxpay/bizpayurl?pr=abcdefg";

// An order with a prepay that order says is active.
order::v1::Order PayingOrder() {
  order::v1::Order order;
  order.set_id("ord-1");
  order.set_user_id(kAliceId);
  order.set_out_trade_no("PM1");
  order.set_state(order::v1::ORDER_STATE_PAYING);
  order.set_total_fen(1299);
  order.set_currency("CNY");
  order.mutable_active_prepay()->set_channel(order::v1::CHANNEL_NATIVE);
  order.mutable_active_prepay()->set_code_url(kCodeUrl);
  *order.mutable_active_prepay()->mutable_expires_at() = testing::ProtoTime("2026-11-21T10:15:00Z");
  return order;
}

class PaymentRoutesTest : public testing::GatewayHarness {};

// ---- POST /api/v1/orders/{id}/pay ---------------------------------------------------------------

TEST_F(PaymentRoutesTest, PayCreatesANativePaymentForTheTokensUser) {
  payment::v1::CreatePaymentResponse out;
  out.set_order_id("ord-1");
  out.set_out_trade_no("PM1");
  out.set_channel(order::v1::CHANNEL_NATIVE);
  out.set_code_url(kCodeUrl);
  *out.mutable_expires_at() = testing::ProtoTime("2026-11-21T10:15:00Z");
  out.set_reused(true);
  fake_.create_payment_result = out;
  http::Response res = Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})",
                              {{"X-Forwarded-For", "1.2.3.4"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const auto body = Body(res);
  EXPECT_EQ(body.at("order_id").as_string(), "ord-1");
  EXPECT_EQ(body.at("out_trade_no").as_string(), "PM1");
  EXPECT_EQ(body.at("channel").as_string(), "native");
  EXPECT_EQ(body.at("code_url").as_string(), kCodeUrl);
  EXPECT_EQ(body.at("expires_at").as_string(), "2026-11-21T10:15:00Z");
  EXPECT_TRUE(body.at("reused").as_bool());
  EXPECT_EQ(body.as_object().size(), 6u);

  ASSERT_EQ(fake_.create_payment_calls.size(), 1u);
  const auto& sent = fake_.create_payment_calls[0];
  EXPECT_EQ(sent.user_id(), kAliceId);
  EXPECT_EQ(sent.order_id(), "ord-1");
  EXPECT_EQ(sent.channel(), order::v1::CHANNEL_NATIVE);
  EXPECT_EQ(sent.client_ip(), "10.0.0.7") << "untrusted X-Forwarded-For";
  EXPECT_EQ(fake_.request_ids.back(), "rid-test");
}

TEST_F(PaymentRoutesTest, PayTakesTheForwardedClientIpWhenTrusted) {
  RouterOptions options;
  options.trust_forwarded_for = true;
  Build(options);
  Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})",
         {{"X-Forwarded-For", "10.1.1.1, 203.0.113.9"}});
  ASSERT_EQ(fake_.create_payment_calls.size(), 1u);
  EXPECT_EQ(fake_.create_payment_calls[0].client_ip(), "203.0.113.9");
}

TEST_F(PaymentRoutesTest, EachChannelAnswersWhatItsClientNeeds) {
  payment::v1::CreatePaymentResponse jsapi;
  jsapi.set_order_id("ord-1");
  jsapi.set_channel(order::v1::CHANNEL_JSAPI);
  payment::v1::PaymentBridge* b = jsapi.mutable_bridge();
  b->set_app_id("wx1");
  b->set_time_stamp("1554208460");
  b->set_nonce_str("593BEC0C");
  b->set_package("prepay_id=wx2014");
  b->set_sign_type("RSA");
  b->set_pay_sign("c2ln");
  fake_.create_payment_result = jsapi;
  http::Response res = Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"jsapi"})");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(fake_.create_payment_calls.at(0).channel(), order::v1::CHANNEL_JSAPI);
  auto body = Body(res);
  EXPECT_EQ(body.at("jsapi").at("appId").as_string(), "wx1");
  EXPECT_EQ(body.at("jsapi").at("timeStamp").as_string(), "1554208460");
  EXPECT_EQ(body.at("jsapi").at("package").as_string(), "prepay_id=wx2014");
  EXPECT_EQ(body.at("jsapi").at("signType").as_string(), "RSA");
  EXPECT_EQ(body.at("jsapi").at("paySign").as_string(), "c2ln");
  EXPECT_FALSE(body.as_object().contains("code_url"));

  jsapi.set_channel(order::v1::CHANNEL_MINIPROGRAM);
  fake_.create_payment_result = jsapi;
  body = Body(Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"miniprogram"})"));
  EXPECT_FALSE(body.at("miniprogram").as_object().contains("appId"))
      << "wx.requestPayment takes no appId";

  payment::v1::CreatePaymentResponse h5;
  h5.set_channel(order::v1::CHANNEL_H5);
  h5.set_h5_url("https://wx.tenpay.com/checkmweb?prepay_id=wx1");
  fake_.create_payment_result = h5;
  body = Body(Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"h5"})"));
  EXPECT_EQ(body.at("h5_url").as_string(), "https://wx.tenpay.com/checkmweb?prepay_id=wx1");
}

TEST_F(PaymentRoutesTest, PayValidatesTheChannelStrictly) {
  for (const char* body :
       {"", "{}", "[]", "not json", R"({"channel":null})", R"({"channel":"wechat"})",
        R"({"channel":"NATIVE"})", R"({"channel":"JSAPI"})", R"({"channel":" native"})",
        R"({"channel":1})", R"({"channel":["native"]})", R"({"channel":"native","amount_fen":1})",
        R"({"channel":"native","user_id":"user-mallory"})"}) {
    http::Response res = Authed("POST", "/api/v1/orders/ord-1/pay", body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT") << body;
  }
  EXPECT_EQ(ErrorMessage(Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"app"})")),
            "field 'channel' must be \"native\", \"jsapi\", \"miniprogram\" or \"h5\"");
  EXPECT_EQ(ErrorMessage(Authed("POST", "/api/v1/orders/ord-1/pay", "{}")),
            "field 'channel' is required");
  EXPECT_TRUE(fake_.create_payment_calls.empty());
}

TEST_F(PaymentRoutesTest, PayNeedsAToken) {
  http::Response res = Call("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(HeaderOf(res, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(PaymentRoutesTest, PayMapsPaymentErrors) {
  struct Case {
    absl::Status status;
    int http;
    const char* message;
  };
  for (const Case& c : {
           Case{absl::NotFoundError("order not found"), 404, "order not found"},
           Case{absl::FailedPreconditionError("order is already paid"), 409,
                "order is already paid"},
           Case{absl::UnavailableError("wechat: connect 10.1.2.3:443 refused"), 503,
                "payment service unavailable"},
           Case{absl::DeadlineExceededError("slow"), 504, "payment service timed out"},
       }) {
    fake_.create_payment_result = c.status;
    http::Response res = Authed("POST", "/api/v1/orders/ord-1/pay", R"({"channel":"native"})");
    EXPECT_EQ(res.status, c.http) << c.status;
    EXPECT_EQ(ErrorMessage(res), c.message);
  }
}

TEST_F(PaymentRoutesTest, OverlongOrderIdIsNotFoundWithoutCallingPayment) {
  http::Response res =
      Authed("POST", "/api/v1/orders/" + std::string(200, 'x') + "/pay", R"({"channel":"native"})");
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(fake_.create_payment_calls.empty());
}

// ---- GET /api/v1/orders/{id}/qrcode.{svg,png} ---------------------------------------------------

// Order decides what is active (it leaves active_prepay out otherwise); the gateway only reads it.
TEST_F(PaymentRoutesTest, QrCodeIs409WithoutAnActivePrepay) {
  order::v1::Order created = PayingOrder();
  created.set_state(order::v1::ORDER_STATE_CREATED);
  created.clear_active_prepay();
  order::v1::Order expired = PayingOrder();  // PAYING, but order found its prepay expired
  expired.clear_active_prepay();
  order::v1::Order no_code = PayingOrder();
  no_code.mutable_active_prepay()->clear_code_url();
  order::v1::Order paid = PayingOrder();
  paid.set_state(order::v1::ORDER_STATE_PAID);
  paid.clear_active_prepay();
  for (const order::v1::Order& order : {created, expired, no_code, paid}) {
    fake_.order_result = order;
    for (const char* target :
         {"/api/v1/orders/ord-1/qrcode.svg", "/api/v1/orders/ord-1/qrcode.png"}) {
      http::Response res = Authed("GET", target);
      EXPECT_EQ(res.status, 409) << order.ShortDebugString();
      EXPECT_EQ(ErrorCode(res), "FAILED_PRECONDITION");
      EXPECT_EQ(ErrorMessage(res), "no active payment: POST /pay first");
    }
  }
}

TEST_F(PaymentRoutesTest, QrCodeSvgOfTheCurrentPrepay) {
  fake_.order_result = PayingOrder();
  http::Response res = Authed("GET", "/api/v1/orders/ord-1/qrcode.svg");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "image/svg+xml");
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  absl::StatusOr<QrCode> expected = EncodeQr(kCodeUrl);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(res.body, RenderQrSvg(*expected));
  EXPECT_NE(res.body.find("viewBox=\"0 0 37 37\""), std::string::npos);
  ASSERT_EQ(fake_.get_order_calls.size(), 1u);
  EXPECT_EQ(fake_.get_order_calls[0].user_id(), kAliceId);
  EXPECT_EQ(fake_.get_order_calls[0].order_id(), "ord-1");
}

TEST_F(PaymentRoutesTest, QrCodePngOfTheCurrentPrepay) {
  fake_.order_result = PayingOrder();
  http::Response res = Authed("GET", "/api/v1/orders/ord-1/qrcode.png");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "image/png");
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  ASSERT_GT(res.body.size(), 24u);
  EXPECT_EQ(res.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(res.body.substr(12, 4), "IHDR");
  // Width: (29 modules + 8 quiet) * 8 px = 296 = 0x128.
  EXPECT_EQ(res.body.substr(16, 4), std::string("\x00\x00\x01\x28", 4));
}

TEST_F(PaymentRoutesTest, QrCodeNeedsATokenAndPassesOrderErrorsThrough) {
  EXPECT_EQ(Call("GET", "/api/v1/orders/ord-1/qrcode.svg").status, 401);
  EXPECT_EQ(fake_.calls(), 0u);
  fake_.order_result = absl::NotFoundError("order not found");
  EXPECT_EQ(Authed("GET", "/api/v1/orders/ord-1/qrcode.png").status, 404);
  fake_.order_result = absl::UnavailableError("down");
  EXPECT_EQ(Authed("GET", "/api/v1/orders/ord-1/qrcode.png").status, 503);
}

TEST(ActiveCodeUrlTest, OnlyWhatOrderCallsActive) {
  EXPECT_EQ(*ActiveCodeUrl(PayingOrder()), kCodeUrl);
  order::v1::Order order = PayingOrder();
  order.mutable_active_prepay()->clear_expires_at();
  EXPECT_EQ(*ActiveCodeUrl(order), kCodeUrl) << "the gateway does not second-guess order";
  order.clear_active_prepay();
  EXPECT_EQ(ActiveCodeUrl(order).status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---- POST /api/v1/orders/{id}/sync --------------------------------------------------------------

TEST_F(PaymentRoutesTest, SyncAsksPaymentForTheTokensUser) {
  payment::v1::QueryPaymentResponse out;
  out.set_trade_state("SUCCESS");
  out.set_outcome(order::v1::PAYMENT_OUTCOME_APPLIED);
  out.set_order_state(order::v1::ORDER_STATE_PAID);
  fake_.query_payment_result = out;
  http::Response res = Authed("POST", "/api/v1/orders/ord-1/sync");
  ASSERT_EQ(res.status, 200) << res.body;
  auto body = Body(res);
  EXPECT_EQ(body.at("trade_state").as_string(), "SUCCESS");
  EXPECT_EQ(body.at("outcome").as_string(), "APPLIED");
  EXPECT_EQ(body.at("order_state").as_string(), "PAID");
  ASSERT_EQ(fake_.query_payment_calls.size(), 1u);
  EXPECT_EQ(fake_.query_payment_calls[0].user_id(), kAliceId);
  EXPECT_EQ(fake_.query_payment_calls[0].order_id(), "ord-1");

  out.set_trade_state("NOTPAY");
  out.clear_outcome();
  out.set_order_state(order::v1::ORDER_STATE_PAYING);
  fake_.query_payment_result = out;
  body = Body(Authed("POST", "/api/v1/orders/ord-1/sync", "{}"));
  EXPECT_EQ(body.at("trade_state").as_string(), "NOTPAY");
  EXPECT_TRUE(body.at("outcome").is_null());
  EXPECT_EQ(body.at("order_state").as_string(), "PAYING");
}

TEST_F(PaymentRoutesTest, SyncRejectsBodiesAndMapsErrors) {
  for (const char* body : {"[]", R"({"user_id":"user-mallory"})", "nope"}) {
    EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/sync", body).status, 400) << body;
  }
  EXPECT_TRUE(fake_.query_payment_calls.empty());
  EXPECT_EQ(Call("POST", "/api/v1/orders/ord-1/sync").status, 401);
  fake_.query_payment_result = absl::UnavailableError("wechat down");
  http::Response res = Authed("POST", "/api/v1/orders/ord-1/sync");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(ErrorMessage(res), "payment service unavailable");
  fake_.query_payment_result = absl::NotFoundError("order not found");
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/sync").status, 404);
}

TEST_F(PaymentRoutesTest, CancelAsksPaymentToCloseTheTokensOrder) {
  payment::v1::QueryPaymentResponse out;
  out.set_trade_state("");
  out.set_order_state(order::v1::ORDER_STATE_CLOSED);
  out.set_closed(true);
  fake_.cancel_payment_result = out;
  http::Response res = Authed("POST", "/api/v1/orders/ord-1/cancel");
  ASSERT_EQ(res.status, 200) << res.body;
  auto body = Body(res);
  EXPECT_EQ(body.at("order_state").as_string(), "CLOSED");
  EXPECT_TRUE(body.at("closed").as_bool());
  EXPECT_TRUE(body.at("outcome").is_null());
  ASSERT_EQ(fake_.cancel_payment_calls.size(), 1u);
  EXPECT_EQ(fake_.cancel_payment_calls[0].user_id(), kAliceId);
  EXPECT_EQ(fake_.cancel_payment_calls[0].order_id(), "ord-1");
  EXPECT_TRUE(fake_.query_payment_calls.empty());

  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/cancel", "[]").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/orders/ord-1/cancel").status, 401);
  fake_.cancel_payment_result = absl::FailedPreconditionError("order is PAID and cannot be closed");
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/cancel").status, 409);
  EXPECT_EQ(fake_.cancel_payment_calls.size(), 2u);
}

}  // namespace
}  // namespace paymesh::gateway
