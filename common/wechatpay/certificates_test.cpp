#include "common/wechatpay/certificates.h"

#include <gtest/gtest.h>

namespace paymesh::wechatpay {
namespace {

constexpr char kApiV3Key[] = "0123456789abcdef0123456789abcdef";
constexpr char kSerial[] = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

class CertificatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new crypto::RsaPrivateKey(crypto::RsaPrivateKey::Generate());
    pem_ = new std::string(
        *crypto::SelfSignedCertificatePem(*key_, kSerial, "platform", 1528425296, 1544236496));
  }
  static EncryptedCertificate Sealed(std::string_view pem = *pem_) {
    return *SealCertificate(pem, kApiV3Key, *crypto::ParseCertificatePem(*pem_));
  }
  static crypto::RsaPrivateKey* key_;
  static std::string* pem_;
};
crypto::RsaPrivateKey* CertificatesTest::key_ = nullptr;
std::string* CertificatesTest::pem_ = nullptr;

// The §3 example's shape: serial, times in +08:00, the certificate sealed under
// associated_data "certificate" with a 12-character nonce.
TEST_F(CertificatesTest, SealsAndOpensThroughTheListFormat) {
  const EncryptedCertificate sealed = Sealed();
  EXPECT_EQ(sealed.serial_no, kSerial);
  EXPECT_EQ(sealed.effective_time, "2018-06-08T10:34:56+08:00");
  EXPECT_EQ(sealed.expire_time, "2018-12-08T10:34:56+08:00");
  EXPECT_EQ(sealed.encrypt_certificate.associated_data, "certificate");
  EXPECT_EQ(sealed.encrypt_certificate.nonce.size(), 12u);

  absl::StatusOr<std::vector<EncryptedCertificate>> list =
      ParseCertificateList(SerializeCertificateList({sealed, sealed}));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  absl::StatusOr<crypto::Certificate> opened = OpenCertificate(list->at(1), kApiV3Key);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->serial, kSerial);
  EXPECT_TRUE(opened->public_key.VerifySha256("m", key_->SignSha256("m")));
}

TEST_F(CertificatesTest, RefusesWhatDoesNotDecryptOrIsNotWhatItSays) {
  EXPECT_EQ(OpenCertificate(Sealed(), "ffffffffffffffffffffffffffffffff").status().code(),
            absl::StatusCode::kUnauthenticated);
  EncryptedCertificate renamed = Sealed();
  renamed.serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E2";
  EXPECT_EQ(OpenCertificate(renamed, kApiV3Key).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Associated data is authenticated: an entry moved from another context does not open.
  EncryptedCertificate moved = Sealed();
  moved.encrypt_certificate.associated_data = "transaction";
  EXPECT_EQ(OpenCertificate(moved, kApiV3Key).status().code(), absl::StatusCode::kUnauthenticated);
  EncryptedCertificate garbage = Sealed();
  garbage.encrypt_certificate = *EncryptResource("not a certificate", kApiV3Key, "", "certificate");
  EXPECT_EQ(OpenCertificate(garbage, kApiV3Key).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CertificatesTest, ListLimits) {
  EXPECT_TRUE(ParseCertificateList(R"({"data":[]})").ok());
  EXPECT_FALSE(ParseCertificateList("[]").ok());
  EXPECT_FALSE(ParseCertificateList(R"({"data":{}})").ok());
  EXPECT_FALSE(ParseCertificateList(R"({"data":[1]})").ok());
  EXPECT_FALSE(ParseCertificateList(R"({"data":[{"serial_no":"AB"}]})").ok());
  EXPECT_FALSE(
      ParseCertificateList(
          R"({"data":[{"serial_no":7,"encrypt_certificate":{"algorithm":"A","nonce":"n","ciphertext":"c"}}]})")
          .ok());
  EXPECT_TRUE(
      ParseCertificateList(
          R"({"data":[{"serial_no":"AB","encrypt_certificate":{"algorithm":"A","nonce":"n","ciphertext":"c"}}]})")
          .ok());
  std::vector<EncryptedCertificate> many(kMaxCertificates + 1, Sealed());
  EXPECT_FALSE(ParseCertificateList(SerializeCertificateList(many)).ok());
  many.pop_back();
  EXPECT_TRUE(ParseCertificateList(SerializeCertificateList(many)).ok());
}

}  // namespace
}  // namespace paymesh::wechatpay
