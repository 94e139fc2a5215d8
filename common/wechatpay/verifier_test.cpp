#include "common/wechatpay/verifier.h"

#include <gtest/gtest.h>

#include "common/wechatpay/signing.h"

namespace paymesh::wechatpay {
namespace {

constexpr int64_t kNow = 1722850421;
constexpr char kSerial[] = "PUB_KEY_ID_0114232134912410000000000000";

class VerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    platform_ = new crypto::RsaPrivateKey(crypto::RsaPrivateKey::Generate(2048));
    other_ = new crypto::RsaPrivateKey(crypto::RsaPrivateKey::Generate(2048));
  }
  void SetUp() override { verifier_.AddKey(kSerial, platform_->PublicKey()); }

  SignatureHeaders Sign(std::string_view body, int64_t ts = kNow) {
    return SignResponse(*platform_, kSerial, body, ts, NewNonce());
  }

  static crypto::RsaPrivateKey* platform_;
  static crypto::RsaPrivateKey* other_;
  Verifier verifier_;
};
crypto::RsaPrivateKey* VerifierTest::platform_ = nullptr;
crypto::RsaPrivateKey* VerifierTest::other_ = nullptr;

TEST_F(VerifierTest, AcceptsGenuineSignature) {
  std::string body = R"({"code_url":"weixin://wxpay/bizpayurl?pr=abc"})";
  SignatureHeaders h = Sign(body);
  EXPECT_EQ(h.signature_type, "WECHATPAY2-SHA256-RSA2048");
  EXPECT_TRUE(verifier_.Verify(h, body, kNow).ok());
}

// 204 No Content (close order) is signed over "ts\nnonce\n\n".
TEST_F(VerifierTest, AcceptsEmptyBodyForm) {
  SignatureHeaders h = Sign("");
  EXPECT_TRUE(verifier_.Verify(h, "", kNow).ok());
  EXPECT_FALSE(verifier_.Verify(h, " ", kNow).ok());
}

TEST_F(VerifierTest, RejectsAnyChangeToTheRawBody) {
  std::string body = R"({"a":1,"b":2})";
  SignatureHeaders h = Sign(body);
  // Re-serialised JSON with the same meaning is a different message.
  EXPECT_FALSE(verifier_.Verify(h, R"({"a": 1, "b": 2})", kNow).ok());
  EXPECT_FALSE(verifier_.Verify(h, R"({"b":2,"a":1})", kNow).ok());
}

