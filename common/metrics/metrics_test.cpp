#include "common/metrics/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace paymesh::metrics {
namespace {

TEST(MetricsTest, CounterWithLabelsAndEscaping) {
  Registry registry;
  Counter& calls = registry.AddCounter("order_rpc_total", "Order RPCs\nby method \\ result",
                                       {"method", "result"});
  calls.Inc({"CreateOrder", "ok"});
  calls.Inc({"CreateOrder", "ok"}, 2);
  calls.Inc({"Get\"Order\"", "a\\b\nc"});
  EXPECT_EQ(calls.Value({"CreateOrder", "ok"}), 3);
  EXPECT_EQ(calls.Value({"CreateOrder", "error"}), 0);
  EXPECT_EQ(registry.Render(),
            "# HELP order_rpc_total Order RPCs\\nby method \\\\ result\n"
            "# TYPE order_rpc_total counter\n"
            "order_rpc_total{method=\"CreateOrder\",result=\"ok\"} 3\n"
            "order_rpc_total{method=\"Get\\\"Order\\\"\",result=\"a\\\\b\\nc\"} 1\n");
}

TEST(MetricsTest, UnlabelledMetricsShowZeroBeforeFirstUse) {
  Registry registry;
  registry.AddCounter("x_total", "X.");
  EXPECT_EQ(registry.Render(), "# HELP x_total X.\n# TYPE x_total counter\nx_total 0\n");
}

TEST(MetricsTest, Gauge) {
  Registry registry;
  Gauge& g = registry.AddGauge("pool_in_use", "Connections in use.");
  g.Set(3);
  g.Add(-1.5);
  EXPECT_EQ(g.Value(), 1.5);
  EXPECT_EQ(registry.Render(),
            "# HELP pool_in_use Connections in use.\n"
            "# TYPE pool_in_use gauge\n"
            "pool_in_use 1.5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry registry;
  Histogram& h =
      registry.AddHistogram("rpc_duration_seconds", "Latency.", {"method"}, {0.125, 0.5, 1});
  h.Observe(0.0625, {"Get"});
  h.Observe(0.125, {"Get"});  // le is inclusive
  h.Observe(0.25, {"Get"});
  h.Observe(2, {"Get"});
  EXPECT_EQ(h.Count({"Get"}), 4u);
  EXPECT_EQ(h.Count({"Other"}), 0u);
  EXPECT_EQ(registry.Render(),
            "# HELP rpc_duration_seconds Latency.\n"
            "# TYPE rpc_duration_seconds histogram\n"
            "rpc_duration_seconds_bucket{method=\"Get\",le=\"0.125\"} 2\n"
            "rpc_duration_seconds_bucket{method=\"Get\",le=\"0.5\"} 3\n"
            "rpc_duration_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "rpc_duration_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "rpc_duration_seconds_sum{method=\"Get\"} 2.4375\n"
            "rpc_duration_seconds_count{method=\"Get\"} 4\n");
}

TEST(MetricsTest, UnlabelledHistogram) {
  Registry registry;
  Histogram& h = registry.AddHistogram("job_seconds", "Jobs.", {}, {1, 0.25});
  h.Observe(0.25);
  EXPECT_EQ(registry.Render(),
            "# HELP job_seconds Jobs.\n"
            "# TYPE job_seconds histogram\n"
            "job_seconds_bucket{le=\"0.25\"} 1\n"
            "job_seconds_bucket{le=\"1\"} 1\n"
            "job_seconds_bucket{le=\"+Inf\"} 1\n"
            "job_seconds_sum 0.25\n"
            "job_seconds_count 1\n");
}

TEST(MetricsTest, RegistryRendersSortedByNameAndDeduplicates) {
  Registry registry;
  Counter& a = registry.AddCounter("b_total", "B.");
  Counter& again = registry.AddCounter("b_total", "ignored");
  EXPECT_EQ(&a, &again);
  registry.AddGauge("a_gauge", "A.");
  const std::string text = registry.Render();
  EXPECT_LT(text.find("a_gauge"), text.find("b_total"));
  EXPECT_THROW(registry.AddGauge("b_total", "clash"), std::invalid_argument);
  EXPECT_EQ(registry.Render(), text);
}

TEST(MetricsTest, WrongLabelCountIsAProgrammerError) {
  Registry registry;
  Counter& c = registry.AddCounter("c_total", "C.", {"method"});
  EXPECT_THROW(c.Inc({}), std::invalid_argument);
  EXPECT_THROW(c.Inc({"a", "b"}), std::invalid_argument);
  EXPECT_THROW(c.Inc({"a"}, -1), std::invalid_argument);
}

TEST(MetricsTest, DefaultLatencyBucketsSpanMillisecondsToSeconds) {
  const auto buckets = DefaultLatencyBuckets();
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.front(), 0.001);
  EXPECT_EQ(buckets.back(), 10);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

}  // namespace
}  // namespace paymesh::metrics

namespace paymesh::metrics {
namespace {

TEST(ResultLabelTest, SplitsCallerFaultsFromOurs) {
  EXPECT_STREQ(ResultLabel(absl::StatusCode::kOk), "ok");
  for (auto code : {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
                    absl::StatusCode::kAlreadyExists, absl::StatusCode::kFailedPrecondition,
                    absl::StatusCode::kUnauthenticated, absl::StatusCode::kPermissionDenied,
                    absl::StatusCode::kResourceExhausted, absl::StatusCode::kOutOfRange}) {
    EXPECT_STREQ(ResultLabel(code), "rejected") << absl::StatusCodeToString(code);
  }
  for (auto code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kInternal, absl::StatusCode::kUnimplemented, absl::StatusCode::kUnknown,
        absl::StatusCode::kDataLoss, absl::StatusCode::kAborted, absl::StatusCode::kCancelled}) {
    EXPECT_STREQ(ResultLabel(code), "error") << absl::StatusCodeToString(code);
  }
}

}  // namespace
}  // namespace paymesh::metrics
