// The proto mapping of OrderGrpcService (the RPC bodies are OrderLogic calls).

#include "services/order/service.h"

#include <gtest/gtest.h>

namespace paymesh::order {
namespace {

// 2026-11-21T10:00:00Z
constexpr int64_t kStartMicros = 1795255200LL * 1000000;

Order PaidOrder() {
  Order o;
  o.id = "0f3e2d1c-0000-4abc-8def-0123456789ab";
  o.user_id = "u1";
  o.out_trade_no = "PM20261121100000abcdefABCDEF";
  o.state = OrderState::kPaid;
  o.total_fen = 1234;
  o.items = {{"TEA", "Green tea", 1, 1234, 1234}};
  o.created_at = Timestamp(std::chrono::microseconds(kStartMicros));
  o.updated_at = o.created_at + std::chrono::seconds(90);
  o.description = "Green tea ×1";
  o.prepay = Prepay{"native", "weixin://wxpay/bizpayurl?pr=abc", "", "",
                    o.created_at + std::chrono::minutes(30)};
  o.transaction_id = "4200000001";
  o.paid_at = o.created_at + std::chrono::milliseconds(61'500);
  o.late_payment = true;
  o.flagged = true;
  o.flag_reason = "late_payment: paid after close, refund required";
  return o;
}

TEST(OrderToProtoTest, PaymentFields) {
  v1::Order p;
  ToProto(PaidOrder(), &p);
  EXPECT_EQ(p.state(), "PAID");
  EXPECT_EQ(p.description(), "Green tea ×1");
  EXPECT_EQ(p.transaction_id(), "4200000001");
  EXPECT_EQ(p.paid_at(), "2026-11-21T10:01:01.500Z");
  EXPECT_EQ(p.updated_at(), "2026-11-21T10:01:30.000Z");
  EXPECT_TRUE(p.late_payment());
  EXPECT_TRUE(p.flagged());
  EXPECT_EQ(p.flag_reason(), "late_payment: paid after close, refund required");
  EXPECT_FALSE(p.has_prepay()) << "a paid order offers no way to pay again";
}

TEST(OrderToProtoTest, PrepayWhilePayingAndEmptyTimesWhenUnset) {
  Order o = PaidOrder();
  o.state = OrderState::kPaying;
  o.transaction_id.clear();
  o.paid_at.reset();
  v1::Order p;
  ToProto(o, &p);
  ASSERT_TRUE(p.has_prepay());
  EXPECT_EQ(p.prepay().channel(), "native");
  EXPECT_EQ(p.prepay().code_url(), "weixin://wxpay/bizpayurl?pr=abc");
  EXPECT_EQ(p.prepay().expires_at(), "2026-11-21T10:30:00.000Z");
  EXPECT_EQ(p.paid_at(), "");
  EXPECT_EQ(p.transaction_id(), "");

  o.prepay->expires_at.reset();
  v1::Order q;
  ToProto(o, &q);
  EXPECT_EQ(q.prepay().expires_at(), "");
}

TEST(OrderFromProtoTest, ApplyPaymentRequest) {
  v1::ApplyPaymentRequest req;
  req.set_notification_id("EV-2018022511223320873");
  req.set_source("notification");
  req.set_event_type("TRANSACTION.SUCCESS");
  v1::PaymentReport* r = req.mutable_report();
  r->set_appid("wxd678efh567hg6787");
  r->set_mchid("1230000109");
  r->set_out_trade_no("PM1");
  r->set_transaction_id("4200000001");
  r->set_trade_type("NATIVE");
  r->set_trade_state("SUCCESS");
  r->set_success_time("2018-06-08T10:34:56+08:00");
  r->set_payer_openid("oUpF8u");
  r->set_amount_total(100);
  r->set_payer_total(90);
  r->set_currency("CNY");
  const ApplyPaymentInput in = FromProto(req);
  EXPECT_EQ(in.notification_id, "EV-2018022511223320873");
  EXPECT_EQ(in.source, "notification");
  EXPECT_EQ(in.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(in.report.appid, "wxd678efh567hg6787");
  EXPECT_EQ(in.report.mchid, "1230000109");
  EXPECT_EQ(in.report.out_trade_no, "PM1");
  EXPECT_EQ(in.report.transaction_id, "4200000001");
  EXPECT_EQ(in.report.trade_type, "NATIVE");
  EXPECT_EQ(in.report.trade_state, "SUCCESS");
  EXPECT_EQ(in.report.success_time, "2018-06-08T10:34:56+08:00");
  EXPECT_EQ(in.report.payer_openid, "oUpF8u");
  EXPECT_EQ(in.report.amount_total, 100);
  EXPECT_EQ(in.report.payer_total, 90);
  EXPECT_EQ(in.report.currency, "CNY");
}

TEST(OrderFromProtoTest, Prepay) {
  v1::Prepay p;
  p.set_channel("h5");
  p.set_code_url("c");
  p.set_prepay_id("i");
  p.set_h5_url("https://wx.tenpay.com/h5");
  p.set_expires_at("2026-11-21T10:30:00Z");
  const PrepayInput in = FromProto(p);
  EXPECT_EQ(in.channel, "h5");
  EXPECT_EQ(in.code_url, "c");
  EXPECT_EQ(in.prepay_id, "i");
  EXPECT_EQ(in.h5_url, "https://wx.tenpay.com/h5");
  EXPECT_EQ(in.expires_at, "2026-11-21T10:30:00Z");
}

}  // namespace
}  // namespace paymesh::order
