#include "common/wechatpay/notification.h"

#include <gtest/gtest.h>

namespace paymesh::wechatpay {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

// The shape of a real notification (field order as WeChat sent it), with the resource replaced
// by the AES-256-GCM known answer for {"hello":"world"}.
constexpr char kEnvelope[] =
    R"({"id":"988bc17f-f0e4-50cd-a5b3-d5d18689d227","event_type":"TRANSACTION.SUCCESS",)"
    R"("summary":"支付成功","resource_type":"encrypt-resource","resource":{"algorithm":)"
    R"("AEAD_AES_256_GCM","original_type":"transaction","associated_data":"transaction",)"
    R"("nonce":"abcdefghijkl","ciphertext":"Eu6h2qeJAvFZPoV+ePU8HSGDKoAzn2RK8B2xiAK49DyA"},)"
    R"("create_time":"2023-02-12T01:20:49+08:00"})";

TEST(NotificationTest, ParsesAndDecryptsRealShape) {
  auto e = ParseEnvelope(kEnvelope);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id, "988bc17f-f0e4-50cd-a5b3-d5d18689d227");
  EXPECT_EQ(e->event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(e->resource.nonce, "abcdefghijkl");
  auto plain = DecryptResource(e->resource, kKey);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, R"({"hello":"world"})");
  EXPECT_EQ(DecryptResource(e->resource, "0123456789abcdef0123456789abcdeX").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(DecryptResource(e->resource, "short").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NotificationTest, RejectsMalformedEnvelopes) {
  for (
      const char* bad : {
          "",
          "[]",
          "not json",
          R"({"id":"x"})",
          R"({"id":1,"create_time":"t","event_type":"e","resource_type":"r","resource":{}})",
          R"({"id":"x","create_time":"t","event_type":"e","resource_type":"r","resource":"s"})",
          R"({"id":"x","create_time":"t","event_type":"e","resource_type":"r","resource":)"
          R"({"algorithm":"AEAD_AES_256_GCM","ciphertext":"abc","original_type":"transaction"}})",
          R"({"id":"0123456789012345678901234567890123456","create_time":"t","event_type":"e",)"
          R"("resource_type":"r","resource":{"algorithm":"A","ciphertext":"c","original_type":"t",)"
          R"("nonce":"n"}})",
      }) {
    EXPECT_EQ(ParseEnvelope(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NotificationTest, RejectsUnsupportedAlgorithm) {
  Resource r{"AEAD_SM4_GCM", "Eu6h2qeJAvFZPoV+ePU8HSGDKoAzn2RK8B2xiAK49DyA", "transaction",
             "transaction", "abcdefghijkl"};
  EXPECT_EQ(DecryptResource(r, kKey).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NotificationTest, EncryptThenSerializeThenParseRoundTrips) {
  Transaction t;
  t.appid = "wxd678efh567hg6787";
  t.mchid = "1230000109";
  t.out_trade_no = "PM20261121000000abcdefABCDEF";
  t.transaction_id = "4200000000202611210000000001";
  t.trade_type = "NATIVE";
  t.trade_state = "SUCCESS";
  t.trade_state_desc = "支付成功";
  t.bank_type = "OTHERS";
  t.success_time = "2026-11-21T10:00:00+08:00";
  t.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  t.amount_total = 17600;
  t.amount_payer_total = 17600;
  std::string json = SerializeTransaction(t);

  auto r = EncryptResource(json, kKey, "transaction", "transaction");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->nonce.size(), 12u);
  Envelope e{
      "EV-1", "2026-11-21T10:00:00+08:00", "TRANSACTION.SUCCESS", "encrypt-resource", "支付成功",
      *r};
  auto parsed = ParseEnvelope(SerializeEnvelope(e));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto plain = DecryptResource(parsed->resource, kKey);
  ASSERT_TRUE(plain.ok());
  auto back = ParseTransaction(*plain);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->out_trade_no, t.out_trade_no);
  EXPECT_EQ(back->transaction_id, t.transaction_id);
  EXPECT_EQ(back->amount_total, 17600);
  EXPECT_EQ(back->amount_payer_total, 17600);
  EXPECT_EQ(back->currency, "CNY");
  EXPECT_EQ(back->payer_openid, t.payer_openid);
  EXPECT_EQ(back->trade_state_desc, "支付成功");
}

TEST(NotificationTest, TransactionValidation) {
  EXPECT_TRUE(
      ParseTransaction(
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"NOTPAY","amount":{"total":100}})")
          .ok());
  for (
      const char* bad : {
          R"({"out_trade_no":"PM1234","trade_state":"NOTPAY"})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"SUCCESS","amount":{"total":100}})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"SUCCESS","transaction_id":"4"})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"SUCCESS","transaction_id":"4","amount":{"total":"100"}})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"SUCCESS","transaction_id":"4","amount":{"total":-1}})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"SUCCESS","transaction_id":"4","amount":{"total":1.5}})",
          R"({"mchid":"1","out_trade_no":"012345678901234567890123456789012","trade_state":"NOTPAY"})",
          R"({"mchid":"1","out_trade_no":"PM1234","trade_state":"NOTPAY","payer":"x"})",
      }) {
    EXPECT_EQ(ParseTransaction(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RefundResourceTest, ReadsTheDocumentedPayload) {
  // docs/wechat-protocols.md §5.3.
  auto r = ParseRefundResource(
      R"({"mchid":"1900000100","transaction_id":"1008450740201411110005820873",)"
      R"("out_trade_no":"20150806125346","refund_id":"50200207182018070300011301001",)"
      R"("out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS",)"
      R"("success_time":"2018-06-08T10:34:56+08:00","user_received_account":"招商银行信用卡0403",)"
      R"("amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->mchid, "1900000100");
  EXPECT_EQ(r->out_refund_no, "7752501201407033233368018");
  EXPECT_EQ(r->refund_id, "50200207182018070300011301001");
  EXPECT_EQ(r->refund_status, "SUCCESS");
  EXPECT_EQ(r->amount_refund, 999);
  EXPECT_EQ(r->amount_total, 999);
  auto again = ParseRefundResource(SerializeRefundResource(*r));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->out_refund_no, r->out_refund_no);

  for (const char* bad : {R"({"mchid":"1","out_trade_no":"a","out_refund_no":"b",)"
                          R"("refund_id":"c","refund_status":"SUCCESS"})",
                          R"({"mchid":"1","out_trade_no":"a","out_refund_no":"b",)"
                          R"("refund_id":"c","amount":{"refund":1}})",
                          "[]"}) {
    EXPECT_EQ(ParseRefundResource(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace paymesh::wechatpay
