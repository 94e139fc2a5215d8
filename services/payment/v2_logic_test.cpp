// PaymentLogic::CheckV2 through HandleNotification: APIv2 XML payment notifications.

#include <gtest/gtest.h>

#include <string>

#include "common/time/testing/fake_clock.h"
#include "common/wechatpay/v2.h"
#include "services/payment/logic.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/testing/fake_wechat_api.h"

namespace paymesh::payment {
namespace {

constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wxd678efh567hg6787";
constexpr char kV2Key[] = "192006250b4c09247ec02edce69f6a2d";
constexpr char kOutTradeNo[] = "PM20260101000001abc";

class V2NotificationTest : public ::testing::Test {
 protected:
  explicit V2NotificationTest(std::string v2_key = kV2Key)
      : logic_(PaymentSettings{.appid = kAppid,
                               .miniprogram_appid = "",
                               .mchid = kMchid,
                               .notify_url = "https://pay.example.com/wechat/notify/pay",
                               .apiv3_key = "0123456789abcdef0123456789abcdef",
                               .v2_key = std::move(v2_key)},
               orders_, wechat_, verifier_, clock_) {
    Order o;
    o.id = "order-1";
    o.user_id = "user-1";
    o.out_trade_no = kOutTradeNo;
    o.state = OrderState::kPaying;
    o.total_fen = 101;
    o.currency = "CNY";
    orders_.PutOrder(o);
  }

  // WeChat's v2 payment notification for the order, signed with `type`.
  static wechatpay::V2Fields Paid(wechatpay::V2SignType type = wechatpay::V2SignType::kMd5) {
    wechatpay::V2Fields f = {{"return_code", "SUCCESS"},
                             {"result_code", "SUCCESS"},
                             {"appid", kAppid},
                             {"mch_id", kMchid},
                             {"nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"},
                             {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                             {"is_subscribe", "Y"},
                             {"trade_type", "NATIVE"},
                             {"bank_type", "CMC"},
                             {"total_fee", "101"},
                             {"cash_fee", "101"},
                             {"fee_type", "CNY"},
                             {"transaction_id", "4200000000202601010000000001"},
                             {"out_trade_no", kOutTradeNo},
                             {"time_end", "20260101080100"}};
    if (type == wechatpay::V2SignType::kHmacSha256) f["sign_type"] = "HMAC-SHA256";
    f["sign"] = wechatpay::SignV2(f, kV2Key, type);
    return f;
  }

  NotificationAnswer Handle(const std::string& body) {
    NotificationAnswer answer;
    logic_.HandleNotification(kRouteV2Pay, {}, body, "req-1",
                              [&answer](NotificationAnswer a) { answer = std::move(a); });
    return answer;
  }

  time::testing::FakeClock clock_{Timestamp(std::chrono::seconds(1767225600))};
  testing::FakeOrderApi orders_;
  testing::FakeWechatPayApi wechat_;
  wechatpay::Verifier verifier_;
  PaymentLogic logic_;
};

TEST_F(V2NotificationTest, AVerifiedNotificationPaysTheOrderOnce) {
  for (auto type : {wechatpay::V2SignType::kMd5, wechatpay::V2SignType::kHmacSha256}) {
    NotificationAnswer a = Handle(wechatpay::SerializeV2Xml(Paid(type)));
    EXPECT_EQ(a.verdict, Verdict::kAck);
  }
  ASSERT_EQ(orders_.apply_calls().size(), 2u);
  const ApplyPaymentInput in = orders_.apply_calls()[0];
  EXPECT_EQ(in.notification_id, "v2:4200000000202601010000000001");
  EXPECT_EQ(in.source, ReportSource::kNotification);
  EXPECT_EQ(in.transaction.trade_state, "SUCCESS");
  EXPECT_EQ(in.transaction.amount_total, 101);
  EXPECT_EQ(in.transaction.success_time, "2026-01-01T08:01:00+08:00");
  EXPECT_EQ(in.transaction.mchid, kMchid);
  EXPECT_EQ(orders_.GetOrder("order-1")->state, OrderState::kPaid);
  EXPECT_EQ(orders_.apply_calls()[1].notification_id, in.notification_id)
      << "a repeat is the same notification: order answers DUPLICATE";
}

TEST_F(V2NotificationTest, RefusedNotificationsChangeNothing) {
  wechatpay::V2Fields tampered = Paid();
  tampered["total_fee"] = "1";
  wechatpay::V2Fields unsigned_ = Paid();
  unsigned_.erase("sign");
  wechatpay::V2Fields other_merchant = Paid();
  other_merchant["mch_id"] = "1900000999";
  other_merchant["sign"] = wechatpay::SignV2(other_merchant, kV2Key, wechatpay::V2SignType::kMd5);
  wechatpay::V2Fields bad_amount = Paid();
  bad_amount["total_fee"] = "1e3";
  bad_amount["sign"] = wechatpay::SignV2(bad_amount, kV2Key, wechatpay::V2SignType::kMd5);

  struct Case {
    std::string body;
    RejectReason reason;
  };
  const std::string xml = wechatpay::SerializeV2Xml(Paid());
  for (const Case& c : {
           Case{wechatpay::SerializeV2Xml(tampered), RejectReason::kUnverified},
           Case{wechatpay::SerializeV2Xml(unsigned_), RejectReason::kUnverified},
           Case{wechatpay::SerializeV2Xml(other_merchant), RejectReason::kMalformed},
           Case{wechatpay::SerializeV2Xml(bad_amount), RejectReason::kMalformed},
           Case{"<!DOCTYPE x [<!ENTITY e \"e\">]>" + xml, RejectReason::kMalformed},
           Case{"not xml", RejectReason::kMalformed},
       }) {
    NotificationAnswer a = Handle(c.body);
    EXPECT_EQ(a.verdict, Verdict::kReject) << c.body;
    EXPECT_EQ(a.reject_reason, c.reason) << c.body;
  }
  EXPECT_TRUE(orders_.apply_calls().empty());
  EXPECT_EQ(orders_.GetOrder("order-1")->state, OrderState::kPaying);
}

TEST_F(V2NotificationTest, AFailedPaymentIsRecordedNotApplied) {
  wechatpay::V2Fields failed = Paid();
  failed["result_code"] = "FAIL";
  failed.erase("transaction_id");
  failed["sign"] = wechatpay::SignV2(failed, kV2Key, wechatpay::V2SignType::kMd5);
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(failed)).verdict, Verdict::kAck);
  ASSERT_EQ(orders_.apply_calls().size(), 1u);
  EXPECT_EQ(orders_.apply_calls()[0].transaction.trade_state, "PAYERROR");
  EXPECT_EQ(orders_.GetOrder("order-1")->state, OrderState::kPaying);
}

class V2NotConfiguredTest : public V2NotificationTest {
 protected:
  V2NotConfiguredTest() : V2NotificationTest("") {}
};

TEST_F(V2NotConfiguredTest, WithoutTheKeyWechatIsAskedToRetry) {
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(Paid())).verdict, Verdict::kRetry);
  EXPECT_TRUE(orders_.apply_calls().empty());
}

