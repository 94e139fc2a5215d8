// POST /wechat/notify/pay with hand-made notifications, signed (or not) with the simulator's
// platform key: what cannot be verified is 401, what is verified but malformed is 400, both with
// WeChat's {"code":"FAIL"} body; a verified payment for an order we do not know is acknowledged
// and kept in order's inbox rather than lost.

#include <ctime>
#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/crypto.h"
#include "common/crypto/rsa.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"
#include "tests/e2e/payment_util.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

using Inbox = std::vector<std::pair<std::string, std::string>>;

std::string Rfc3339Beijing(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S+08:00", t, absl::FixedTimeZone(8 * 3600));
}

class PaymentNotifyTest : public PaymentTest {
 protected:
  const testing::WechatPayMerchant& merchant() { return stack().wechat(); }

  // A TRANSACTION.SUCCESS envelope as WeChat sends it, the transaction encrypted under the
  // APIv3 key.
  std::string Envelope(const std::string& id, const std::string& out_trade_no,
                       const std::string& mchid, int64_t amount_fen = 100) {
    wechatpay::Transaction t;
    t.appid = merchant().appid;
    t.mchid = mchid;
    t.out_trade_no = out_trade_no;
    t.transaction_id = "4200" + crypto::HexUpper(crypto::RandomBytes(6)) + "0000000000000000";
    t.trade_type = "NATIVE";
    t.trade_state = "SUCCESS";
    t.trade_state_desc = "支付成功";
    t.bank_type = "OTHERS";
    t.success_time = Rfc3339Beijing(absl::Now());
    t.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    t.amount_total = amount_fen;
    t.amount_payer_total = amount_fen;
    t.currency = "CNY";
    t.payer_currency = "CNY";
    absl::StatusOr<wechatpay::Resource> resource = wechatpay::EncryptResource(
        wechatpay::SerializeTransaction(t), merchant().apiv3_key, "transaction", "transaction");
    EXPECT_TRUE(resource.ok()) << resource.status();
    if (!resource.ok()) return "";
    wechatpay::Envelope e;
    e.id = id;
    e.create_time = Rfc3339Beijing(absl::Now());
    e.event_type = "TRANSACTION.SUCCESS";
    e.resource_type = "encrypt-resource";
    e.summary = "支付成功";
    e.resource = *resource;
    return wechatpay::SerializeEnvelope(e);
  }
  std::string Envelope(const std::string& id, const std::string& out_trade_no) {
    return Envelope(id, out_trade_no, merchant().mchid);
  }

  // Wechatpay-* headers for `body` signed with `key` at `timestamp` (now by default).
  HttpHeaders Signed(const std::string& body, const crypto::RsaPrivateKey& key,
                     int64_t timestamp = std::time(nullptr)) {
    const wechatpay::SignatureHeaders h = wechatpay::SignResponse(
        key, merchant().platform_key_id, body, timestamp, wechatpay::NewNonce());
    return {{"Content-Type", "application/json"},
            {"Wechatpay-Timestamp", h.timestamp},
            {"Wechatpay-Nonce", h.nonce},
            {"Wechatpay-Signature", h.signature},
            {"Wechatpay-Serial", h.serial},
            {"Wechatpay-Signature-Type", h.signature_type},
            {"Request-ID", "08F1" + crypto::HexUpper(crypto::RandomBytes(12))}};
  }
  HttpHeaders Signed(const std::string& body) { return Signed(body, merchant().platform_key); }

  HttpResponse Notify(const std::string& body, const HttpHeaders& headers) {
    return testing::Send(stack().host(), stack().gateway_port(), "POST", "/wechat/notify/pay",
                         headers, body);
  }

  // A REFUND.* envelope: a refund WeChat made of `order` (e.g. in the merchant portal).
  std::string RefundEnvelope(const json::value& order, const std::string& out_refund_no,
                             const std::string& status, int64_t fen) {
    wechatpay::RefundResource r;
    r.mchid = merchant().mchid;
    r.out_trade_no = OutTradeNo(order);
    r.out_refund_no = out_refund_no;
    r.refund_id = "5030" + crypto::HexUpper(crypto::RandomBytes(8));
    r.refund_status = status;
    r.amount_total = TotalFen(order);
    r.amount_refund = fen;
    absl::StatusOr<wechatpay::Resource> resource = wechatpay::EncryptResource(
        wechatpay::SerializeRefundResource(r), merchant().apiv3_key, "refund", "refund");
    EXPECT_TRUE(resource.ok()) << resource.status();
    if (!resource.ok()) return "";
    wechatpay::Envelope e{testing::UniqueName("e2e-refund-"),
                          Rfc3339Beijing(absl::Now()),
                          "REFUND." + status,
                          "encrypt-resource",
                          "退款成功",
                          *resource};
    return wechatpay::SerializeEnvelope(e);
  }

