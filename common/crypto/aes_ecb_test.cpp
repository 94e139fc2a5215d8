#include "common/crypto/aes_ecb.h"

#include <gtest/gtest.h>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

// `openssl enc -aes-256-ecb -K <hex of kKey>` over "paymesh refund info" (PKCS#7 by default).
TEST(AesEcbTest, MatchesTheOpensslCommandLine) {
  absl::StatusOr<std::string> sealed = Aes256EcbEncrypt(kKey, "paymesh refund info");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(Base64Encode(*sealed), "DQSAZSA/h+riZUyxgd17fs6RceEXcAsvTHOXh/pRcCI=");
  absl::StatusOr<std::string> plain =
      Aes256EcbDecrypt(kKey, *Base64Decode("DQSAZSA/h+riZUyxgd17fs6RceEXcAsvTHOXh/pRcCI="));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, "paymesh refund info");
}

TEST(AesEcbTest, RefusesBadKeysBlocksAndPadding) {
  const std::string sealed = *Aes256EcbEncrypt(kKey, "sixteen bytes!!!");
  EXPECT_EQ(sealed.size(), 32u);  // a whole block of padding
  EXPECT_FALSE(Aes256EcbDecrypt("short", sealed).ok());
  EXPECT_FALSE(Aes256EcbDecrypt(kKey, sealed.substr(0, 20)).ok());
  EXPECT_FALSE(Aes256EcbDecrypt(kKey, "").ok());
  EXPECT_FALSE(Aes256EcbDecrypt("ffffffffffffffffffffffffffffffff", sealed).ok());
  EXPECT_FALSE(Aes256EcbEncrypt("short", "x").ok());
}

}  // namespace
}  // namespace paymesh::crypto
