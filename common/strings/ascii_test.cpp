#include "common/strings/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace paymesh::strings {
namespace {

TEST(EqualsIgnoreCaseTest, FoldsAsciiLettersOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Wechatpay-Signature", "wechatpay-signature"));
  EXPECT_TRUE(EqualsIgnoreCase("IDEMPOTENCY-KEY", "Idempotency-Key"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("a1-_.", "A1-_."));
  EXPECT_FALSE(EqualsIgnoreCase("Request-ID", "Request-IE"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(EqualsIgnoreCase("abcd", "abc"));
  // '@' and '`' sit next to the letters; only A-Z fold.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
}

TEST(EqualsIgnoreCaseTest, NonAsciiBytesCompareExactly) {
  EXPECT_TRUE(EqualsIgnoreCase("Zhang\xC3\x89", "zhang\xC3\x89"));
  // É (C3 89) and é (C3 A9) differ: no Unicode folding.
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\x89", "\xC3\xA9"));
  EXPECT_TRUE(EqualsIgnoreCase(std::string("a\0B", 3), std::string("A\0b", 3)));
  EXPECT_FALSE(EqualsIgnoreCase(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace paymesh::strings
