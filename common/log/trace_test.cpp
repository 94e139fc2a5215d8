#include "common/log/trace.h"

#include <gtest/gtest.h>

namespace paymesh::log {
namespace {

constexpr char kTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";

// The W3C specification's example, and each way a header can be malformed.
TEST(TraceTest, ReadsTheTraceIdOfAWellFormedTraceparent) {
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), kTrace);
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), kTrace);
  for (const char* bad : {"", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"}) {
    EXPECT_EQ(TraceIdOf(bad), std::nullopt) << bad;
  }
}

TEST(TraceTest, NamesTheRequestAsTheTraceWithAFreshParent) {
  const std::string a = TraceparentFor(kTrace), b = TraceparentFor(kTrace);
  EXPECT_EQ(TraceIdOf(a), kTrace);
  EXPECT_EQ(TraceIdOf(b), kTrace);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(52), "-01");
  EXPECT_EQ(TraceparentFor("not-a-trace-id"), "");
  EXPECT_EQ(TraceparentFor("00000000000000000000000000000000"), "");
}

}  // namespace
}  // namespace paymesh::log
