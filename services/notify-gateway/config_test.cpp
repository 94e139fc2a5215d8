#include "services/notify-gateway/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "services/notify-gateway/gateway.h"

namespace paymesh::gateway {
namespace {

using Env = std::map<std::string, std::string>;

absl::StatusOr<GatewayConfig> Load(const Env& vars, std::vector<std::string>* problems = nullptr) {
  config::EnvReader env(
      [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  absl::StatusOr<GatewayConfig> cfg = LoadGatewayConfig(env);
  if (problems != nullptr) *problems = env.problems();
  return cfg;
}

Env Minimal() {
  return {{"AUTH_GRPC_ADDR", "127.0.0.1:20051"},
          {"ORDER_GRPC_ADDR", "127.0.0.1:20052"},
          {"PAYMENT_GRPC_ADDR", "payment:20053"},
          {"ALLOW_INSECURE_GRPC", "1"}};  // rpc/tls_test.cpp covers the TLS files
}

TEST(GatewayConfigTest, DefaultsMatchTheArchitectureTable) {
  absl::StatusOr<GatewayConfig> cfg = Load(Minimal());
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->listen_addr, "0.0.0.0:8080");
  EXPECT_EQ(cfg->routes, RouteSet::kAll);
  EXPECT_EQ(cfg->public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(cfg->auth_addr, "127.0.0.1:20051");
  EXPECT_EQ(cfg->order_addr, "127.0.0.1:20052");
  EXPECT_EQ(cfg->payment_addr, "payment:20053");
  EXPECT_EQ(cfg->upstream_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(cfg->max_body_bytes, 65536u);
  EXPECT_EQ(cfg->max_header_bytes, 16384u);
  EXPECT_EQ(cfg->read_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(cfg->idle_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(cfg->threads, 2u);
  EXPECT_FALSE(cfg->trust_forwarded_for);
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
  EXPECT_EQ(cfg->notify_timeout, std::chrono::milliseconds(4000));
  EXPECT_GT(cfg->notify_max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(cfg->demo_sim_url, "");  // production: the demo page trusts no simulator
}

TEST(GatewayConfigTest, ReadsEveryVariable) {
  Env env = Minimal();
  env["GATEWAY_LISTEN_ADDR"] = "127.0.0.1:0";
  env["GATEWAY_ROUTES"] = "notify";
  env["GATEWAY_PUBLIC_URL"] = "https://pay.example.com";
  env["GATEWAY_UPSTREAM_TIMEOUT_MS"] = "250";
  env["GATEWAY_MAX_BODY_BYTES"] = "2048";
  env["GATEWAY_MAX_HEADER_BYTES"] = "4096";
  env["GATEWAY_READ_TIMEOUT_MS"] = "500";
  env["GATEWAY_IDLE_TIMEOUT_MS"] = "700";
  env["GATEWAY_THREADS"] = "4";
  env["GATEWAY_TRUST_FORWARDED_FOR"] = "1";
  env["LOG_LEVEL"] = "debug";
  env["GATEWAY_NOTIFY_TIMEOUT_MS"] = "1500";
  env["GATEWAY_PAYMENT_TIMEOUT_MS"] = "7000";
  env["GATEWAY_WECHAT_TIMEOUT_MS"] = "6000";
  env["GATEWAY_NOTIFY_MAX_BODY_BYTES"] = "2097152";
  env["GATEWAY_DEMO_SIM_URL"] = "https://sim.example.com:9443/";
  absl::StatusOr<GatewayConfig> cfg = Load(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->listen_addr, "127.0.0.1:0");
  EXPECT_EQ(cfg->routes, RouteSet::kNotify);
  EXPECT_EQ(cfg->public_url, "https://pay.example.com");
  EXPECT_EQ(cfg->upstream_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(cfg->payment_timeout, std::chrono::milliseconds(7000));
  EXPECT_EQ(cfg->wechat_timeout, std::chrono::milliseconds(6000));
  EXPECT_EQ(cfg->max_body_bytes, 2048u);
  EXPECT_EQ(cfg->max_header_bytes, 4096u);
  EXPECT_EQ(cfg->read_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(cfg->idle_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(cfg->threads, 4u);
  EXPECT_TRUE(cfg->trust_forwarded_for);
  EXPECT_EQ(cfg->log_level, log::Level::kDebug);
  EXPECT_EQ(cfg->notify_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(cfg->notify_max_body_bytes, 2097152u);
  EXPECT_EQ(cfg->demo_sim_url, "https://sim.example.com:9443");  // trailing slash dropped
}

TEST(GatewayConfigTest, ApiRouteMode) {
  Env env = Minimal();
  env["GATEWAY_ROUTES"] = "api";
  absl::StatusOr<GatewayConfig> cfg = Load(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->routes, RouteSet::kApi);
}

TEST(GatewayConfigTest, OperationsPortIsOptional) {
  absl::StatusOr<GatewayConfig> plain = Load(Minimal());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->metrics_listen_addr, "");
  EXPECT_TRUE(RouterOptionsFrom(*plain).infra_routes);
  Env env = Minimal();
  env["GATEWAY_METRICS_LISTEN_ADDR"] = "0.0.0.0:9090";
  absl::StatusOr<GatewayConfig> cfg = Load(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->metrics_listen_addr, "0.0.0.0:9090");
  EXPECT_FALSE(RouterOptionsFrom(*cfg).infra_routes);
  env["GATEWAY_METRICS_LISTEN_ADDR"] = "no-port";
  EXPECT_FALSE(Load(env).ok());
}

TEST(GatewayConfigTest, ReportsEveryProblemAtOnce) {
  Env env;
  env["GATEWAY_LISTEN_ADDR"] = "no-port";
  env["GATEWAY_ROUTES"] = "everything";
  env["GATEWAY_PUBLIC_URL"] = "ftp://x";
  env["GATEWAY_UPSTREAM_TIMEOUT_MS"] = "soon";
  env["GATEWAY_THREADS"] = "0";
  env["LOG_LEVEL"] = "loud";
  env["GATEWAY_NOTIFY_TIMEOUT_MS"] = "0";
  env["GATEWAY_PAYMENT_TIMEOUT_MS"] = "-5";
  env["GATEWAY_NOTIFY_MAX_BODY_BYTES"] = "lots";
  env["GATEWAY_DEMO_SIM_URL"] = "http://sim:8090/path";
  std::vector<std::string> problems;
  absl::StatusOr<GatewayConfig> cfg = Load(env, &problems);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string all = std::string(cfg.status().message());
  for (const char* name :
       {"GATEWAY_LISTEN_ADDR", "GATEWAY_ROUTES", "GATEWAY_PUBLIC_URL", "AUTH_GRPC_ADDR",
        "ORDER_GRPC_ADDR", "PAYMENT_GRPC_ADDR", "GATEWAY_UPSTREAM_TIMEOUT_MS", "GATEWAY_THREADS",
        "LOG_LEVEL", "GATEWAY_NOTIFY_TIMEOUT_MS", "GATEWAY_PAYMENT_TIMEOUT_MS",
        "GATEWAY_NOTIFY_MAX_BODY_BYTES", "GATEWAY_DEMO_SIM_URL"}) {
    EXPECT_NE(all.find(name), std::string::npos) << name << " missing from: " << all;
  }
  EXPECT_GE(problems.size(), 13u);
}

TEST(GatewayConfigTest, RejectsUpstreamWithoutPort) {
  Env env = Minimal();
  env["ORDER_GRPC_ADDR"] = "order";
  absl::StatusOr<GatewayConfig> cfg = Load(env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("ORDER_GRPC_ADDR"), absl::string_view::npos);
}

TEST(GatewayConfigTest, RejectsOutOfRangeLimits) {
  Env env = Minimal();
  env["GATEWAY_MAX_BODY_BYTES"] = "10";
  env["GATEWAY_READ_TIMEOUT_MS"] = "0";
  absl::StatusOr<GatewayConfig> cfg = Load(env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("GATEWAY_MAX_BODY_BYTES"), absl::string_view::npos);
  EXPECT_NE(cfg.status().message().find("GATEWAY_READ_TIMEOUT_MS"), absl::string_view::npos);
}

TEST(GatewayConfigTest, ServerBodyCapIsTheLargestRouteCap) {
  GatewayConfig cfg;
  cfg.max_body_bytes = 65536;
  cfg.notify_max_body_bytes = 2 * 1024 * 1024;
  cfg.routes = RouteSet::kAll;
  EXPECT_EQ(ServerMaxBodyBytes(cfg), 2u * 1024 * 1024);
  cfg.routes = RouteSet::kNotify;
  EXPECT_EQ(ServerMaxBodyBytes(cfg), 2u * 1024 * 1024);
  cfg.routes = RouteSet::kApi;
  EXPECT_EQ(ServerMaxBodyBytes(cfg), 65536u);
  cfg.routes = RouteSet::kAll;
  cfg.max_body_bytes = 4 * 1024 * 1024;
  EXPECT_EQ(ServerMaxBodyBytes(cfg), 4u * 1024 * 1024);
}

TEST(GatewayConfigTest, SimulatorUrlMustBeAnOrigin) {
  for (const char* ok : {"http://127.0.0.1:8090", "https://sim.example.com", "http://[::1]:8090",
                         "http://wechat-sim:8090"}) {
    EXPECT_TRUE(IsHttpOrigin(ok)) << ok;
  }
  for (const char* bad : {"", "127.0.0.1:8090", "ftp://x", "http://", "http://x/path", "http://x?q",
                          "http://x:", "http://a b", "http://x'; script-src *",
                          "http://x\"><script>", "http://x;y"}) {
    EXPECT_FALSE(IsHttpOrigin(bad)) << bad;
  }
}

}  // namespace
}  // namespace paymesh::gateway
