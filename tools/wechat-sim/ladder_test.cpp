#include "tools/wechat-sim/ladder.h"

#include <gtest/gtest.h>

namespace paymesh::wechatsim {
namespace {

using std::chrono::milliseconds;

TEST(LadderTest, WechatScheduleAtScaleOne) {
  const int64_t expected_seconds[] = {15,   15,   30,    180,   600,   1200,  1800, 1800,
                                      1800, 3600, 10800, 10800, 10800, 21600, 21600};
  int64_t total = 0;
  for (int attempt = 1; attempt < kMaxAttempts; ++attempt) {
    std::optional<milliseconds> d = RetryDelay(attempt, 1.0);
    ASSERT_TRUE(d.has_value()) << attempt;
    EXPECT_EQ(d->count(), expected_seconds[attempt - 1] * 1000) << attempt;
    total += d->count();
  }
  EXPECT_EQ(total, (24 * 3600 + 4 * 60) * 1000);  // 24h4m, as WeChat documents
  EXPECT_FALSE(RetryDelay(kMaxAttempts, 1.0).has_value());
  EXPECT_FALSE(RetryDelay(0, 1.0).has_value());
}

TEST(LadderTest, ScaleMultipliesEveryInterval) {
  EXPECT_EQ(RetryDelay(1, 0.01), milliseconds(150));
  EXPECT_EQ(RetryDelay(4, 0.01), milliseconds(1800));
  EXPECT_EQ(RetryDelay(15, 0.001), milliseconds(21600));
  EXPECT_EQ(RetryDelay(1, 2.0), milliseconds(30000));
  EXPECT_EQ(RetryDelay(3, 0.0), milliseconds(0));
}

TEST(LadderTest, FaultsShapeAttempts) {
  Faults f;
  EXPECT_EQ(KindOfAttempt(1, f), AttemptKind::kNormal);
  f.drop_first = 1;
  f.corrupt_signature = 2;
  f.stale_timestamp = 3;
  EXPECT_EQ(KindOfAttempt(1, f), AttemptKind::kDropped);
  EXPECT_EQ(KindOfAttempt(2, f), AttemptKind::kCorrupt);
  EXPECT_EQ(KindOfAttempt(3, f), AttemptKind::kStale);
  EXPECT_EQ(KindOfAttempt(4, f), AttemptKind::kNormal);
  EXPECT_STREQ(AttemptKindName(AttemptKind::kDuplicate), "duplicate");
  EXPECT_STREQ(AttemptKindName(AttemptKind::kProbe), "probe");
}

}  // namespace
}  // namespace paymesh::wechatsim
