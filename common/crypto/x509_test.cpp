#include "common/crypto/x509.h"

#include <gtest/gtest.h>

#include <ctime>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

// Issued and signed with the OpenSSL command line (`openssl req -x509 -set_serial
// 0x0157F0… -days 183`, then `openssl dgst -sha256 -sign` over "paymesh"), so parsing is
// checked against an independent issuer. The serial's first byte is below 0x10: WeChat (Go's
// %X over the bytes) writes it with its leading zero.
constexpr char kCertificatePem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDGzCCAgOgAwIBAgIUAVfwnv3Alt4V6+gaRwV6cjLxuOEwDQYJKoZIhvcNAQEL\n"
    "BQAwHTEbMBkGA1UEAwwSVGVucGF5LmNvbSBSb290IENBMB4XDTI2MTIwNTAzNTgw\n"
    "MFoXDTI3MDYwNjAzNTgwMFowHTEbMBkGA1UEAwwSVGVucGF5LmNvbSBSb290IENB\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAooXGftEUF8ALxuw03oWA\n"
    "qEUdXiz8s4CGyV8F2DEcTvC8A+0vCKU8rK0uMSAlkil//JMq3qnH6o3VfUKNDTSh\n"
    "v6ZEduJuuxqXA3/IOlphPP+Xc/fK1PcwXI2df260y+GJNNnh9EGKeoDEk4F7T1wt\n"
    "mPrDCPXOTow0FejR7ozD9FaW3rQHhgGZ7oXpppOJ4zH2VTbf/mc17jbhENV/fLzW\n"
    "igZNzjyKc+ElXJI4ATYjSXMAH111J+kLRl6CIdyKhfgPHfi8640kSRW0WAGeIaWF\n"
    "jIj7DuAOCYHEY1KxvXXfoC8AURaOarqfc4m4PQiRmf6wegP2aU6S3iM3T1CfvIlO\n"
    "VQIDAQABo1MwUTAdBgNVHQ4EFgQUfCKJMNLPALiOP42+ij9GQLy33tkwHwYDVR0j\n"
    "BBgwFoAUfCKJMNLPALiOP42+ij9GQLy33tkwDwYDVR0TAQH/BAUwAwEB/zANBgkq\n"
    "hkiG9w0BAQsFAAOCAQEANXbuYW/KCaiRexlYqHLBW1ulI4wkotpd0nLmCYK58cHG\n"
    "a/95/LhMV15D4ll2r0YHoKD7EBNAMExq26V+PjPk6NY3m1TECCccSpGRbaj40yNP\n"
    "59pX5hjLXHt2qxnL6nk8l4O9g4kUIPGJEy3NIOXf6H3cxg9gjbeJr/xxu3D+DAbo\n"
    "+l9MyAmEdSgx/TZWpOnrJb3HdXXr3ADAriK9LusAyyJ9rcUvDTNu4ptullQSVTZV\n"
    "X5fHE0hTbWbyXU8UOY3T+yMGL7quOT/0G7vAvdxhS3mr2eRZ/ZDpMkLX0W54Jial\n"
    "rwwCqQkqjxl+N7CeNq8SqogVqGw7D8QrdKKx4b0/IA==\n"
    "-----END CERTIFICATE-----\n";
constexpr char kSignatureBase64[] =
    "QwLa/BRxkr0V7Si3GmTdKqrUaWQ86qYM5mNmpH9MWtBbPvReHsfxegDI1kGW/"
    "Od2i3DIxEYHKjkjeKWX0LGyQM+GDbnr+d1lSJKzDhKDNkyH6B5Pn0QnTD41sx1hEUNsxaeBKzTCcUC+"
    "qZIR8nhB0Xyd3wEtKFZejBYspyNayiKvrafPgydEuFSUjwsbM1XoVgUxs92ZLr9HX69zahm3dJ754eS+"
    "JlxxtWpRTZeVe3suTnEisEF4FYL+U7vJ+/"
    "ZDDBda4OByqzA+sdgCSQhymWomtCBzLTWB78QedqG7cSo0iPtIFEMW+hf3h2kKrl6SOqCI00C9waEjUzkY+3U6fg==";

