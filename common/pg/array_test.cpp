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

}  // namespace
}  // namespace paymesh::pg
