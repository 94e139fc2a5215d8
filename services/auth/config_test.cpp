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
      {"ALLOW_INSECURE_GRPC", "1"},  // rpc/tls_test.cpp covers the TLS files
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

TEST_F(AuthConfigTest, WechatAndSmsAreOffUnlessConfigured) {
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->wechat.oa_appid, "");
  EXPECT_EQ(cfg->wechat.api_base_url, "https://api.weixin.qq.com");
  EXPECT_EQ(cfg->wechat.open_base_url, "https://open.weixin.qq.com");
  EXPECT_EQ(cfg->wechat.refresh_before, std::chrono::seconds(240));
  EXPECT_EQ(cfg->sms.provider, "none");
  EXPECT_EQ(cfg->sms.codes.resend_after, std::chrono::seconds(60));
  EXPECT_EQ(cfg->password_workers, 2u);
  EXPECT_EQ(cfg->auth.register_max_per_ip, 10);
}

TEST_F(AuthConfigTest, TheOfficialAccountWithItsSecretCallbackAndOrigins) {
  env_["WECHAT_APPID"] = "wx8888888888888888";
  env_["WECHAT_APPSECRET_FILE"] = "/secrets/appsecret";
  files_["/secrets/appsecret"] = "0123456789abcdef0123456789abcdef\n";
  env_["GATEWAY_PUBLIC_URL"] = "https://shop.example.com/";
  env_["WECHAT_JSAPI_LIST"] = "chooseWXPay,scanQRCode";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->wechat.oa_secret.Reveal(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(cfg->wechat.public_url, "https://shop.example.com");
  EXPECT_EQ(cfg->wechat.allowed_origins, std::vector<std::string>{"https://shop.example.com"});
  EXPECT_EQ(cfg->wechat.jsapi_list, (std::vector<std::string>{"chooseWXPay", "scanQRCode"}));
}

TEST_F(AuthConfigTest, WechatProblems) {
  env_["WECHAT_APPID"] = "wx8888888888888888";             // no secret, no public URL
  env_["WECHAT_MINIPROGRAM_SECRET_FILE"] = "/secrets/mp";  // no appid
  env_["WECHAT_API_BASE_URL"] = "http://127.0.0.1:8090";   // insecure not allowed
  env_["AUTH_ALLOWED_ORIGINS"] = "https://ok.example,https://bad.example/path";
  env_["WECHAT_JSAPI_LIST"] = "chooseWXPay,<script>";
  env_["AUTH_WECHAT_TOKEN_REFRESH_BEFORE_SECONDS"] = "301";
  absl::StatusOr<AuthConfig> cfg = Load();
  ASSERT_FALSE(cfg.ok());
  for (const char* name : {"WECHAT_APPSECRET_FILE", "WECHAT_MINIPROGRAM_APPID",
                           "GATEWAY_PUBLIC_URL", "WECHAT_API_BASE_URL", "AUTH_ALLOWED_ORIGINS",
                           "WECHAT_JSAPI_LIST", "AUTH_WECHAT_TOKEN_REFRESH_BEFORE_SECONDS"}) {
    EXPECT_THAT(cfg.status().message(), HasSubstr(name));
  }
}

TEST_F(AuthConfigTest, TokenCentreClientsAreIdentities) {
  absl::StatusOr<AuthConfig> none = Load();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->token_centre_clients.empty());
  env_["AUTH_TOKEN_CENTRE_CLIENTS"] = "notifier, crm-sync";
  absl::StatusOr<AuthConfig> two = Load();
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->token_centre_clients, (std::vector<std::string>{"notifier", "crm-sync"}));
  env_["AUTH_TOKEN_CENTRE_CLIENTS"] = "notifier,CN=x";
  absl::StatusOr<AuthConfig> bad = Load();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("AUTH_TOKEN_CENTRE_CLIENTS"), std::string::npos);
}

TEST_F(AuthConfigTest, SmsProviders) {
  env_["SMS_PROVIDER"] = "dev";
  EXPECT_THAT(Load().status().message(), HasSubstr("SMS_DEV_URL"));
  env_["SMS_DEV_URL"] = "http://127.0.0.1:8090/sim/sms";
  EXPECT_TRUE(Load().ok());
  env_["SMS_PROVIDER"] = "tencent";
  absl::StatusOr<AuthConfig> missing = Load();
  ASSERT_FALSE(missing.ok());
  for (const char* name :
       {"TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY_FILE", "TENCENT_SMS_SDK_APP_ID",
        "TENCENT_SMS_SIGN_NAME", "TENCENT_SMS_TEMPLATE_ID"}) {
    EXPECT_THAT(missing.status().message(), HasSubstr(name));
  }
  env_["SMS_PROVIDER"] = "carrier-pigeon";
  EXPECT_THAT(Load().status().message(), HasSubstr("SMS_PROVIDER"));
}

}  // namespace
}  // namespace paymesh::auth
