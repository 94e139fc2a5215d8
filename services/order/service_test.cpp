// The proto mapping of OrderGrpcService (the RPC bodies are OrderLogic calls).

#include "services/order/service.h"

#include <gtest/gtest.h>

#include "common/rpc/timestamp.h"

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
  o.prepay = Prepay{Channel::kNative, "weixin://wxpay/bizpayurl?pr=abc", "", "",
                    o.created_at + std::chrono::minutes(30)};
  o.transaction_id = "4200000001";
  o.paid_at = o.created_at + std::chrono::milliseconds(61'500);
  o.late_payment = true;
  o.flagged = true;
  o.flag_reason = "late_payment: paid after close, refund required";
  return o;
}

Timestamp At(const google::protobuf::Timestamp& t) { return rpc::FromProto(t).value(); }

TEST(OrderToProtoTest, PaymentFields) {
  const Order o = PaidOrder();
  v1::Order p;
  ToProto(o, o.created_at, &p);
  EXPECT_EQ(p.state(), v1::ORDER_STATE_PAID);
  EXPECT_EQ(p.description(), "Green tea ×1");
  EXPECT_EQ(p.transaction_id(), "4200000001");
  EXPECT_EQ(At(p.paid_at()), *o.paid_at);
  EXPECT_EQ(At(p.created_at()), o.created_at);
  EXPECT_EQ(At(p.updated_at()), o.updated_at);
  EXPECT_TRUE(p.late_payment());
  EXPECT_TRUE(p.flagged());
  EXPECT_EQ(p.flag_reason(), "late_payment: paid after close, refund required");
  EXPECT_FALSE(p.has_active_prepay()) << "a paid order offers no way to pay again";
}

TEST(OrderToProtoTest, ThePrepayIsShownOnlyWhileItCanBePaid) {
  Order o = PaidOrder();
  o.state = OrderState::kPaying;
  o.transaction_id.clear();
  o.paid_at.reset();
  const Timestamp expires = *o.prepay->expires_at;
  v1::Order p;
  ToProto(o, expires - std::chrono::seconds(1), &p);
  ASSERT_TRUE(p.has_active_prepay());
  EXPECT_EQ(p.active_prepay().channel(), v1::CHANNEL_NATIVE);
  EXPECT_EQ(p.active_prepay().code_url(), "weixin://wxpay/bizpayurl?pr=abc");
  EXPECT_EQ(At(p.active_prepay().expires_at()), expires);
  EXPECT_FALSE(p.has_paid_at());
  EXPECT_EQ(p.transaction_id(), "");

  v1::Order expired;
  ToProto(o, expires, &expired);
  EXPECT_FALSE(expired.has_active_prepay()) << "order's clock says it has expired";
}

TEST(OrderToProtoTest, EnumsKeepTheirMeaning) {
  EXPECT_EQ(ToProto(OrderState::kCreated), v1::ORDER_STATE_CREATED);
  EXPECT_EQ(ToProto(OrderState::kPartiallyRefunded), v1::ORDER_STATE_PARTIALLY_REFUNDED);
  EXPECT_EQ(ToProto(OrderState::kRefunded), v1::ORDER_STATE_REFUNDED);
  EXPECT_EQ(ToProto(PaymentOutcome::kApplied), v1::PAYMENT_OUTCOME_APPLIED);
  EXPECT_EQ(ToProto(PaymentOutcome::kUnknownOrder), v1::PAYMENT_OUTCOME_UNKNOWN_ORDER);
  EXPECT_EQ(ToProto(PaymentOutcome::kIgnored), v1::PAYMENT_OUTCOME_IGNORED);
}

