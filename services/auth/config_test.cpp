#include "services/auth/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace paymesh::auth {
namespace {

using ::testing::HasSubstr;

class AuthConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<AuthConfig> Load() {
    config::EnvReader env(
        [this](std::string_view name) -> std::optional<std::string> {
          auto it = env_.find(std::string(name));
          if (it == env_.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& path) -> std::optional<std::string> {
          auto it = files_.find(path);
          if (it == files_.end()) return std::nullopt;
          return it->second;
        });
    return LoadAuthConfig(env);
  }

  std::map<std::string, std::string> env_ = {
      {"PG_DSN", "postgresql://u:p@127.0.0.1:5432/db"},
      {"REDIS_URL", "redis://127.0.0.1:6379/0"},
      {"AUTH_TOKEN_SIGNING_KEY_FILE", "/secrets/key.pem"},
  };
  std::map<std::string, std::string> files_ = {
      {"/secrets/key.pem", crypto::Ed25519PrivateKey::Generate().ToPem()},
  };
};

TEST_F(AuthConfigTest, DefaultsWithTheRequiredVariables) {
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "0.0.0.0:20051");
  EXPECT_EQ(cfg->metrics_listen_addr, "0.0.0.0:9091");
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
  EXPECT_EQ(cfg->pg_pool_size, 8u);
  EXPECT_EQ(cfg->redis.port, 6379);
  EXPECT_EQ(cfg->redis.pool_size, 8u);
  EXPECT_TRUE(cfg->signing_key.has_value());
  EXPECT_EQ(cfg->auth.access_ttl, std::chrono::seconds(900));
  EXPECT_EQ(cfg->auth.refresh_ttl, std::chrono::seconds(1209600));
  EXPECT_EQ(cfg->auth.login_max_per_user_ip, 10);
  EXPECT_EQ(cfg->auth.login_max_per_ip, 50);
  EXPECT_EQ(cfg->auth.login_window, std::chrono::seconds(300));
  EXPECT_EQ(cfg->auth.scrypt.log2_n, 15);
}

TEST_F(AuthConfigTest, OverridesAreRead) {
  env_["GRPC_LISTEN_ADDR"] = "127.0.0.1:0";
  env_["PG_POOL_SIZE"] = "3";
  env_["AUTH_ACCESS_TTL_SECONDS"] = "60";
  env_["AUTH_SCRYPT_LOG2_N"] = "10";
  env_["LOG_LEVEL"] = "debug";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "127.0.0.1:0");
  EXPECT_EQ(cfg->pg_pool_size, 3u);
  EXPECT_EQ(cfg->redis.pool_size, 3u);
  EXPECT_EQ(cfg->auth.access_ttl, std::chrono::seconds(60));
  EXPECT_EQ(cfg->auth.scrypt.log2_n, 10);
  EXPECT_EQ(cfg->log_level, log::Level::kDebug);
}

TEST_F(AuthConfigTest, EveryMissingRequiredVariableIsReportedAtOnce) {
  env_.clear();
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("PG_DSN"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("REDIS_URL"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("AUTH_TOKEN_SIGNING_KEY_FILE"));
}

TEST_F(AuthConfigTest, OutOfRangeValuesAreProblems) {
  env_["AUTH_ACCESS_TTL_SECONDS"] = "86401";
  env_["AUTH_SCRYPT_LOG2_N"] = "9";
  env_["AUTH_LOGIN_MAX_PER_USER_IP"] = "0";
  env_["AUTH_LOGIN_WINDOW_SECONDS"] = "abc";
  env_["METRICS_LISTEN_ADDR"] = "nowhere";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  for (const char* name :
       {"AUTH_ACCESS_TTL_SECONDS", "AUTH_SCRYPT_LOG2_N", "AUTH_LOGIN_MAX_PER_USER_IP",
        "AUTH_LOGIN_WINDOW_SECONDS", "METRICS_LISTEN_ADDR"}) {
    EXPECT_THAT(cfg.status().message(), HasSubstr(name));
  }
}

TEST_F(AuthConfigTest, AccessTtlBoundsAreInclusive) {
  env_["AUTH_ACCESS_TTL_SECONDS"] = "0";
  EXPECT_FALSE(Load().ok());
  env_["AUTH_ACCESS_TTL_SECONDS"] = "1";
  EXPECT_TRUE(Load().ok());
  env_["AUTH_ACCESS_TTL_SECONDS"] = "86400";
  EXPECT_TRUE(Load().ok());
}

TEST_F(AuthConfigTest, RefreshShorterThanAccessIsAProblem) {
  env_["AUTH_ACCESS_TTL_SECONDS"] = "3600";
  env_["AUTH_REFRESH_TTL_SECONDS"] = "600";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("AUTH_REFRESH_TTL_SECONDS"));
}

TEST_F(AuthConfigTest, BadKeyOrRedisUrlIsAProblemThatHidesTheSecret) {
  files_["/secrets/key.pem"] =
      "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n";
  env_["REDIS_URL"] = "http://:hunter2@host";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("AUTH_TOKEN_SIGNING_KEY_FILE"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("REDIS_URL"));
  EXPECT_THAT(cfg.status().message(), ::testing::Not(HasSubstr("not-a-key")));
  EXPECT_THAT(cfg.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(AuthConfigTest, MissingKeyFileIsAProblem) {
  files_.clear();
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("AUTH_TOKEN_SIGNING_KEY_FILE"));
}

}  // namespace
}  // namespace paymesh::auth