TEST(CertificateTest, ReadsAnIndependentlyIssuedCertificate) {
  absl::StatusOr<Certificate> cert = ParseCertificatePem(kCertificatePem);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->serial, "0157F09EFDC096DE15EBE81A47057A7232F1B8E1");
  EXPECT_EQ(cert->not_before, 1796443080);  // 2026-12-05T03:58:00Z
  EXPECT_EQ(cert->not_after, 1812254280);   // 2027-06-06T03:58:00Z
  EXPECT_TRUE(cert->public_key.VerifySha256("paymesh", *Base64Decode(kSignatureBase64)));
  EXPECT_FALSE(cert->public_key.VerifySha256("paymesH", *Base64Decode(kSignatureBase64)));
}

TEST(CertificateTest, IssuesWhatItReads) {
  const RsaPrivateKey key = RsaPrivateKey::Generate();
  absl::StatusOr<std::string> pem = SelfSignedCertificatePem(
      key, "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567", "platform", 1700000000, 1700086400);
  ASSERT_TRUE(pem.ok()) << pem.status();
  absl::StatusOr<Certificate> cert = ParseCertificatePem(*pem);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->serial, "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567");
  EXPECT_EQ(cert->not_before, 1700000000);
  EXPECT_EQ(cert->not_after, 1700086400);
  EXPECT_TRUE(cert->public_key.VerifySha256("m", key.SignSha256("m")));
  EXPECT_FALSE(cert->public_key.VerifySha256("m", RsaPrivateKey::Generate().SignSha256("m")));
}

TEST(CertificateTest, RefusesWhatIsNotACertificate) {
  const RsaPrivateKey key = RsaPrivateKey::Generate();
  EXPECT_FALSE(ParseCertificatePem("").ok());
  EXPECT_FALSE(ParseCertificatePem(key.PublicKey().ToPem()).ok());
  std::string truncated = kCertificatePem;
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(ParseCertificatePem(truncated).ok());
  EXPECT_FALSE(ParseCertificatePem(std::string(20000, 'A')).ok());
}

TEST(CertificateTest, RefusesBadSerialsAndEmptyValidity) {
  const RsaPrivateKey key = RsaPrivateKey::Generate();
  EXPECT_FALSE(SelfSignedCertificatePem(key, "", "x", 1, 2).ok());
  EXPECT_FALSE(SelfSignedCertificatePem(key, "XYZ", "x", 1, 2).ok());
  EXPECT_FALSE(SelfSignedCertificatePem(key, std::string(41, 'A'), "x", 1, 2).ok());
  EXPECT_FALSE(SelfSignedCertificatePem(key, "AB", "x", 2, 2).ok());
}

TEST(TlsIdentityTest, AcceptsACertificateItsCaIssuedWithItsKeyOnly) {
  const RsaPrivateKey key = RsaPrivateKey::Generate();
  const int64_t now = time(nullptr);
  const std::string cert =
      SelfSignedCertificatePem(key, "01", "order", now - 60, now + 3600, {"order", "order.svc"})
          .value();
  // A self-signed certificate is its own CA.
  absl::StatusOr<std::vector<std::string>> names = CheckTlsIdentity(cert, cert, key.ToPem());
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ(*names, (std::vector<std::string>{"order", "order.svc"}));
  const std::string nameless =
      SelfSignedCertificatePem(key, "04", "order", now - 60, now + 3600).value();
  EXPECT_NE(CheckTlsIdentity(nameless, nameless, key.ToPem()).status().message().find("no DNS"),
            std::string::npos);

  const RsaPrivateKey other = RsaPrivateKey::Generate();
  absl::Status wrong_key = CheckTlsIdentity(cert, cert, other.ToPem()).status();
  EXPECT_EQ(wrong_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_key.message().find("not the key"), std::string::npos) << wrong_key;

  const std::string stranger =
      SelfSignedCertificatePem(other, "02", "order", now - 60, now + 3600).value();
  absl::Status foreign = CheckTlsIdentity(stranger, cert, key.ToPem()).status();
  EXPECT_NE(foreign.message().find("does not verify"), std::string::npos) << foreign;

  const std::string expired =
      SelfSignedCertificatePem(key, "03", "order", now - 7200, now - 3600).value();
  absl::Status old = CheckTlsIdentity(expired, expired, key.ToPem()).status();
  EXPECT_NE(old.message().find("expired"), std::string::npos) << old;

  EXPECT_NE(CheckTlsIdentity("", cert, key.ToPem()).status().message().find("CA file"),
            std::string::npos);
  EXPECT_NE(CheckTlsIdentity(cert, "x", key.ToPem()).status().message().find("certificate file"),
            std::string::npos);
  EXPECT_NE(CheckTlsIdentity(cert, cert, "x").status().message().find("key file"),
            std::string::npos);
}

}  // namespace
}  // namespace paymesh::crypto
