#include "tools/wechat-sim/merchant_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/crypto.h"
#include "common/wechatpay/signing.h"

namespace paymesh::wechatsim {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1763700000;
constexpr char kMchid[] = "1900000109";
constexpr char kSerial[] = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
constexpr char kTarget[] = "/v3/pay/transactions/out-trade-no/PM000001?mchid=1900000109";

class MerchantAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new crypto::RsaPrivateKey(crypto::RsaPrivateKey::Generate());
  }
  static void TearDownTestSuite() { delete key_; }

  MerchantIdentity Identity() const { return {kMchid, kSerial, key_->PublicKey()}; }

  http::Request Signed(const std::string& method, const std::string& target,
                       const std::string& body, int64_t timestamp,
                       const std::string& serial = kSerial) const {
    http::Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers.emplace_back("Authorization",
                             wechatpay::SignRequest(*key_, kMchid, serial, method, target, body,
                                                    timestamp, wechatpay::NewNonce()));
    return req;
  }

  static crypto::RsaPrivateKey* key_;
};
crypto::RsaPrivateKey* MerchantAuthTest::key_ = nullptr;

void ExpectSignError(const std::optional<ApiError>& e, const std::string& message_part) {
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, 401);
  EXPECT_EQ(e->code, "SIGN_ERROR");
  EXPECT_THAT(e->message, HasSubstr(message_part));
}

TEST_F(MerchantAuthTest, AcceptsAProperlySignedRequest) {
  EXPECT_EQ(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow), Identity(), kNow),
            std::nullopt);
  EXPECT_EQ(VerifyMerchantRequest(Signed("POST", "/v3/pay/transactions/native", R"({"a":1})", kNow),
                                  Identity(), kNow),
            std::nullopt);
}

TEST_F(MerchantAuthTest, AcceptsParametersInPhpOrder) {
  const std::string ts = std::to_string(kNow);
  const std::string nonce = wechatpay::NewNonce();
  const std::string signature = crypto::Base64Encode(
      key_->SignSha256(wechatpay::RequestMessage("GET", kTarget, ts, nonce, "")));
  http::Request req;
  req.method = "GET";
  req.target = kTarget;
  req.headers.emplace_back("Authorization", std::string(wechatpay::kAuthScheme) + " mchid=\"" +
                                                kMchid + "\",serial_no=\"" + kSerial +
                                                "\",timestamp=\"" + ts + "\",nonce_str=\"" + nonce +
                                                "\",signature=\"" + signature + "\"");
  EXPECT_EQ(VerifyMerchantRequest(req, Identity(), kNow), std::nullopt);
}

TEST_F(MerchantAuthTest, RefusesWhatWechatRefuses) {
  http::Request missing;
  missing.method = "GET";
  missing.target = kTarget;
  ExpectSignError(VerifyMerchantRequest(missing, Identity(), kNow), "Authorization");

  ExpectSignError(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow, "0000"), Identity(), kNow),
                  "商户证书序列号有误。");

  MerchantIdentity other = Identity();
  other.mchid = "1230000109";
  ExpectSignError(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow), other, kNow), "mchid");

  ExpectSignError(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow - 300), Identity(), kNow),
                  "timestamp");
  EXPECT_EQ(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow - 299), Identity(), kNow),
            std::nullopt);
  ExpectSignError(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow + 300), Identity(), kNow),
                  "timestamp");
}

TEST_F(MerchantAuthTest, RefusesATamperedRequest) {
  // Signed over one target, sent with another (the classic unsigned-query bug).
  http::Request req = Signed("GET", "/v3/pay/transactions/out-trade-no/PM000001", "", kNow);
  req.target = kTarget;
  std::optional<ApiError> e = VerifyMerchantRequest(req, Identity(), kNow);
  ExpectSignError(e, "签名错误");
  EXPECT_THAT(e->detail_json, HasSubstr("sign_information"));

  http::Request body = Signed("POST", "/v3/pay/transactions/native", R"({"a":1})", kNow);
  body.body = R"({"a": 1})";
  ExpectSignError(VerifyMerchantRequest(body, Identity(), kNow), "签名错误");

  MerchantIdentity wrong_key = Identity();
  wrong_key.public_key = crypto::RsaPrivateKey::Generate().PublicKey();
  ExpectSignError(VerifyMerchantRequest(Signed("GET", kTarget, "", kNow), wrong_key, kNow),
                  "签名错误");
}

}  // namespace
}  // namespace paymesh::wechatsim
