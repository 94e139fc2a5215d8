#include "services/payment/config.h"

#include <gtest/gtest.h>

#include <map>

namespace paymesh::payment {
namespace {

config::EnvReader Env(std::map<std::string, std::string> vars) {
  return config::EnvReader(
      [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

TEST(PaymentConfigTest, DefaultsWhenUnset) {
  auto env = Env({});
  auto cfg = LoadPaymentConfig(env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "0.0.0.0:50053");
  EXPECT_EQ(cfg->metrics_listen_addr, "0.0.0.0:9093");
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
}

TEST(PaymentConfigTest, RejectsUnknownLogLevel) {
  auto env = Env({{"LOG_LEVEL", "verbose"}});
  auto cfg = LoadPaymentConfig(env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("LOG_LEVEL"), std::string::npos);
}

}  // namespace
}  // namespace paymesh::payment
