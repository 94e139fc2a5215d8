#include "tools/wechat-sim/platform.h"

#include <gtest/gtest.h>

#include "common/wechatpay/verifier.h"

namespace paymesh::wechatsim {
namespace {

constexpr int64_t kNow = 1796443080;
constexpr char kKeyId[] = "PUB_KEY_ID_0114232134912410000000000000";

class PlatformKeysTest : public ::testing::Test {
 protected:
  PlatformKeys Make(PlatformMode mode) {
    return PlatformKeys(mode, SigningKey{public_key_, kKeyId},
                        *IssuePlatformCertificate(kNow, kPlatformCertificateLifetimeSeconds));
  }
  crypto::RsaPrivateKey public_key_ = crypto::RsaPrivateKey::Generate();
};

TEST_F(PlatformKeysTest, PublicKeyModeListsNoCertificate) {
  PlatformKeys keys = Make(PlatformMode::kPublicKey);
  EXPECT_EQ(keys.ForResponse("").serial, kKeyId);
  EXPECT_EQ(keys.ForResponse("ANYTHING").serial, kKeyId);
  EXPECT_EQ(keys.ForNotification().serial, kKeyId);
  EXPECT_TRUE(keys.Listed(kNow).empty());
  EXPECT_EQ(keys.certificates_absent_status(), 404);
}

TEST_F(PlatformKeysTest, CertificateModeSignsWithTheNewestCertificate) {
  PlatformKeys keys = Make(PlatformMode::kCertificate);
  ASSERT_EQ(keys.Listed(kNow).size(), 1u);
  const PlatformCertificate first = keys.Listed(kNow)[0];
  EXPECT_EQ(first.signing.serial.size(), 40u);
  EXPECT_EQ(first.certificate.serial, first.signing.serial);
  EXPECT_EQ(keys.ForResponse(kKeyId).serial, first.signing.serial);
  EXPECT_EQ(keys.ForNotification().serial, first.signing.serial);
}

// After a rotation the new certificate signs at once and the old one stays listed (and its key
// unchanged) until the overlap ends, then drops out of the list.
TEST_F(PlatformKeysTest, RotationOverlapsThenRetires) {
  PlatformKeys keys = Make(PlatformMode::kCertificate);
  const PlatformCertificate old = keys.Listed(kNow)[0];
  absl::StatusOr<std::string> next = keys.Rotate(kNow, 60);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(*next, old.signing.serial);
  EXPECT_EQ(keys.ForNotification().serial, *next);
  std::vector<PlatformCertificate> listed = keys.Listed(kNow + 59);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].signing.serial, old.signing.serial);
  EXPECT_EQ(listed[0].certificate.not_after, kNow + 60);
  EXPECT_TRUE(listed[0].certificate.public_key.VerifySha256("m", old.signing.key.SignSha256("m")));
  EXPECT_EQ(listed[1].signing.serial, *next);
  ASSERT_EQ(keys.Listed(kNow + 60).size(), 1u);
  EXPECT_EQ(keys.Listed(kNow + 60)[0].signing.serial, *next);
}

// Dual mode: answers follow the request's Wechatpay-Serial; notifications alternate, or follow
// the configured serial.
TEST_F(PlatformKeysTest, DualModeFollowsTheRequestedSerial) {
  PlatformKeys keys = Make(PlatformMode::kDual);
  const std::string cert = keys.Listed(kNow)[0].signing.serial;
  EXPECT_EQ(keys.ForResponse(kKeyId).serial, kKeyId);
  EXPECT_EQ(keys.ForResponse(cert).serial, cert);
  EXPECT_EQ(keys.ForResponse("").serial, cert);
  EXPECT_EQ(keys.ForResponse("UNKNOWN").serial, cert);
  const std::string a = keys.ForNotification().serial;
  const std::string b = keys.ForNotification().serial;
  EXPECT_NE(a, b);
  EXPECT_TRUE((a == kKeyId && b == cert) || (a == cert && b == kKeyId));
  keys.Configure(std::nullopt, NotifySerial::kPublicKey, 403);
  EXPECT_EQ(keys.ForNotification().serial, kKeyId);
  EXPECT_EQ(keys.ForNotification().serial, kKeyId);
  keys.Configure(PlatformMode::kPublicKey, std::nullopt, std::nullopt);
  EXPECT_EQ(keys.certificates_absent_status(), 403);
  EXPECT_TRUE(keys.Listed(kNow).empty());
}

// What the simulator signs with, a merchant verifier holding the listed certificates accepts.
TEST_F(PlatformKeysTest, SignaturesVerifyUnderTheListedCertificate) {
  PlatformKeys keys = Make(PlatformMode::kCertificate);
  wechatpay::Verifier verifier;
  std::vector<wechatpay::CertificateKey> held;
  for (const PlatformCertificate& c : keys.Listed(kNow)) {
    held.push_back({c.certificate.serial, c.certificate.not_before, c.certificate.public_key});
  }
  verifier.SetCertificates(held);
  const SigningKey signer = keys.ForNotification();
  EXPECT_TRUE(
      verifier
          .Verify(wechatpay::SignResponse(signer.key, signer.serial, "{}", kNow, "n"), "{}", kNow)
          .ok());
}

TEST(PlatformNamesTest, RoundTrip) {
  for (PlatformMode m :
       {PlatformMode::kPublicKey, PlatformMode::kCertificate, PlatformMode::kDual}) {
    EXPECT_EQ(PlatformModeOf(PlatformModeName(m)), m);
  }
  for (NotifySerial n :
       {NotifySerial::kAlternate, NotifySerial::kPublicKey, NotifySerial::kCertificate}) {
    EXPECT_EQ(NotifySerialOf(NotifySerialName(n)), n);
  }
  EXPECT_FALSE(PlatformModeOf("both").has_value());
  EXPECT_FALSE(NotifySerialOf("").has_value());
}

}  // namespace
}  // namespace paymesh::wechatsim
