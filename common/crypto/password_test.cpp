#include "common/crypto/password.h"

#include <gtest/gtest.h>

#include <string>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

// Cheap parameters inside the accepted bounds, so the tests stay fast.
constexpr ScryptParams kFast{.log2_n = 10, .r = 8, .p = 1};

TEST(PasswordTest, ScryptRfc7914Vector1) {
  auto key = Scrypt("", "", {.log2_n = 4, .r = 1, .p = 1}, 64);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(HexLower(*key),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
}

TEST(PasswordTest, ScryptRfc7914Vector2) {
  auto key = Scrypt("password", "NaCl", {.log2_n = 10, .r = 8, .p = 16}, 64);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(HexLower(*key),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(PasswordTest, ScryptRejectsNonsenseParameters) {
  EXPECT_FALSE(Scrypt("p", "s", {.log2_n = 0, .r = 1, .p = 1}, 32).ok());
  EXPECT_FALSE(Scrypt("p", "s", {.log2_n = 10, .r = 0, .p = 1}, 32).ok());
  EXPECT_FALSE(Scrypt("p", "s", {.log2_n = 40, .r = 8, .p = 1}, 32).ok());
  EXPECT_FALSE(Scrypt("p", "s", {.log2_n = 10, .r = 8, .p = 1}, 0).ok());
}

TEST(PasswordTest, HashAndVerifyRoundTrip) {
  auto phc = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(phc.ok()) << phc.status();
  EXPECT_EQ(phc->rfind("$scrypt$ln=10,r=8,p=1$", 0), 0u) << *phc;
  EXPECT_EQ(phc->find('='), phc->find("=10"));  // no base64 padding after the parameters

  auto match = VerifyPassword("correct horse battery staple", *phc);
  ASSERT_TRUE(match.ok()) << match.status();
  EXPECT_TRUE(*match);

  auto mismatch = VerifyPassword("correct horse battery stapl", *phc);
  ASSERT_TRUE(mismatch.ok()) << mismatch.status();
  EXPECT_FALSE(*mismatch);
}

TEST(PasswordTest, EachHashHasItsOwnSalt) {
  auto a = HashPassword("same password", kFast);
  auto b = HashPassword("same password", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same password", *a).value());
  EXPECT_TRUE(VerifyPassword("same password", *b).value());
}

TEST(PasswordTest, VerifiesAHashWithKnownParameters) {
  // salt "saltsaltsaltsalt", password "pw", ln=10 r=8 p=1, 32-byte key, built from raw Scrypt.
  const std::string salt = "saltsaltsaltsalt";
  auto key = Scrypt("pw", salt, kFast, 32);
  ASSERT_TRUE(key.ok());
  std::string salt_b64 = Base64Encode(salt), key_b64 = Base64Encode(*key);
  while (salt_b64.back() == '=') salt_b64.pop_back();
  while (key_b64.back() == '=') key_b64.pop_back();
  const std::string phc = "$scrypt$ln=10,r=8,p=1$" + salt_b64 + "$" + key_b64;
  EXPECT_TRUE(VerifyPassword("pw", phc).value());
  EXPECT_FALSE(VerifyPassword("pW", phc).value());
}

TEST(PasswordTest, MalformedOrOutOfBoundsHashesAreInvalidArgument) {
  auto phc = HashPassword("pw", kFast);
  ASSERT_TRUE(phc.ok());
  const std::string tail = phc->substr(std::string("$scrypt$ln=10,r=8,p=1").size());
  for (const std::string& bad : {
           std::string(""),
           std::string("plain"),
           std::string("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
           "$scrypt$ln=10,r=8$" + tail.substr(1),
           "$scrypt$ln=10,r=8,p=1,x=2" + tail,
           "$scrypt$r=8,ln=10,p=1" + tail,
           "$scrypt$ln=ten,r=8,p=1" + tail,
           "$scrypt$ln=-1,r=8,p=1" + tail,
           "$scrypt$ln=9,r=8,p=1" + tail,    // below bounds
           "$scrypt$ln=21,r=8,p=1" + tail,   // 2^21 * 8 * 128 bytes: refused, not allocated
           "$scrypt$ln=20,r=16,p=1" + tail,  // each within bounds, but 2 GiB together
           "$scrypt$ln=30,r=8,p=1" + tail,
           "$scrypt$ln=10,r=0,p=1" + tail,
           "$scrypt$ln=10,r=17,p=1" + tail,
           "$scrypt$ln=10,r=8,p=0" + tail,
           "$scrypt$ln=10,r=8,p=5" + tail,
           "$scrypt$ln=10,r=8,p=1$$" + tail.substr(tail.rfind('$') + 1),
           "$scrypt$ln=10,r=8,p=1$!!!!$" + tail.substr(tail.rfind('$') + 1),
           "$scrypt$ln=10,r=8,p=1" + tail + "$extra",
           "$scrypt$ln=10,r=8,p=1" + tail + "==",
           "$scrypt$ln=10,r=8,p=1$c2FsdA$" + tail.substr(tail.rfind('$') + 1),  // 4-byte salt
       }) {
    auto result = VerifyPassword("pw", bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PasswordTest, HashPasswordRefusesOutOfBoundsParameters) {
  EXPECT_EQ(HashPassword("pw", {.log2_n = 4, .r = 1, .p = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("pw", {.log2_n = 10, .r = 8, .p = 8}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paymesh::crypto
