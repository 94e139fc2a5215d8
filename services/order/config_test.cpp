#include "services/order/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace paymesh::order {
namespace {

using ::testing::HasSubstr;

// Without TLS files unless a test sets them (rpc/tls_test.cpp covers the files themselves).
config::EnvReader Env(std::map<std::string, std::string> vars) {
  vars.try_emplace("ALLOW_INSECURE_GRPC", "1");
  return config::EnvReader(
      [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

TEST(OrderConfigTest, MutualTlsIsRequiredUnlessInsecureIsAllowed) {
  config::EnvReader env =
      Env({{"PG_DSN", "postgresql://u:p@127.0.0.1:5432/db"}, {"ALLOW_INSECURE_GRPC", "0"}});
  auto cfg = LoadOrderConfig(env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("GRPC_TLS_CA_FILE"));
}

TEST(OrderConfigTest, Defaults) {
  config::EnvReader env = Env({{"PG_DSN", "postgresql://u:p@127.0.0.1:5432/db"}});
  auto cfg = LoadOrderConfig(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "0.0.0.0:20052");
  EXPECT_EQ(cfg->metrics_listen_addr, "0.0.0.0:9092");
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
  EXPECT_EQ(cfg->pg_dsn, "postgresql://u:p@127.0.0.1:5432/db");
  EXPECT_EQ(cfg->pg_pool_size, 8u);
  EXPECT_EQ(cfg->order_ttl, std::chrono::seconds(1800));
  EXPECT_EQ(cfg->late_payment_policy, "refund");
}

TEST(OrderConfigTest, ExplicitValues) {
  config::EnvReader env = Env({{"PG_DSN", "host=/tmp dbname=x"},
                               {"GRPC_LISTEN_ADDR", "127.0.0.1:0"},
                               {"METRICS_LISTEN_ADDR", "[::1]:9999"},
                               {"LOG_LEVEL", "debug"},
                               {"PG_POOL_SIZE", "64"},
                               {"ORDER_TTL_SECONDS", "60"},
                               {"ORDER_LATE_PAYMENT_POLICY", "flag"},
                               {"PG_SCHEMA", "orders_e2e_1"}});
  auto cfg = LoadOrderConfig(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "127.0.0.1:0");
  EXPECT_EQ(cfg->metrics_listen_addr, "[::1]:9999");
  EXPECT_EQ(cfg->log_level, log::Level::kDebug);
  EXPECT_EQ(cfg->pg_pool_size, 64u);
  EXPECT_EQ(cfg->order_ttl, std::chrono::seconds(60));
  EXPECT_EQ(cfg->pg_schema, "orders_e2e_1");
  EXPECT_EQ(cfg->late_payment_policy, "flag");
}

TEST(OrderConfigTest, EveryProblemIsReportedAtOnce) {
  config::EnvReader env = Env({{"GRPC_LISTEN_ADDR", "nowhere"},
                               {"METRICS_LISTEN_ADDR", "host:99999"},
                               {"LOG_LEVEL", "loud"},
                               {"PG_POOL_SIZE", "0"},
                               {"ORDER_LATE_PAYMENT_POLICY", "ignore"},
                               {"PG_SCHEMA", "Orders; DROP"}});
  auto cfg = LoadOrderConfig(env);
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(cfg.status().message());
  for (const char* name : {"PG_DSN", "GRPC_LISTEN_ADDR", "METRICS_LISTEN_ADDR", "LOG_LEVEL",
                           "PG_POOL_SIZE", "PG_SCHEMA", "ORDER_LATE_PAYMENT_POLICY"}) {
    EXPECT_THAT(message, HasSubstr(name));
  }
  EXPECT_EQ(env.problems().size(), 7u);
}

TEST(OrderConfigTest, PoolSizeUpperBound) {
  config::EnvReader env = Env({{"PG_DSN", "x"}, {"PG_POOL_SIZE", "65"}});
  EXPECT_FALSE(LoadOrderConfig(env).ok());
}

}  // namespace
}  // namespace paymesh::order
