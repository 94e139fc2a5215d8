#include "tools/wechat-sim/time_util.h"

#include <gtest/gtest.h>

namespace paymesh::wechatsim {
namespace {

TEST(TimeUtilTest, FormatsBeijingTime) {
  EXPECT_EQ(FormatBeijingTime(0), "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(FormatBeijingTime(1528425296), "2018-06-08T10:34:56+08:00");
}

TEST(TimeUtilTest, FormatsUtcMillis) {
  EXPECT_EQ(FormatUtcMillis(
                std::chrono::system_clock::time_point(std::chrono::milliseconds(1528425296123))),
            "2018-06-08T02:34:56.123Z");
}

TEST(TimeUtilTest, ParsesAnyOffset) {
  EXPECT_EQ(ParseRfc3339("2018-06-08T10:34:56+08:00"), 1528425296);
  EXPECT_EQ(ParseRfc3339("2018-06-08T02:34:56Z"), 1528425296);
  EXPECT_EQ(ParseRfc3339("2018-06-08T02:34:56.789Z"), 1528425296);
  EXPECT_EQ(ParseRfc3339("2018-06-07T21:34:56-05:00"), 1528425296);
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00z"), 1709164800);
  EXPECT_EQ(ParseRfc3339(FormatBeijingTime(1700000000)), 1700000000);
}

TEST(TimeUtilTest, RefusesMalformed) {
  for (const char* bad :
       {"", "2018-06-08", "2018-06-08T10:34:56", "2018-06-08 10:34:56Z", "2018-13-08T10:34:56Z",
        "2023-02-29T10:34:56Z", "2018-06-08T24:00:00Z", "2018-06-08T10:34:56+0800",
        "2018-06-08T10:34:56.Z", "2018-06-08T10:34:56Zjunk", "2018-06-08T10:34:56+08:00 "}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace paymesh::wechatsim