TEST_F(VerifierTest, TimestampWindowEdges) {
  std::string body = "{}";
  EXPECT_TRUE(verifier_.Verify(Sign(body, kNow - 299), body, kNow).ok());
  EXPECT_TRUE(verifier_.Verify(Sign(body, kNow + 299), body, kNow).ok());
  EXPECT_EQ(verifier_.Verify(Sign(body, kNow - 300), body, kNow).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_.Verify(Sign(body, kNow - 301), body, kNow).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_.Verify(Sign(body, kNow + 301), body, kNow).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, RejectsSignatureProbe) {
  SignatureHeaders h = Sign("{}");
  h.signature = "WECHATPAY/SIGNTEST/" + h.signature.substr(0, 40);
  absl::Status st = verifier_.Verify(h, "{}", kNow);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(st.message().find("SIGNTEST"), std::string::npos);
}

TEST_F(VerifierTest, RejectsUnknownSerialOtherKeyAndBadHeaders) {
  std::string body = "{}";
  SignatureHeaders h = Sign(body);
  SignatureHeaders unknown = h;
  unknown.serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
  EXPECT_FALSE(verifier_.Verify(unknown, body, kNow).ok());

  SignatureHeaders forged = SignResponse(*other_, kSerial, body, kNow, "n");
  EXPECT_FALSE(verifier_.Verify(forged, body, kNow).ok());

  for (auto mutate : std::vector<void (*)(SignatureHeaders&)>{
           [](SignatureHeaders& x) { x.timestamp.clear(); },
           [](SignatureHeaders& x) { x.nonce.clear(); },
           [](SignatureHeaders& x) { x.signature.clear(); },
           [](SignatureHeaders& x) { x.serial.clear(); },
           [](SignatureHeaders& x) { x.signature = "!!not base64!!"; },
           [](SignatureHeaders& x) { x.signature_type = "WECHATPAY2-SM2-WITH-SM3"; },
           [](SignatureHeaders& x) { x.nonce += "x"; },
       }) {
    SignatureHeaders bad = h;
    mutate(bad);
    EXPECT_EQ(verifier_.Verify(bad, body, kNow).code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST_F(VerifierTest, SelectsKeyBySerial) {
  Verifier both;
  both.AddKey(kSerial, platform_->PublicKey());
  both.AddKey("CERTSERIAL01", other_->PublicKey());
  std::string body = "{}";
  EXPECT_TRUE(both.Verify(SignResponse(*other_, "CERTSERIAL01", body, kNow, "n"), body, kNow).ok());
  EXPECT_TRUE(both.Verify(SignResponse(*platform_, kSerial, body, kNow, "n"), body, kNow).ok());
  EXPECT_FALSE(both.Verify(SignResponse(*other_, kSerial, body, kNow, "n"), body, kNow).ok());
}

// Dual mode (§2.5): a PUB_KEY_ID_… serial selects the public key, a certificate serial its
// certificate; replacing the certificates keeps the configured key.
TEST_F(VerifierTest, DualModeAndCertificateReplacement) {
  const std::string body = "{}";
  verifier_.SetCertificates(
      {{"5157F09EFDC096DE15EBE81A47057A7232F1B8E1", 100, other_->PublicKey()}});
  EXPECT_TRUE(verifier_.Verify(Sign(body), body, kNow).ok());
  EXPECT_TRUE(verifier_
                  .Verify(SignResponse(*other_, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", body,
                                       kNow, "n"),
                          body, kNow)
                  .ok());
  // A certificate serial signed with the public key's private key does not verify.
  EXPECT_FALSE(verifier_
                   .Verify(SignResponse(*platform_, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                                        body, kNow, "n"),
                           body, kNow)
                   .ok());
  EXPECT_EQ(verifier_.PreferredSerial(), kSerial);

  verifier_.SetCertificates({{"77", 200, other_->PublicKey()}});
  EXPECT_FALSE(verifier_.HasKey("5157F09EFDC096DE15EBE81A47057A7232F1B8E1"));
  EXPECT_TRUE(verifier_.HasKey("77"));
  EXPECT_TRUE(verifier_.HasKey(kSerial));
  EXPECT_EQ(verifier_.CertificateSerials(), std::vector<std::string>{"77"});
}

// Certificate mode: requests name the newest certificate (latest not_before), whatever the
// order it was listed in.
TEST(VerifierCertificatesTest, PrefersTheNewestCertificate) {
  const crypto::RsaPublicKey key = crypto::RsaPrivateKey::Generate().PublicKey();
  Verifier v;
  EXPECT_EQ(v.PreferredSerial(), "");
  v.SetCertificates({{"BB", 300, key}, {"AA", 100, key}, {"CC", 200, key}});
  EXPECT_EQ(v.PreferredSerial(), "BB");
  EXPECT_EQ(v.CertificateSerials(), (std::vector<std::string>{"AA", "BB", "CC"}));
  v.SetCertificates({});
  EXPECT_EQ(v.PreferredSerial(), "");
  EXPECT_FALSE(v.HasKey("BB"));
}

// A downloaded certificate verifies nothing once past its not_after, even before the next
// refresh drops it.
TEST_F(VerifierTest, AnExpiredCertificateVerifiesNothing) {
  verifier_.SetCertificates({{"AB12", 0, other_->PublicKey(), kNow + 1}});
  const std::string body = "{}";
  EXPECT_TRUE(verifier_.Verify(SignResponse(*other_, "AB12", body, kNow, "n"), body, kNow).ok());
  const absl::Status expired =
      verifier_.Verify(SignResponse(*other_, "AB12", body, kNow + 1, "n"), body, kNow + 1);
  EXPECT_EQ(expired.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(expired.message().find("expired"), std::string_view::npos);
}

}  // namespace
}  // namespace paymesh::wechatpay
