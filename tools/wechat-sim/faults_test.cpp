#include "tools/wechat-sim/faults.h"

#include <gtest/gtest.h>

#include <string>

namespace paymesh::wechatsim {
namespace {

TEST(FaultSettingTest, ParsesEveryKnob) {
  absl::StatusOr<FaultSetting> s = ParseFaultSetting(
      R"({"out_trade_no":"PM1","duplicate":2,"drop_first":1,"corrupt_signature":3,)"
      R"("stale_timestamp":4,"signtest_probe":true,"query_500":true,"query_delay_ms":200})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->out_trade_no, "PM1");
  EXPECT_EQ(s->faults.duplicate, 2);
  EXPECT_EQ(s->faults.drop_first, 1);
  EXPECT_EQ(s->faults.corrupt_signature, 3);
  EXPECT_EQ(s->faults.stale_timestamp, 4);
  EXPECT_TRUE(s->faults.signtest_probe);
  EXPECT_TRUE(s->faults.query_500);
  EXPECT_EQ(s->faults.query_delay_ms, 200);

  s = ParseFaultSetting("{}");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->out_trade_no.has_value());
  EXPECT_EQ(s->faults, Faults{});
}

TEST(FaultSettingTest, RefusesBadInput) {
  for (const char* bad :
       {"nope", "[]", R"({"duplicate":-1})", R"({"duplicate":101})", R"({"duplicate":"2"})",
        R"({"signtest_probe":1})", R"({"other":1})", R"({"out_trade_no":""})"}) {
    EXPECT_EQ(ParseFaultSetting(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(FaultSettingTest, QueryDelayIsMillisecondsUpToTenSeconds) {
  for (int ms : {0, 1, 10000}) {
    absl::StatusOr<FaultSetting> s =
        ParseFaultSetting(R"({"query_delay_ms":)" + std::to_string(ms) + "}");
    ASSERT_TRUE(s.ok()) << ms << ": " << s.status();
    EXPECT_EQ(s->faults.query_delay_ms, ms);
  }
  for (const char* bad : {R"({"query_delay_ms":-1})", R"({"query_delay_ms":10001})",
                          R"({"query_delay_ms":18446744073709551615})", R"({"query_delay_ms":1.5})",
                          R"({"query_delay_ms":"200"})", R"({"query_delay_ms":true})",
                          R"({"query_delay_ms":null})"}) {
    absl::StatusOr<FaultSetting> s = ParseFaultSetting(bad);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.status().message(), "query_delay_ms must be an integer from 0 to 10000") << bad;
  }
}

TEST(FaultSettingTest, JsonEchoesEveryKnob) {
  Faults f;
  f.query_delay_ms = 250;
  f.query_500 = true;
  EXPECT_EQ(FaultsJson(f),
            R"({"duplicate":0,"drop_first":0,"corrupt_signature":0,"stale_timestamp":0,)"
            R"("signtest_probe":false,"query_500":true,"unreadable_success_time":false,)"
            R"("query_delay_ms":250,"refund_500":0})");
}

TEST(FaultRegistryTest, PerOrderOverridesTheDefault) {
  FaultRegistry registry;
  Faults global;
  global.duplicate = 1;
  Faults mine;
  mine.drop_first = 2;
  registry.Set(std::nullopt, global);
  registry.Set("PM1", mine);
  EXPECT_EQ(registry.For("PM1"), mine);
  EXPECT_EQ(registry.For("PM2"), global);
  registry.Reset();
  EXPECT_EQ(registry.For("PM1"), Faults{});
  EXPECT_EQ(registry.Default(), Faults{});
}

}  // namespace
}  // namespace paymesh::wechatsim
