#include "common/crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

// Vector from wechatpay-go utils/aes_test.go (a 16-byte key, so AES-128-GCM).
TEST(AesGcmTest, DecryptsWechatpayGoVector) {
  auto ct = Base64Decode("FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC");
  ASSERT_TRUE(ct.ok());
  auto pt =
      AesGcmDecrypt("testAPIv3Key0000", "wCq51qZv4Yfg", "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8", *ct);
  ASSERT_TRUE(pt.ok()) << pt.status();
  EXPECT_EQ(*pt, "Hello World");
}

// AES-256 vector made with Python's `cryptography` (AESGCM), the notification layout.
constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kNonce[] = "abcdefghijkl";
constexpr char kAad[] = "transaction";
constexpr char kPlain[] = R"({"hello":"world"})";
constexpr char kCipherBase64[] = "Eu6h2qeJAvFZPoV+ePU8HSGDKoAzn2RK8B2xiAK49DyA";

TEST(AesGcmTest, EncryptsToKnownAnswer) {
  auto ct = AesGcmEncrypt(kKey, kNonce, kAad, kPlain);
  ASSERT_TRUE(ct.ok()) << ct.status();
  EXPECT_EQ(Base64Encode(*ct), kCipherBase64);
}

TEST(AesGcmTest, DecryptsKnownAnswer) {
  auto pt = AesGcmDecrypt(kKey, kNonce, kAad, *Base64Decode(kCipherBase64));
  ASSERT_TRUE(pt.ok()) << pt.status();
  EXPECT_EQ(*pt, kPlain);
}

TEST(AesGcmTest, RejectsWrongKeyNonceAadOrTamperedData) {
  std::string ct = *Base64Decode(kCipherBase64);
  EXPECT_EQ(AesGcmDecrypt("0123456789abcdef0123456789abcdeX", kNonce, kAad, ct).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AesGcmDecrypt(kKey, "abcdefghijkX", kAad, ct).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AesGcmDecrypt(kKey, kNonce, "refund", ct).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string tampered = ct;
  tampered[0] ^= 0x01;
  EXPECT_EQ(AesGcmDecrypt(kKey, kNonce, kAad, tampered).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string bad_tag = ct;
  bad_tag.back() ^= 0x01;
  EXPECT_EQ(AesGcmDecrypt(kKey, kNonce, kAad, bad_tag).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AesGcmTest, RejectsBadShapes) {
  EXPECT_EQ(AesGcmDecrypt("short", kNonce, kAad, std::string(32, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AesGcmDecrypt(kKey, kNonce, kAad, "tooshort").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AesGcmEncrypt(kKey, "", kAad, "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AesGcmTest, RoundTripsEmptyAndLargeInputs) {
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 4096u}) {
    std::string plain = RandomBytes(n);
    auto ct = AesGcmEncrypt(kKey, kNonce, "", plain);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(ct->size(), n + kGcmTagBytes);
    auto pt = AesGcmDecrypt(kKey, kNonce, "", *ct);
    ASSERT_TRUE(pt.ok());
    EXPECT_EQ(*pt, plain);
  }
}

}  // namespace
}  // namespace paymesh::crypto
