#include "tools/wechat-sim/envelope.h"

#include <gtest/gtest.h>

#include "common/wechatpay/v2.h"

namespace paymesh::wechatsim {
namespace {

constexpr char kV2Key[] = "Xk2Q9vLm4Tz8Rb1Wn6Yc3Hd7Jf5Gp0Sa";

Order Paid() {
  Order o;
  o.request.appid = "wxd678efh567hg6787";
  o.request.mchid = "1900000109";
  o.request.out_trade_no = "PM20260101000001abc";
  o.request.trade_type = "NATIVE";
  o.request.currency = "CNY";
  o.request.amount_total = 2590;
  o.state = TradeState::kSuccess;
  o.transaction_id = "4200000000202601010000000001";
  o.success_time = "2026-01-01T08:01:02+08:00";
  o.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  o.paid_total = 2590;
  return o;
}

TEST(V2NotificationTest, SignedXmlOfThePayment) {
  for (auto type : {wechatpay::V2SignType::kMd5, wechatpay::V2SignType::kHmacSha256}) {
    absl::StatusOr<wechatpay::V2Fields> f =
        wechatpay::ParseV2Xml(BuildV2Notification(Paid(), kV2Key, type));
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_TRUE(wechatpay::VerifyV2(*f, kV2Key).ok());
    EXPECT_FALSE(wechatpay::VerifyV2(*f, "another key that is 32 bytes long").ok());
    EXPECT_EQ(f->at("return_code"), "SUCCESS");
    EXPECT_EQ(f->at("result_code"), "SUCCESS");
    EXPECT_EQ(f->at("mch_id"), "1900000109");
    EXPECT_EQ(f->at("out_trade_no"), "PM20260101000001abc");
    EXPECT_EQ(f->at("transaction_id"), "4200000000202601010000000001");
    EXPECT_EQ(f->at("total_fee"), "2590");
    EXPECT_EQ(f->at("time_end"), "20260101080102");
    EXPECT_EQ(f->at("sign").size(), type == wechatpay::V2SignType::kMd5 ? 32u : 64u);
    EXPECT_EQ(f->count("sign_type"), type == wechatpay::V2SignType::kMd5 ? 0u : 1u);
  }
}

}  // namespace
}  // namespace paymesh::wechatsim
