#include "common/wechatpay/signing.h"

#include <gtest/gtest.h>

#include "common/crypto/crypto.h"

namespace paymesh::wechatpay {
namespace {

TEST(SigningTest, RequestMessageHasFiveTerminatedLines) {
  EXPECT_EQ(RequestMessage("GET", "/v3/pay/transactions/out-trade-no/X1?mchid=1230000109",
                           "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", ""),
            "GET\n/v3/pay/transactions/out-trade-no/X1?mchid=1230000109\n1554208460\n"
            "593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
  EXPECT_EQ(RequestMessage("POST", "/v3/pay/transactions/native", "1", "n", "{\"a\":1}"),
            "POST\n/v3/pay/transactions/native\n1\nn\n{\"a\":1}\n");
}

TEST(SigningTest, ResponseMessageForEmptyBodyEndsWithBlankLine) {
  EXPECT_EQ(ResponseMessage("1722850421", "abc", ""), "1722850421\nabc\n\n");
  EXPECT_EQ(ResponseMessage("1722850421", "abc", "{}"), "1722850421\nabc\n{}\n");
}

TEST(SigningTest, AuthorizationRoundTrips) {
  Authorization a{"1900009191", "593BEC0C930BF1AFEB40B4A08C8FB242", "1554208460",
                  "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", "c2ln"};
  std::string header = FormatAuthorization(a);
  EXPECT_EQ(header,
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8"
            "FB242\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
            "\",signature=\"c2ln\"");
  auto parsed = ParseAuthorization(header);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->mchid, a.mchid);
  EXPECT_EQ(parsed->nonce_str, a.nonce_str);
  EXPECT_EQ(parsed->timestamp, a.timestamp);
  EXPECT_EQ(parsed->serial_no, a.serial_no);
  EXPECT_EQ(parsed->signature, a.signature);
}

// The orders used by the Go/Java SDKs, the PHP/Node SDKs and the official examples.
TEST(SigningTest, ParsesParametersInAnyOrder) {
  for (const char* header :
       {"WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"2\",serial_no=\"S\","
        "signature=\"x==\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",serial_no=\"S\",timestamp=\"2\",nonce_str=\"n\","
        "signature=\"x==\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",signature=\"x==\",timestamp=\"2\","
        "serial_no=\"S\""}) {
    auto a = ParseAuthorization(header);
    ASSERT_TRUE(a.ok()) << header << ": " << a.status();
    EXPECT_EQ(a->mchid, "1");
    EXPECT_EQ(a->nonce_str, "n");
    EXPECT_EQ(a->timestamp, "2");
    EXPECT_EQ(a->serial_no, "S");
    EXPECT_EQ(a->signature, "x==");
  }
}

TEST(SigningTest, RejectsMalformedAuthorization) {
  const std::string ok_tail = "nonce_str=\"n\",timestamp=\"2\",serial_no=\"S\",signature=\"x\"";
  for (const std::string& header : std::vector<std::string>{
           "", "Bearer abc", "WECHATPAY2-SHA256-RSA2048",
           "WECHATPAY2-SHA256-RSA2048 " + ok_tail,                          // no mchid
           "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\"," + ok_tail,  // duplicate
           "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",extra=\"e\"," + ok_tail,  // unknown
           "WECHATPAY2-SHA256-RSA2048 mchid=1," + ok_tail,                  // unquoted
           "WECHATPAY2-SHA256-RSA2048 mchid=\"\"," + ok_tail,               // empty
           "WECHATPAY2-SHA256-RSA2048 mchid=\"1\";" + ok_tail,              // bad separator
           "WECHATPAY2-SHA256-RSA2048 mchid=\"1," + ok_tail,                // unclosed
           "WECHATPAY-BRAND-SHA256-RSA2048 mchid=\"1\"," + ok_tail,         // other scheme
       }) {
    EXPECT_FALSE(ParseAuthorization(header).ok()) << header;
  }
}

TEST(SigningTest, TimestampWindowEdges) {
  const int64_t now = 1700000000;
  EXPECT_TRUE(CheckTimestamp(std::to_string(now), now).ok());
  EXPECT_TRUE(CheckTimestamp(std::to_string(now - 299), now).ok());
  EXPECT_TRUE(CheckTimestamp(std::to_string(now + 299), now).ok());
  // Stricter reading of the SDKs' disagreement: exactly 300 s is refused.
  EXPECT_EQ(CheckTimestamp(std::to_string(now - 300), now).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckTimestamp(std::to_string(now + 300), now).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(CheckTimestamp(std::to_string(now - 301), now).ok());
  EXPECT_FALSE(CheckTimestamp(std::to_string(now + 301), now).ok());
  // Milliseconds are a classic client bug; they are far outside the window.
  EXPECT_FALSE(CheckTimestamp(std::to_string(now * 1000), now).ok());
  for (const char* bad : {"", "abc", "12a", "-5", " 1700000000", "1700000000 "}) {
    EXPECT_FALSE(CheckTimestamp(bad, now).ok()) << bad;
  }
}

TEST(SigningTest, SignRequestVerifiesWithThePublicKey) {
  crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  std::string header = SignRequest(key, "1900009191", "SERIAL", "POST",
                                   "/v3/pay/transactions/native", "{\"x\":1}", 1554208460, "NONCE");
  auto a = ParseAuthorization(header);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->timestamp, "1554208460");
  auto sig = crypto::Base64Decode(a->signature);
  ASSERT_TRUE(sig.ok());
  crypto::RsaPublicKey pub = key.PublicKey();
  EXPECT_TRUE(pub.VerifySha256(
      RequestMessage("POST", "/v3/pay/transactions/native", "1554208460", "NONCE", "{\"x\":1}"),
      *sig));
  EXPECT_FALSE(pub.VerifySha256(
      RequestMessage("POST", "/v3/pay/transactions/native", "1554208460", "NONCE", "{\"x\":2}"),
      *sig));
}

TEST(SigningTest, NonceIs32Alphanumerics) {
  std::string n = NewNonce();
  EXPECT_EQ(n.size(), 32u);
  for (char c : n) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << n;
  EXPECT_NE(NewNonce(), n);
}

}  // namespace
TEST(SigningTest, PaySignMessageIsFourTerminatedLines) {
  // The shape of WeChat's worked example (SKILLS 签名与验签规则 §三); its key is not public.
  EXPECT_EQ(PaySignMessage("wx2421b1c4370ec43b", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242",
                           "prepay_id=wx201410272009395522657a690389285100"),
            "wx2421b1c4370ec43b\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
            "prepay_id=wx201410272009395522657a690389285100\n");
}

TEST(SigningTest, APaymentBridgeVerifiesWithTheMerchantsPublicKey) {
  crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  PaymentBridge b =
      SignPaymentBridge(key, "wx2421b1c4370ec43b", "wx201410272009395522657a690389285100",
                        1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242");
  EXPECT_EQ(b.app_id, "wx2421b1c4370ec43b");
  EXPECT_EQ(b.time_stamp, "1554208460");
  EXPECT_EQ(b.package, "prepay_id=wx201410272009395522657a690389285100");
  EXPECT_EQ(b.sign_type, "RSA");
  absl::StatusOr<std::string> sig = crypto::Base64Decode(b.pay_sign);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key.PublicKey().VerifySha256(
      PaySignMessage(b.app_id, b.time_stamp, b.nonce_str, b.package), *sig));
  EXPECT_FALSE(key.PublicKey().VerifySha256(
      PaySignMessage(b.app_id, b.time_stamp, b.nonce_str, "prepay_id=wxOTHER"), *sig));
}

}  // namespace paymesh::wechatpay
