#include "tools/wechat-sim/call_counters.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace paymesh::wechatsim {
namespace {

TEST(CallCountersTest, CountsQueriesAndClosesPerOrder) {
  CallCounters calls;
  EXPECT_EQ(calls.For("PM000001"), CallCounts{});
  calls.CountQuery("PM000001");
  calls.CountQuery("PM000001");
  calls.CountClose("PM000001");
  calls.CountQuery("PM000002");
  EXPECT_EQ(calls.For("PM000001"), (CallCounts{2, 1}));
  EXPECT_EQ(calls.For("PM000002"), (CallCounts{1, 0}));
  EXPECT_EQ(calls.For("PM000003"), CallCounts{});
}

TEST(CallCountersTest, CountsFromManyThreads) {
  CallCounters calls;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&calls] {
      for (int i = 0; i < 1000; ++i) {
        calls.CountQuery("PM000001");
        calls.CountClose("PM000001");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls.For("PM000001"), (CallCounts{4000, 4000}));
}

}  // namespace
}  // namespace paymesh::wechatsim
