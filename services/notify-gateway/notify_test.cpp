// /wechat/notify/{pay,refund} against FakeUpstreams: the raw body and the Wechatpay-* headers
// reach payment untouched, and WeChat gets 204 or a FAIL body with the status that makes it stop
// or retry.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/metrics/metrics.h"
#include "common/wechatpay/v2.h"
#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::Body;
using testing::HeaderOf;
using testing::Headers;

// Unusual spacing, a tab, CRLF, escaped and raw unicode, key order as WeChat might send it.
const std::string kBody =
    "{ \"id\" :\"EV-2018022511223320873\",\r\n\t\"create_time\":\"2015-05-20T13:29:35+08:00\" ,"
    "\"event_type\":\"TRANSACTION.SUCCESS\",\"summary\":\"支付成功\\u00e9\","
    "\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"a+/=\","
    "\"nonce\":\"pJzPEVj3TKtN\"}}  \n";

Headers WechatHeaders() {
  return {{"Wechatpay-Timestamp", "1795255200"},
          {"WECHATPAY-NONCE", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"},
          {"wechatpay-signature", "c2lnbmF0dXJl+/=="},
          {"Wechatpay-Serial", "PUB_KEY_ID_0114232134912410000000000000"},
          {"Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"},
          {"Request-ID", "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0"},
          // Not for payment:
          {"Content-Type", "application/json"},
          {"User-Agent", "Mozilla/4.0"},
          {"Authorization", "Bearer garbage"},
          {"X-Forwarded-For", "1.2.3.4"}};
}

class NotifyTest : public testing::GatewayHarness {
 protected:
  http::Response Notify(std::string path = "/wechat/notify/pay", std::string body = kBody) {
    return Call("POST", std::move(path), std::move(body), WechatHeaders());
  }

  static double Counted(const std::string& route, const std::string& result) {
    return metrics::Registry::Default()
        .AddCounter("gateway_wechat_notify_total", "", {"route", "result"})
        .Value({route, result});
  }
};

TEST_F(NotifyTest, ForwardsTheExactBodyAndTheWechatHeaders) {
  payment::v1::HandleNotificationResponse out;
  out.set_verdict(payment::v1::VERDICT_ACK);
  out.set_outcome(order::v1::PAYMENT_OUTCOME_APPLIED);
  out.set_event_type("TRANSACTION.SUCCESS");
  fake_.notification_result = out;
  http::Response res = Notify();
  EXPECT_EQ(res.status, 204);
  ASSERT_EQ(fake_.notification_calls.size(), 1u);
  const auto& sent = fake_.notification_calls[0];
  EXPECT_EQ(sent.route(), "pay");
  EXPECT_EQ(sent.body(), kBody);  // byte for byte
  const std::map<std::string, std::string> headers(sent.headers().begin(), sent.headers().end());
  const std::map<std::string, std::string> expected = {
      {"wechatpay-timestamp", "1795255200"},
      {"wechatpay-nonce", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"},
      {"wechatpay-signature", "c2lnbmF0dXJl+/=="},
      {"wechatpay-serial", "PUB_KEY_ID_0114232134912410000000000000"},
      {"wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"},
      {"request-id", "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0"}};
  EXPECT_EQ(headers, expected);
  EXPECT_EQ(fake_.request_ids, std::vector<std::string>{"rid-test"});
}

TEST_F(NotifyTest, NeedsNoTokenAndIgnoresAuthorization) {
  EXPECT_EQ(Call("POST", "/wechat/notify/pay", kBody).status, 204);
  EXPECT_EQ(Notify().status, 204);  // carries a garbled Authorization header
  EXPECT_TRUE(fake_.verify_calls.empty());
  EXPECT_EQ(fake_.notification_calls.size(), 2u);
  EXPECT_TRUE(fake_.notification_calls[0].headers().empty());
}

TEST_F(NotifyTest, EitherPathIsPassedAsTheRoute) {
  Notify("/wechat/notify/refund");
  Notify("/wechat/notify/pay");
  ASSERT_EQ(fake_.notification_calls.size(), 2u);
  EXPECT_EQ(fake_.notification_calls[0].route(), "refund");
  EXPECT_EQ(fake_.notification_calls[1].route(), "pay");
}

TEST_F(NotifyTest, FirstOccurrenceOfARepeatedHeaderWins) {
  Call("POST", "/wechat/notify/pay", kBody,
       {{"Wechatpay-Nonce", "first"}, {"wechatpay-nonce", "second"}});
  ASSERT_EQ(fake_.notification_calls.size(), 1u);
  EXPECT_EQ(fake_.notification_calls[0].headers().at("wechatpay-nonce"), "first");
}

TEST_F(NotifyTest, HeaderThatIsNotUtf8Is400AndNotForwarded) {
  const double before = Counted("pay", "rejected");
  http::Response res = Call("POST", "/wechat/notify/pay", kBody,
                            {{"Wechatpay-Nonce", "abc\xFF"}, {"Wechatpay-Serial", "S"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("\"code\":\"FAIL\""), std::string::npos) << res.body;
  EXPECT_TRUE(fake_.notification_calls.empty());
  EXPECT_EQ(Counted("pay", "rejected"), before + 1);
}

TEST_F(NotifyTest, SuccessIs204WithoutBody) {
  payment::v1::HandleNotificationResponse duplicate;
  duplicate.set_verdict(payment::v1::VERDICT_ACK);
  duplicate.set_outcome(order::v1::PAYMENT_OUTCOME_DUPLICATE);
  fake_.notification_result = duplicate;
  const double before = Counted("pay", "ok");
  http::Response res = Notify();
  EXPECT_EQ(res.status, 204);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "");
  EXPECT_EQ(Counted("pay", "ok"), before + 1);
}

payment::v1::HandleNotificationResponse Verdict(payment::v1::Verdict verdict,
                                                payment::v1::RejectReason reason,
                                                std::string message) {
  payment::v1::HandleNotificationResponse out;
  out.set_verdict(verdict);
  out.set_reject_reason(reason);
  out.set_fail_message(std::move(message));
  out.set_event_type("TRANSACTION.SUCCESS");
  return out;
}

// The gateway renders payment's verdict and nothing else: every verdict, and a call that failed.
TEST_F(NotifyTest, EveryVerdictBecomesTheAnswerThatStopsOrRetriesWechat) {
  using payment::v1::REJECT_REASON_MALFORMED;
  using payment::v1::REJECT_REASON_UNSPECIFIED;
  using payment::v1::REJECT_REASON_UNVERIFIED;
  struct Case {
    absl::StatusOr<payment::v1::HandleNotificationResponse> answer;
    int http;
    const char* message;
    const char* result;
  };
  const payment::v1::Verdict kUnknownVerdict = static_cast<payment::v1::Verdict>(17);
  for (const Case& c : {
           Case{Verdict(payment::v1::VERDICT_REJECT, REJECT_REASON_UNVERIFIED,
                        "signature verification failed"),
                401, "signature verification failed", "rejected"},
           Case{Verdict(payment::v1::VERDICT_REJECT, REJECT_REASON_MALFORMED,
                        "malformed notification"),
                400, "malformed notification", "rejected"},
           Case{Verdict(payment::v1::VERDICT_RETRY, REJECT_REASON_UNSPECIFIED,
                        "temporarily unavailable, retry later"),
                503, "temporarily unavailable, retry later", "error"},
           Case{Verdict(payment::v1::VERDICT_UNSPECIFIED, REJECT_REASON_UNSPECIFIED, ""), 503,
                "temporarily unavailable, retry later", "error"},
           Case{Verdict(kUnknownVerdict, REJECT_REASON_UNSPECIFIED, ""), 503,
                "temporarily unavailable, retry later", "error"},
           Case{absl::UnavailableError("payment: connection refused 10.0.0.9"), 503,
                "temporarily unavailable, retry later", "error"},
           Case{absl::DeadlineExceededError("deadline"), 504, "timed out, retry later", "error"},
           Case{absl::InternalError("pq: oops"), 503, "temporarily unavailable, retry later",
                "error"},
           Case{absl::InvalidArgumentError("what payment would never say"), 503,
                "temporarily unavailable, retry later", "error"},
       }) {
    fake_.notification_result = c.answer;
    const double before = Counted("refund", c.result);
    http::Response res = Notify("/wechat/notify/refund");
    const std::string what =
        c.answer.ok() ? c.answer->ShortDebugString() : c.answer.status().ToString();
    EXPECT_EQ(res.status, c.http) << what;
    EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/json");
    const auto body = Body(res);
    EXPECT_EQ(body.at("code").as_string(), "FAIL");
    EXPECT_EQ(body.at("message").as_string(), c.message);
    EXPECT_EQ(body.as_object().size(), 2u);
    if (!c.answer.ok()) {  // the failed call's wording (addresses, driver errors) stays inside
      EXPECT_EQ(res.body.find(std::string(c.answer.status().message())), std::string::npos);
    }
    EXPECT_EQ(Counted("refund", c.result), before + 1) << what;
  }
}

TEST_F(NotifyTest, OnlyPostIsAllowed) {
  http::Response res = Call("GET", "/wechat/notify/pay");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "POST");
  EXPECT_TRUE(fake_.notification_calls.empty());
}

TEST_F(NotifyTest, BodiesOverTheNotifyCapAre413) {
  RouterOptions options;
  options.notify_max_body_bytes = 4096;
  Build(options);
  EXPECT_EQ(Notify("/wechat/notify/pay", std::string(4096, ' ')).status, 204);
  http::Response res = Notify("/wechat/notify/pay", std::string(4097, ' '));
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(fake_.notification_calls.size(), 1u);
}

TEST_F(NotifyTest, TheDefaultCapTakesAMebibyteCiphertext) {
  const std::string big =
      "{\"resource\":{\"ciphertext\":\"" + std::string(1024 * 1024, 'A') + "\"}}";
  EXPECT_EQ(Notify("/wechat/notify/pay", big).status, 204);
  ASSERT_EQ(fake_.notification_calls.size(), 1u);
  EXPECT_EQ(fake_.notification_calls[0].body().size(), big.size());
}

TEST_F(NotifyTest, V2NotificationsAreAnsweredInXml) {
  const std::string xml = "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>";
  http::Response ok = Notify("/wechat/notify/v2/pay", xml);
  ASSERT_EQ(fake_.notification_calls.size(), 1u);
  EXPECT_EQ(fake_.notification_calls[0].route(), "v2/pay");
  EXPECT_EQ(fake_.notification_calls[0].body(), xml);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(HeaderOf(ok, "Content-Type"), "text/xml; charset=utf-8");
  EXPECT_EQ(ok.body,
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]>"
            "</return_msg></xml>");

  fake_.notification_result =
      Verdict(payment::v1::VERDICT_REJECT, payment::v1::REJECT_REASON_UNVERIFIED,
              "signature verification failed");
  http::Response refused = Notify("/wechat/notify/v2/pay", xml);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body,
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[signature "
            "verification failed]]></return_msg></xml>");
  fake_.notification_result = absl::UnavailableError("payment down");
  http::Response retry = Notify("/wechat/notify/v2/pay", xml);
  EXPECT_EQ(retry.status, 503);
  EXPECT_NE(retry.body.find("FAIL"), std::string::npos);
  EXPECT_EQ(Notify("/wechat/notify/v2/pay", std::string(wechatpay::kMaxV2Bytes + 1, 'x')).status,
            413);

  // The refund route: its own name for payment, the same dialect and limit.
  fake_.notification_result =
      Verdict(payment::v1::VERDICT_ACK, payment::v1::REJECT_REASON_UNSPECIFIED, "");
  http::Response refund = Notify("/wechat/notify/v2/refund", xml);
  EXPECT_EQ(fake_.notification_calls.back().route(), "v2/refund");
  EXPECT_EQ(refund.status, 200);
  EXPECT_EQ(HeaderOf(refund, "Content-Type"), "text/xml; charset=utf-8");
  EXPECT_EQ(Notify("/wechat/notify/v2/refund", std::string(wechatpay::kMaxV2Bytes + 1, 'x')).status,
            413);
}

}  // namespace
}  // namespace paymesh::gateway
