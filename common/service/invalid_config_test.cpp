#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "common/service/serve.h"

namespace paymesh::service {
namespace {

config::EnvReader Reader(std::map<std::string, std::string> vars) {
  return config::EnvReader(
      [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      });
}

TEST(ReportInvalidConfigTest, NamesTheProgramThenEveryProblemAndExitsTwo) {
  config::EnvReader env = Reader({{"GRPC_LISTEN_ADDR", "nowhere"}});
  env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20052");
  env.RequiredString("PG_DSN");
  std::ostringstream out;
  EXPECT_EQ(ReportInvalidConfig("order", env, out), 2);
  EXPECT_EQ(out.str(),
            "order: invalid configuration\n"
            "  GRPC_LISTEN_ADDR must be host:port, got \"nowhere\"\n"
            "  PG_DSN is required\n");
  EXPECT_EQ(kInvalidConfigExitCode, 2);
}

TEST(ReportInvalidConfigTest, WithoutRecordedProblemsStillSaysWhy) {
  config::EnvReader env = Reader({});
  std::ostringstream out;
  EXPECT_EQ(ReportInvalidConfig("payment", env, out), 2);
  EXPECT_EQ(out.str(), "payment: invalid configuration\n");
}

}  // namespace
}  // namespace paymesh::service
