#include "common/pg/array.h"

#include <gtest/gtest.h>

namespace paymesh::pg {
namespace {

TEST(TextArrayLiteralTest, QuotesAndEscapesEveryElement) {
  EXPECT_EQ(TextArrayLiteral({}), "{}");
  EXPECT_EQ(TextArrayLiteral({"a"}), R"({"a"})");
  EXPECT_EQ(TextArrayLiteral({"a", "b c", ""}), R"({"a","b c",""})");
  EXPECT_EQ(TextArrayLiteral({R"(x"y)", R"(back\slash)", "NULL", "{,}"}),
            R"({"x\"y","back\\slash","NULL","{,}"})");
}

TEST(Int64ArrayLiteralTest, WritesNullForMissingValues) {
  EXPECT_EQ(Int64ArrayLiteral({}), "{}");
  EXPECT_EQ(Int64ArrayLiteral({1, std::nullopt, -3, INT64_MAX}), "{1,NULL,-3,9223372036854775807}");
}

}  // namespace
}  // namespace paymesh::pg
