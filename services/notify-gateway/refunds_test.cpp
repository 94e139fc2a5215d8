#include <gtest/gtest.h>

#include <string>

#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::kAliceId;
using testing::kToken;

class RefundRoutesTest : public testing::GatewayHarness {
 protected:
  void MakeAliceAdmin() { fake_.SetScopes(kToken, {"user", "admin"}); }
  http::Response Refund(std::string body, std::string key = "refund-1") {
    return Authed("POST", "/api/v1/orders/ord-1/refunds", std::move(body),
                  {{"Idempotency-Key", std::move(key)}});
  }
};

TEST_F(RefundRoutesTest, OnlyAdminsRefund) {
  http::Response r = Authed("POST", "/api/v1/orders/ord-1/refunds", R"({"amount_fen":100})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Authed("GET", "/api/v1/orders/ord-1/refunds").status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/orders/ord-1/refunds", R"({"amount_fen":100})").status, 401);
  EXPECT_TRUE(fake_.create_refund_calls.empty());
  EXPECT_TRUE(fake_.list_refunds_calls.empty());
}

TEST_F(RefundRoutesTest, AnAdminsRefundGoesToPaymentWithTheKey) {
  MakeAliceAdmin();
  payment::v1::CreateRefundResponse out;
  out.set_order_id("ord-1");
  out.set_order_state(order::v1::ORDER_STATE_PAID);
  out.set_out_refund_no("RF20260101000000abcdefghijkl");
  out.set_amount_fen(100);
  out.set_reason("damaged");
  out.set_status(order::v1::REFUND_STATUS_PROCESSING);
  out.set_requested_by(kAliceId);
  fake_.create_refund_result = out;
  http::Response r =
      Authed("POST", "/api/v1/orders/ord-1/refunds", R"({"amount_fen":100,"reason":"damaged"})",
             {{"Idempotency-Key", "refund-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = testing::Body(r);
  EXPECT_EQ(body.at("out_refund_no").as_string(), "RF20260101000000abcdefghijkl");
  EXPECT_EQ(body.at("status").as_string(), "PROCESSING");
  EXPECT_EQ(body.at("order_state").as_string(), "PAID");
  EXPECT_TRUE(body.at("refund_id").is_null());
  EXPECT_EQ(body.at("requested_by").as_string(), kAliceId);
  ASSERT_EQ(fake_.create_refund_calls.size(), 1u);
  const payment::v1::CreateRefundRequest& sent = fake_.create_refund_calls[0];
  EXPECT_EQ(sent.requested_by(), kAliceId);
  EXPECT_EQ(sent.order_id(), "ord-1");
  EXPECT_EQ(sent.amount_fen(), 100);
  EXPECT_EQ(sent.reason(), "damaged");
  EXPECT_EQ(sent.idempotency_key(), "refund-1");
}

TEST_F(RefundRoutesTest, BadRefundsAre400AndPaymentsAnswersAreMapped) {
  MakeAliceAdmin();
  for (const char* body : {R"({"amount_fen":0})", R"({"amount_fen":-1})", R"({"amount_fen":1.5})",
                           R"({"amount_fen":"100"})", R"({})", R"({"amount_fen":1,"x":1})", "[]"}) {
    EXPECT_EQ(Refund(body).status, 400) << body;
  }
  const std::string long_reason(81, 'r');
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/refunds",
                   R"({"amount_fen":1,"reason":")" + long_reason + R"("})")
                .status,
            400);
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/refunds", R"({"amount_fen":1})",
                   {{"Idempotency-Key", "bad key!"}})
                .status,
            400);
  EXPECT_EQ(Authed("POST", "/api/v1/orders/ord-1/refunds", R"({"amount_fen":1})").status, 400)
      << "no Idempotency-Key: a retry would be another refund";
  EXPECT_TRUE(fake_.create_refund_calls.empty());
  fake_.create_refund_result = absl::FailedPreconditionError("0 fen left to refund");
  EXPECT_EQ(Refund(R"({"amount_fen":1})").status, 409);
  fake_.create_refund_result = absl::UnavailableError("wechat did not take it");
  EXPECT_EQ(Refund(R"({"amount_fen":1})").status, 503);
}

TEST_F(RefundRoutesTest, AdminsListAnOrdersRefunds) {
  MakeAliceAdmin();
  order::v1::ListRefundsResponse out;
  order::v1::Refund* f = out.add_refunds();
  f->set_out_refund_no("portal-1");
  f->set_amount_fen(300);
  f->set_status(order::v1::REFUND_STATUS_SUCCESS);
  f->set_refund_id("5030");
  f->set_requested_by("wechat");
  fake_.list_refunds_result = out;
  http::Response r = Authed("GET", "/api/v1/orders/ord-1/refunds");
  ASSERT_EQ(r.status, 200) << r.body;
  auto refunds = testing::Body(r).at("refunds").as_array();
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(refunds[0].at("status").as_string(), "SUCCESS");
  EXPECT_EQ(refunds[0].at("requested_by").as_string(), "wechat");
  EXPECT_EQ(fake_.list_refunds_calls.at(0).order_id(), "ord-1");
}

}  // namespace
}  // namespace paymesh::gateway
