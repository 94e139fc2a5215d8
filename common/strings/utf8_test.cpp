#include "common/strings/utf8.h"

#include <gtest/gtest.h>

namespace paymesh::strings {
namespace {

TEST(Utf8Test, CountsCodePointsOfValidText) {
  EXPECT_EQ(Utf8CodePoints(""), 0);
  EXPECT_EQ(Utf8CodePoints("abc"), 3);
  EXPECT_EQ(Utf8CodePoints("支付成功"), 4);
  EXPECT_EQ(Utf8CodePoints("\xF0\x9F\x98\x80"), 1);  // U+1F600
  EXPECT_TRUE(IsValidUtf8("Ceramic mug ×1"));
}

TEST(Utf8Test, RejectsInvalidSequences) {
  for (const char* bad : {"\xFF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xC3", "a\x80", "\xE4\xB8"}) {
    EXPECT_EQ(Utf8CodePoints(bad), -1) << bad;
    EXPECT_FALSE(IsValidUtf8(bad));
  }
}

TEST(Utf8Test, TruncatesOnCharacterBoundaries) {
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(TruncateUtf8("支付", 5), "支");
  EXPECT_EQ(TruncateUtf8("支付", 6), "支付");
  EXPECT_EQ(TruncateUtf8("\xF0\x9F\x98\x80x", 3), "");
}

}  // namespace
}  // namespace paymesh::strings
