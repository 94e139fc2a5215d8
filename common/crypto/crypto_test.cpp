#include "common/crypto/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace paymesh::crypto {
namespace {

TEST(CryptoTest, HashKnownAnswers) {
  EXPECT_EQ(HexLower(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexLower(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexLower(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexLower(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, Hex) {
  EXPECT_EQ(HexLower(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(HexUpper(std::string("\x00\xab\xff", 3)), "00ABFF");
  EXPECT_EQ(HexLower(""), "");
}

std::string AllBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  return bytes;
}

TEST(CryptoTest, Base64KnownAnswers) {
  // RFC 4648 section 10.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(CryptoTest, Base64RoundTripsEveryByteAndLength) {
  const std::string all = AllBytes();
  for (size_t len = 0; len <= all.size(); len += (len < 8 ? 1 : 37)) {
    const std::string bytes = all.substr(all.size() - len);
    auto std_decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(std_decoded.ok()) << len;
    EXPECT_EQ(*std_decoded, bytes);
    auto url_decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(url_decoded.ok()) << len;
    EXPECT_EQ(*url_decoded, bytes);
  }
  auto whole = Base64UrlDecode(Base64UrlEncode(all));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, all);
}

TEST(CryptoTest, Base64RejectsBadInput) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "====", "Zm9v!", "Zm 9v", "Zm9v\n",
                          "Zh==", "Zm8=Zm8=", "Zg=A", "-_8=", "Zm8==", "A"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
  for (const char* bad : {"Zm8=", "+/8", "Zh", "A", "Zm9v!", "Zm9v\n"}) {
    EXPECT_FALSE(Base64UrlDecode(bad).ok()) << bad;
  }
  EXPECT_EQ(Base64Decode("Zm8=").value(), "fo");
  EXPECT_EQ(Base64UrlDecode("-_8").value(), "\xfb\xff");
  EXPECT_EQ(Base64Decode("").value(), "");
}

TEST(CryptoTest, RandomBytesHaveTheRightLengthAndDiffer) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(CryptoTest, RandomAlnumCharsetAndLength) {
  std::set<char> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string s = RandomAlnum(40);
    ASSERT_EQ(s.size(), 40u);
    for (char c : s) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) << c;
      seen.insert(c);
    }
  }
  // 2000 draws over 62 symbols: every one is expected (missing one has probability < 1e-12).
  EXPECT_EQ(seen.size(), 62u);
  EXPECT_EQ(RandomAlnum(0), "");
}

TEST(CryptoTest, RandomTokenIsUrlSafe) {
  const std::string token = RandomToken(32);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(Base64UrlDecode(token).value().size(), 32u);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace paymesh::crypto