  // A paid order (notified by the simulator).
  json::value PaidOrder() {
    const json::value order = CreateOrder();
    EXPECT_TRUE(PayNative(OrderId(order)).is_object());
    EXPECT_EQ(sim().Pay(OutTradeNo(order)).status, 200);
    return WaitForState(OrderId(order), "PAID");
  }
};

std::string NewNotificationId() { return testing::UniqueName("e2e-notify-"); }
std::string NewOutTradeNo() { return testing::UniqueName("E2EUNKNOWN"); }

void Replace(HttpHeaders& headers, const std::string& name, const std::string& value) {
  for (auto& [k, v] : headers) {
    if (k == name) v = value;
  }
}

// WeChat's failure answer: `status` with {"code":"FAIL","message":<non-empty>}.
::testing::AssertionResult IsFail(const HttpResponse& r, int status) {
  if (r.status != status) {
    return ::testing::AssertionFailure() << "expected HTTP " << status << ", got " << r;
  }
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || Str(v, {"code"}) != "FAIL" || Str(v, {"message"}).empty()) {
    return ::testing::AssertionFailure() << "not {\"code\":\"FAIL\",\"message\":…}: " << r;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(PaymentNotifyTest, WhatDoesNotVerifyIs401AndChangesNothing) {
  const std::string out_trade_no = NewOutTradeNo();
  const std::string body = Envelope(NewNotificationId(), out_trade_no);
  ASSERT_FALSE(body.empty());

  // Signed with a key that is not WeChat's.
  EXPECT_TRUE(IsFail(Notify(body, Signed(body, crypto::RsaPrivateKey::Generate())), 401));
  // WeChat's signature, but over other bytes.
  HttpHeaders headers = Signed(body);
  EXPECT_TRUE(IsFail(Notify(body + " ", headers), 401));
  // A signature probe.
  Replace(headers, "Wechatpay-Signature", "WECHATPAY/SIGNTEST/" + crypto::RandomAlnum(64));
  EXPECT_TRUE(IsFail(Notify(body, headers), 401));
  // A probe under a serial nobody holds: refused like any probe, before any key is looked up,
  // and no error logged for it (anyone can send one).
  const auto errors = [&] {
    const std::string log = stack().LogTail(Service::kPayment, 100000);
    size_t n = 0;
    for (size_t at = log.find("\"level\":\"error\""); at != std::string::npos;
         at = log.find("\"level\":\"error\"", at + 1)) {
      ++n;
    }
    return n;
  };
  const size_t errors_before = errors();
  Replace(headers, "Wechatpay-Serial", "PUB_KEY_ID_0199999999999999999999999999");
  EXPECT_TRUE(IsFail(Notify(body, headers), 401));
  EXPECT_EQ(errors(), errors_before) << stack().LogTail(Service::kPayment, 5);
  // An unknown key id may be WeChat rotating keys: answered 503 so WeChat retries, not applied.
  headers = Signed(body);
  Replace(headers, "Wechatpay-Serial", "PUB_KEY_ID_0100000000000000000000000000");
  EXPECT_TRUE(IsFail(Notify(body, headers), 503));
  // Signed correctly, ten minutes ago.
  EXPECT_TRUE(
      IsFail(Notify(body, Signed(body, merchant().platform_key, std::time(nullptr) - 600)), 401));
  // No signature at all.
  EXPECT_TRUE(IsFail(Notify(body, {{"Content-Type", "application/json"}}), 401));

  EXPECT_TRUE(InboxRows(stack(), out_trade_no).empty());
}

TEST_F(PaymentNotifyTest, VerifiedButMalformedIs400) {
  for (const std::string& body : {std::string(R"({"id":"abc","event_type":)"), std::string("[]"),
                                  std::string(R"({"id":"only-an-id"})")}) {
    EXPECT_TRUE(IsFail(Notify(body, Signed(body)), 400)) << body;
  }
  // Well-formed and verified, but for another merchant.
  const std::string out_trade_no = NewOutTradeNo();
  const std::string body = Envelope(NewNotificationId(), out_trade_no, "1900000999");
  EXPECT_TRUE(IsFail(Notify(body, Signed(body)), 400));
  EXPECT_TRUE(InboxRows(stack(), out_trade_no).empty());
}

TEST_F(PaymentNotifyTest, VerifiedPaymentForAnUnknownOrderIsAcknowledgedAndKept) {
  const std::string id = NewNotificationId();
  const std::string out_trade_no = NewOutTradeNo();
  const std::string body = Envelope(id, out_trade_no);
  ASSERT_FALSE(body.empty());

  HttpResponse r = Notify(body, Signed(body));
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_TRUE(r.body.empty()) << r;
  EXPECT_EQ(InboxRows(stack(), out_trade_no), (Inbox{{id, "UNKNOWN_ORDER"}}));

  // WeChat delivers it again: acknowledged again, still one row.
  r = Notify(body, Signed(body));
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(InboxRows(stack(), out_trade_no), (Inbox{{id, "UNKNOWN_ORDER"}}));
}

// A second, different transaction for a paid order (the user paid twice): acknowledged and kept
// with its own outcome, the order flagged for a refund, never counted as APPLIED.
TEST_F(PaymentNotifyTest, ASecondTransactionForAPaidOrderHasItsOwnOutcome) {
  const boost::json::value order = CreateOrder();
  ASSERT_TRUE(PayNative(OrderId(order)).is_object());
  ASSERT_EQ(sim().Pay(OutTradeNo(order)).status, 200);
  ASSERT_EQ(Str(WaitForState(OrderId(order), "PAID"), {"state"}), "PAID");

  const std::string id = NewNotificationId();
  const std::string body = Envelope(id, OutTradeNo(order), merchant().mchid, TotalFen(order));
  HttpResponse r = Notify(body, Signed(body));
  EXPECT_EQ(r.status, 204) << r;
  bool found = false;
  for (const auto& [notification_id, outcome] : InboxRows(stack(), OutTradeNo(order))) {
    if (notification_id == id) {
      found = true;
      EXPECT_EQ(outcome, "DUPLICATE_PAYMENT");
    }
  }
  EXPECT_TRUE(found);
  const boost::json::value after = GetOrder(OrderId(order));
  EXPECT_EQ(Str(after, {"state"}), "PAID");
  EXPECT_TRUE(after.at("flagged").as_bool()) << after;
  EXPECT_EQ(CountEvents(stack(), OrderId(order), "duplicate_payment"), 1);
}

TEST_F(PaymentNotifyTest, ARefundMadeInTheMerchantPortalIsRecordedOnce) {
  const json::value order = PaidOrder();
  ASSERT_EQ(Str(order, {"state"}), "PAID") << order;
  const std::string id = OrderId(order);
  const std::string body =
      RefundEnvelope(order, "portal-" + id.substr(0, 8), "SUCCESS", TotalFen(order));
  for (int i = 0; i < 3; ++i) {  // WeChat repeating it
    HttpResponse r = testing::Send(stack().host(), stack().gateway_port(), "POST",
                                   "/wechat/notify/refund", Signed(body), body);
    EXPECT_EQ(r.status, 204) << r;
  }
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "REFUNDED");
  EXPECT_EQ(CountEvents(stack(), id, "refunded"), 1);

  // ABNORMAL: recorded, and the order flagged for a person.
  const json::value other = PaidOrder();
  const std::string abnormal = RefundEnvelope(other, "portal-x", "ABNORMAL", 1);
  EXPECT_EQ(Notify(abnormal, Signed(abnormal)).status, 204);
  const json::value flagged = GetOrder(OrderId(other));
  EXPECT_EQ(Str(flagged, {"state"}), "PAID");
  EXPECT_TRUE(flagged.at("flagged").as_bool()) << flagged;
  EXPECT_EQ(CountEvents(stack(), OrderId(other), "refund_abnormal"), 1);

  // A refund of an order paymesh does not know (another system on the merchant account): kept
  // for a person and acknowledged, never refused until WeChat gives up.
  const json::value stranger =
      json::object{{"out_trade_no", "PMnotours0000000001"}, {"total_fen", 500}};
  const std::string foreign =
      RefundEnvelope(stranger, "portal-foreign-" + id.substr(0, 8), "SUCCESS", 500);
  EXPECT_EQ(Notify(foreign, Signed(foreign)).status, 204);
  EXPECT_EQ(Notify(foreign, Signed(foreign)).status, 204);
  pqxx::connection c(paymesh::testing::PgDsn());
  pqxx::read_transaction tx(c);
  tx.exec0("SET LOCAL search_path TO " + tx.quote_name(stack().OrderSchema()));
  const pqxx::row kept = tx.exec_params1(
      "SELECT out_trade_no, status, amount_fen, reports FROM unmatched_refund_reports "
      "WHERE out_refund_no = $1",
      "portal-foreign-" + id.substr(0, 8));
  EXPECT_EQ(kept[0].as<std::string>(), "PMnotours0000000001");
  EXPECT_EQ(kept[1].as<std::string>(), "SUCCESS");
  EXPECT_EQ(kept[2].as<int64_t>(), 500);
  EXPECT_EQ(kept[3].as<int>(), 2);
}

}  // namespace
}  // namespace paymesh::e2e