v1::ApplyPaymentRequest Request() {
  v1::ApplyPaymentRequest req;
  req.set_notification_id("EV-2018022511223320873");
  req.set_source(v1::REPORT_SOURCE_NOTIFICATION);
  req.set_event_type("TRANSACTION.SUCCESS");
  v1::PaymentReport* r = req.mutable_report();
  r->set_appid("wxd678efh567hg6787");
  r->set_mchid("1230000109");
  r->set_out_trade_no("PM1");
  r->set_transaction_id("4200000001");
  r->set_trade_type("NATIVE");
  r->set_trade_state("SUCCESS");
  *r->mutable_success_time() = rpc::ToProto(Timestamp(std::chrono::seconds(1528425296)));
  r->set_payer_openid("oUpF8u");
  r->set_amount_total(100);
  r->set_payer_total(90);
  r->set_currency("CNY");
  return req;
}

TEST(OrderFromProtoTest, ApplyPaymentRequest) {
  const absl::StatusOr<PaymentNotice> n = FromProto(Request());
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->notification_id, "EV-2018022511223320873");
  EXPECT_EQ(n->source, ReportSource::kNotification);
  EXPECT_EQ(n->event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(n->report.appid, "wxd678efh567hg6787");
  EXPECT_EQ(n->report.mchid, "1230000109");
  EXPECT_EQ(n->report.out_trade_no, "PM1");
  EXPECT_EQ(n->report.transaction_id, "4200000001");
  EXPECT_EQ(n->report.trade_type, "NATIVE");
  EXPECT_EQ(n->report.trade_state, "SUCCESS");
  EXPECT_EQ(n->report.success_time, Timestamp(std::chrono::seconds(1528425296)));
  EXPECT_EQ(n->report.payer_openid, "oUpF8u");
  EXPECT_EQ(n->report.amount_total, 100);
  EXPECT_EQ(n->report.payer_total, 90);
  EXPECT_EQ(n->report.currency, "CNY");

  v1::ApplyPaymentRequest query = Request();
  query.set_source(v1::REPORT_SOURCE_QUERY);
  query.mutable_report()->clear_success_time();
  const absl::StatusOr<PaymentNotice> q = FromProto(query);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->source, ReportSource::kQuery);
  EXPECT_FALSE(q->report.success_time.has_value());
}

TEST(OrderFromProtoTest, RefusesWhatItCannotMap) {
  v1::ApplyPaymentRequest no_source = Request();
  no_source.set_source(v1::REPORT_SOURCE_UNSPECIFIED);
  EXPECT_EQ(FromProto(no_source).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ApplyPaymentRequest unknown_source = Request();
  unknown_source.set_source(static_cast<v1::ReportSource>(42));
  EXPECT_EQ(FromProto(unknown_source).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ApplyPaymentRequest far = Request();
  far.mutable_report()->mutable_success_time()->set_seconds(INT64_MAX);
  EXPECT_EQ(FromProto(far).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ApplyPaymentRequest no_id = Request();
  no_id.set_notification_id("");
  EXPECT_EQ(FromProto(no_id).status().code(), absl::StatusCode::kInvalidArgument)
      << "validated before it can reach the batcher";

  v1::Prepay no_channel;
  no_channel.set_code_url("weixin://x");
  EXPECT_EQ(FromProto(no_channel).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OrderFromProtoTest, Prepay) {
  v1::Prepay p;
  p.set_channel(v1::CHANNEL_H5);
  p.set_code_url("c");
  p.set_prepay_id("i");
  p.set_h5_url("https://wx.tenpay.com/h5");
  *p.mutable_expires_at() = rpc::ToProto(Timestamp(std::chrono::seconds(1795257000)));
  const absl::StatusOr<Prepay> in = FromProto(p);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->channel, Channel::kH5);
  EXPECT_EQ(in->code_url, "c");
  EXPECT_EQ(in->prepay_id, "i");
  EXPECT_EQ(in->h5_url, "https://wx.tenpay.com/h5");
  EXPECT_EQ(in->expires_at, Timestamp(std::chrono::seconds(1795257000)));
  p.clear_expires_at();
  EXPECT_FALSE(FromProto(p)->expires_at.has_value());
}

}  // namespace
}  // namespace paymesh::order
