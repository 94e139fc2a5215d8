#include "common/time/rfc3339.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace paymesh::time {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

// 2026-01-01T00:00:00Z
const TimePoint kNewYear = TimePoint(seconds(1767225600));
// 2026-11-21T10:00:00Z
constexpr int64_t kStartMicros = 1795255200LL * 1000000;

TimePoint Unix(int64_t unix_seconds) { return TimePoint(seconds(unix_seconds)); }

// Unix seconds (the fraction dropped) of a parsed time, or nullopt when it does not parse.
std::optional<int64_t> UnixSeconds(std::string_view text) {
  absl::StatusOr<TimePoint> t = Parse(text);
  if (!t.ok()) return std::nullopt;
  return std::chrono::floor<seconds>(*t).time_since_epoch().count();
}

// ---- formatting -------------------------------------------------------------------------------

TEST(Rfc3339FormatTest, UtcAndChinaTimeInWholeSeconds) {
  const TimePoint t = kNewYear + milliseconds(59'999);
  EXPECT_EQ(FormatUtc(t), "2026-01-01T00:00:59Z");
  EXPECT_EQ(FormatChina(t), "2026-01-01T08:00:59+08:00");
  // Late evening UTC is the next day in China.
  EXPECT_EQ(FormatChina(kNewYear - hours(1)), "2026-01-01T07:00:00+08:00");
  EXPECT_EQ(FormatChina(kNewYear + hours(17)), "2026-01-02T01:00:00+08:00");
}

TEST(Rfc3339FormatTest, ChinaTimeOfUnixSeconds) {
  EXPECT_EQ(FormatChina(Unix(0)), "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(FormatChina(Unix(1528425296)), "2018-06-08T10:34:56+08:00");
}

TEST(Rfc3339FormatTest, UtcWithMilliseconds) {
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(1528425296123)), Precision::kMilliseconds),
            "2018-06-08T02:34:56.123Z");
  EXPECT_EQ(FormatUtc(TimePoint(microseconds(kStartMicros + 7'890'123)), Precision::kMilliseconds),
            "2026-11-21T10:00:07.890Z");
  EXPECT_EQ(FormatUtc(TimePoint{}, Precision::kMilliseconds), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(5)), Precision::kMilliseconds),
            "1970-01-01T00:00:00.005Z");
}

TEST(Rfc3339FormatTest, TruncatesTowardsThePastBefore1970) {
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(-1)), Precision::kMilliseconds),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(-1))), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatChina(TimePoint(milliseconds(-1))), "1970-01-01T07:59:59+08:00");
}

// ---- parsing ----------------------------------------------------------------------------------

TEST(Rfc3339ParseTest, OffsetsAndFractions) {
  EXPECT_EQ(*Parse("2026-01-01T00:00:00Z"), kNewYear);
  EXPECT_EQ(*Parse("2026-01-01T08:00:00+08:00"), kNewYear);
  EXPECT_EQ(*Parse("2025-12-31T19:30:00-04:30"), kNewYear);
  EXPECT_EQ(*Parse("2026-01-01T00:00:00.250Z"), kNewYear + milliseconds(250));
  EXPECT_EQ(*Parse("2026-01-01T00:00:00.123456Z"), kNewYear + microseconds(123456));

  const TimePoint base{microseconds(kStartMicros)};  // 2026-11-21T10:00:00Z
  EXPECT_EQ(Parse("2026-11-21T10:00:00Z").value(), base);
  EXPECT_EQ(Parse("2026-11-21T18:00:00+08:00").value(), base);
  EXPECT_EQ(Parse("2026-11-21T04:30:00-05:30").value(), base);
  EXPECT_EQ(Parse("2026-11-21T10:00:00.5Z").value(), base + milliseconds(500));
  EXPECT_EQ(Parse("2026-11-21T10:00:00.123456789Z").value(), base + nanoseconds(123456789));
  EXPECT_EQ(std::chrono::floor<microseconds>(Parse("2026-11-21T10:00:00.123456789Z").value()),
            base + microseconds(123456));
  EXPECT_EQ(Parse("2018-06-08T10:34:56+08:00").value(), TimePoint(seconds(1528425296)));
  EXPECT_EQ(FormatUtc(Parse("2024-02-29T23:59:59.999Z").value(), Precision::kMilliseconds),
            "2024-02-29T23:59:59.999Z");
}

TEST(Rfc3339ParseTest, AnyOffsetToUnixSeconds) {
  EXPECT_EQ(UnixSeconds("2018-06-08T10:34:56+08:00"), 1528425296);
  EXPECT_EQ(UnixSeconds("2018-06-08T02:34:56Z"), 1528425296);
  EXPECT_EQ(UnixSeconds("2018-06-08T02:34:56.789Z"), 1528425296);
  EXPECT_EQ(UnixSeconds("2018-06-07T21:34:56-05:00"), 1528425296);
  EXPECT_EQ(UnixSeconds("2024-02-29T00:00:00z"), 1709164800);
  EXPECT_EQ(UnixSeconds("2024-02-29t00:00:00Z"), 1709164800);
  EXPECT_EQ(UnixSeconds(FormatChina(Unix(1700000000))), 1700000000);
}

TEST(Rfc3339ParseTest, RoundTrips) {
  const TimePoint t = kNewYear + hours(24 * 59 + 5) + seconds(7);
  EXPECT_EQ(*Parse(FormatUtc(t)), t);
  EXPECT_EQ(*Parse(FormatChina(t)), t);
  const TimePoint with_millis = t + milliseconds(42);
  EXPECT_EQ(*Parse(FormatUtc(with_millis, Precision::kMilliseconds)), with_millis);
}

TEST(Rfc3339ParseTest, GarbageIsInvalidArgument) {
  for (const char* bad :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0800",
        "2026-01-01T00:00:00Zjunk",
        // As the simulator met them in time_expire.
        "2018-06-08", "2018-06-08T10:34:56", "2018-06-08 10:34:56Z", "2018-13-08T10:34:56Z",
        "2023-02-29T10:34:56Z", "2018-06-08T24:00:00Z", "2018-06-08T10:34:56+0800",
        "2018-06-08T10:34:56.Z", "2018-06-08T10:34:56Zjunk", "2018-06-08T10:34:56+08:00 ",
        "2018-06-08 10:34:56",
        // As order met them in prepay.expires_at and report.success_time.
        "2026-11-21", "2026-11-21T10:00:00", "2026-11-21 10:00:00Z", "2026-11-21T10:00:00+8:00",
        "2026-11-21T10:00:00+08:0", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-21T24:00:00Z", "2026-11-21T10:60:00Z", "2026-11-21T10:00:00.Z",
        "2026-11-21T10:00:00+24:00", "20261121T100000Z", "2026-11-21T10:00:00ZZ",
        "-026-11-21T10:00:00Z",
        // A fraction of more than nine digits, a leap second.
        "2026-11-21T10:00:00.1234567890Z", "2016-12-31T23:59:60Z",
        // Outside what system_clock holds.
        "1677-01-01T00:00:00Z", "2262-12-31T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_EQ(Parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Rfc3339ParseTest, TheWholeRangeOfSystemClock) {
  EXPECT_EQ(UnixSeconds("1678-01-01T00:00:00Z"), -9214560000);
  EXPECT_EQ(UnixSeconds("2261-12-31T23:59:59Z"), 9214646399);
  EXPECT_EQ(UnixSeconds("1969-12-31T23:59:59.5Z"), -1);
}

}  // namespace
}  // namespace paymesh::time