// §9.6: a v2 refund notification carries no sign; req_info, sealed with the MD5 of the v2 key,
// is its proof. It applies through the same refund path on either v2 route.
wechatpay::V2Fields RefundNotification(const std::string& status, const std::string& key = kV2Key,
                                       const std::string& mchid = kMchid) {
  const wechatpay::V2Fields info = {{"transaction_id", "4200000000202601010000000001"},
                                    {"out_trade_no", kOutTradeNo},
                                    {"refund_id", "50000000382019052709732678859"},
                                    {"out_refund_no", "RF-1"},
                                    {"total_fee", "101"},
                                    {"refund_fee", "40"},
                                    {"settlement_refund_fee", "40"},
                                    {"refund_status", status},
                                    {"success_time", "2026-01-01 09:46:01"},
                                    {"refund_recv_accout", "支付用户零钱"},
                                    {"refund_account", "REFUND_SOURCE_RECHARGE_FUNDS"},
                                    {"refund_request_source", "API"}};
  return {{"return_code", "SUCCESS"},
          {"appid", kAppid},
          {"mch_id", mchid},
          {"nonce_str", "TeqClE3i0mvn3DrK"},
          {"req_info", *wechatpay::EncryptV2RefundInfo(info, key)}};
}

TEST_F(V2NotificationTest, ARefundNotificationAppliesThroughTheRefundPath) {
  for (const char* route : {kRouteV2Refund, kRouteV2Pay}) {
    NotificationAnswer answer;
    logic_.HandleNotification(route, {}, wechatpay::SerializeV2Xml(RefundNotification("SUCCESS")),
                              "req-1", [&answer](NotificationAnswer a) { answer = std::move(a); });
    EXPECT_EQ(answer.verdict, Verdict::kAck) << route << " " << answer.fail_message;
    EXPECT_EQ(answer.event_type, "REFUND.SUCCESS");
  }
  ASSERT_EQ(orders_.refund_reports().size(), 2u);
  const RefundReportInput r = orders_.refund_reports()[0];
  EXPECT_EQ(r.out_trade_no, kOutTradeNo);
  EXPECT_EQ(r.out_refund_no, "RF-1");
  EXPECT_EQ(r.refund_id, "50000000382019052709732678859");
  EXPECT_EQ(r.status, RefundStatus::kSuccess);
  EXPECT_EQ(r.amount_fen, 40);
  EXPECT_TRUE(r.known_refund_only) << "ECB proves nothing: only for refunds order has";
  EXPECT_EQ(orders_.GetOrder("order-1")->state, OrderState::kPartiallyRefunded);
}

TEST_F(V2NotificationTest, RefundStatusesMapAndForgeriesAreRefused) {
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(RefundNotification("CHANGE"))).event_type,
            "REFUND.ABNORMAL");
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(RefundNotification("REFUNDCLOSE"))).event_type,
            "REFUND.CLOSED");
  ASSERT_EQ(orders_.refund_reports().size(), 2u);
  EXPECT_EQ(orders_.refund_reports()[0].status, RefundStatus::kAbnormal);
  EXPECT_EQ(orders_.refund_reports()[1].status, RefundStatus::kClosed);

  const NotificationAnswer forged = Handle(
      wechatpay::SerializeV2Xml(RefundNotification("SUCCESS", "ffffffffffffffffffffffffffffffff")));
  EXPECT_EQ(forged.verdict, Verdict::kReject);
  EXPECT_EQ(forged.reject_reason, RejectReason::kUnverified);
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(RefundNotification("SUCCESS", kV2Key, "1230000109")))
                .verdict,
            Verdict::kReject);
  // Sealed with our key but a status we do not know: ours to fix, WeChat keeps it.
  EXPECT_EQ(Handle(wechatpay::SerializeV2Xml(RefundNotification("PENDING"))).verdict,
            Verdict::kRetry);
  EXPECT_EQ(orders_.refund_reports().size(), 2u);
  EXPECT_EQ(orders_.GetOrder("order-1")->state, OrderState::kPaying);
}

}  // namespace
}  // namespace paymesh::payment
