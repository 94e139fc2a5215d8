#include "services/payment/time_format.h"

#include <gtest/gtest.h>

namespace paymesh::payment {
namespace {

// 2026-01-01T00:00:00Z
const Timestamp kNewYear = Timestamp(std::chrono::seconds(1767225600));

TEST(TimeFormatTest, FormatsUtcAndChinaTime) {
  const Timestamp t = kNewYear + std::chrono::milliseconds(59'999);
  EXPECT_EQ(FormatRfc3339Utc(t), "2026-01-01T00:00:59Z");
  EXPECT_EQ(FormatRfc3339China(t), "2026-01-01T08:00:59+08:00");
  // Late evening UTC is the next day in China.
  EXPECT_EQ(FormatRfc3339China(kNewYear - std::chrono::hours(1)), "2026-01-01T07:00:00+08:00");
  EXPECT_EQ(FormatRfc3339China(kNewYear + std::chrono::hours(17)), "2026-01-02T01:00:00+08:00");
}

TEST(TimeFormatTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("2026-01-01T00:00:00Z"), kNewYear);
  EXPECT_EQ(*ParseRfc3339("2026-01-01T08:00:00+08:00"), kNewYear);
  EXPECT_EQ(*ParseRfc3339("2025-12-31T19:30:00-04:30"), kNewYear);
  EXPECT_EQ(*ParseRfc3339("2026-01-01T00:00:00.250Z"), kNewYear + std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseRfc3339("2026-01-01T00:00:00.123456Z"),
            kNewYear + std::chrono::microseconds(123456));
}

TEST(TimeFormatTest, RoundTrips) {
  const Timestamp t = kNewYear + std::chrono::hours(24 * 59 + 5) + std::chrono::seconds(7);
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339Utc(t)), t);
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339China(t)), t);
}

TEST(TimeFormatTest, RefusesMalformed) {
  for (const char* bad : {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z",
                          "2026-01-01T00:00:00+0800", "2026-01-01T00:00:00Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace paymesh::payment
