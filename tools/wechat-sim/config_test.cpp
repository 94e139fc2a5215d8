#include "tools/wechat-sim/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace paymesh::wechatsim {
namespace {

using ::testing::HasSubstr;

class SimConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<SimConfig> Load() {
    env_reader_ = std::make_unique<config::EnvReader>(
        [this](std::string_view name) -> std::optional<std::string> {
          auto it = env_.find(std::string(name));
          if (it == env_.end()) return std::nullopt;
          return it->second;
        },
        [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
    return LoadSimConfig(*env_reader_);
  }

  std::map<std::string, std::string> env_ = {{"SIM_STATE_DIR", "/tmp/sim"}};
  std::unique_ptr<config::EnvReader> env_reader_;
};

TEST_F(SimConfigTest, Defaults) {
  absl::StatusOr<SimConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->listen_addr, "127.0.0.1:8090");
  EXPECT_EQ(cfg->state_dir, "/tmp/sim");
  EXPECT_EQ(cfg->time_scale, 1.0);
  EXPECT_EQ(cfg->notify_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(cfg->mchid, "1900000109");
  EXPECT_EQ(cfg->appid, "wx8888888888888888");
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
  EXPECT_TRUE(cfg->strict_fields);
  EXPECT_EQ(cfg->auto_close_after_seconds, 604800);  // WeChat's 7 days
}

TEST_F(SimConfigTest, OverridesAreRead) {
  env_ = {{"SIM_STATE_DIR", "/s"},     {"SIM_LISTEN_ADDR", "0.0.0.0:0"},
          {"SIM_TIME_SCALE", "0.01"},  {"SIM_NOTIFY_TIMEOUT_MS", "250"},
          {"SIM_MCHID", "1230000109"}, {"SIM_APPID", "wxd678efh567hg6787"},
          {"LOG_LEVEL", "debug"},      {"SIM_STRICT_FIELDS", "0"}};
  absl::StatusOr<SimConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->listen_addr, "0.0.0.0:0");
  EXPECT_DOUBLE_EQ(cfg->time_scale, 0.01);
  EXPECT_EQ(cfg->notify_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(cfg->mchid, "1230000109");
  EXPECT_EQ(cfg->appid, "wxd678efh567hg6787");
  EXPECT_EQ(cfg->log_level, log::Level::kDebug);
  EXPECT_FALSE(cfg->strict_fields);
}

TEST_F(SimConfigTest, EveryProblemIsReported) {
  env_ = {{"SIM_LISTEN_ADDR", "nope"}, {"SIM_TIME_SCALE", "fast"}, {"SIM_NOTIFY_TIMEOUT_MS", "0"},
          {"SIM_MCHID", "19x"},        {"SIM_APPID", "wx-bad"},    {"LOG_LEVEL", "loud"}};
  absl::StatusOr<SimConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  const std::string message(cfg.status().message());
  for (const char* name : {"SIM_STATE_DIR", "SIM_LISTEN_ADDR", "SIM_TIME_SCALE",
                           "SIM_NOTIFY_TIMEOUT_MS", "SIM_MCHID", "SIM_APPID", "LOG_LEVEL"}) {
    EXPECT_THAT(message, HasSubstr(name));
  }
  EXPECT_EQ(env_reader_->problems().size(), 7u);
}

TEST_F(SimConfigTest, AutoCloseDelayRange) {
  env_["SIM_AUTO_CLOSE_AFTER_SECONDS"] = "0";
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(Load()->auto_close_after_seconds, 0);
  env_["SIM_AUTO_CLOSE_AFTER_SECONDS"] = "31536000";
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(Load()->auto_close_after_seconds, 31536000);
  for (const char* bad : {"-1", "31536001", "7d"}) {
    env_["SIM_AUTO_CLOSE_AFTER_SECONDS"] = bad;
    absl::StatusOr<SimConfig> cfg = Load();
    ASSERT_FALSE(cfg.ok()) << bad;
    EXPECT_THAT(std::string(cfg.status().message()), HasSubstr("SIM_AUTO_CLOSE_AFTER_SECONDS"));
  }
}

TEST_F(SimConfigTest, TimeScaleRange) {
  env_["SIM_TIME_SCALE"] = "-1";
  EXPECT_FALSE(Load().ok());
  env_["SIM_TIME_SCALE"] = "1001";
  EXPECT_FALSE(Load().ok());
  env_["SIM_TIME_SCALE"] = "0";
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(Load()->time_scale, 0.0);
}

}  // namespace
}  // namespace paymesh::wechatsim
