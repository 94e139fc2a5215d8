#include "common/http/metrics_endpoint.h"

#include <gtest/gtest.h>

#include "common/metrics/metrics.h"

namespace paymesh::http {
namespace {

Request Get(std::string target, std::string method = "GET") {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.request_id = "rid";
  return req;
}

std::string HeaderOf(const Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(MetricsEndpointTest, RendersTheDefaultRegistry) {
  metrics::Registry::Default()
      .AddCounter("http_endpoint_test_total", "a counter for this test")
      .Inc();
  const Response res = HandleMetricsRequest(Get("/metrics"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(res.body.find("http_endpoint_test_total 1"), std::string::npos) << res.body;
}

TEST(MetricsEndpointTest, HealthzIsOk) {
  const Response res = HandleMetricsRequest(Get("/healthz"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"ok"})");
}

TEST(MetricsEndpointTest, OtherPathsAndMethods) {
  EXPECT_EQ(HandleMetricsRequest(Get("/nope")).status, 404);
  const Response res = HandleMetricsRequest(Get("/metrics", "POST"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "GET");
  EXPECT_NE(res.body.find("\"request_id\":\"rid\""), std::string::npos);
}

}  // namespace
}  // namespace paymesh::http
