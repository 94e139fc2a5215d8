#pragma once

// Configuration of the auth binary, from the environment (see README.md for the variables).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/crypto/ed25519.h"
#include "common/log/log.h"
#include "common/redis/client.h"
#include "common/rpc/tls.h"
#include "services/auth/logic.h"
#include "services/auth/sms_codes.h"
#include "services/auth/sms_sender.h"

namespace paymesh::auth {

// The WeChat apps auth signs users in with and keeps credentials for. Either app may be absent
// (its appid is then "").
struct WechatConfig {
  std::string oa_appid;  // WECHAT_APPID + WECHAT_APPSECRET_FILE
  config::Secret oa_secret;
  std::string miniprogram_appid;  // WECHAT_MINIPROGRAM_APPID + WECHAT_MINIPROGRAM_SECRET_FILE
  config::Secret miniprogram_secret;
  std::string api_base_url;
  std::string open_base_url;
  bool allow_insecure_upstreams = false;
  std::string upstream_ca_file;
  std::chrono::milliseconds timeout{3000};
  std::string public_url;                    // GATEWAY_PUBLIC_URL
  std::vector<std::string> allowed_origins;  // AUTH_ALLOWED_ORIGINS
  std::vector<std::string> jsapi_list;
  std::chrono::seconds refresh_before{240};
};

struct SmsConfig {
  std::string provider;  // "none" | "dev" | "tencent"
  std::string dev_url;   // SMS_DEV_URL
  TencentSmsOptions tencent;
  SmsCodeOptions codes;
};

struct AuthConfig {
  std::string grpc_listen_addr;
  std::string metrics_listen_addr;
  log::Level log_level = log::Level::kInfo;
  std::string pg_dsn;  // may hold a password: log only through config::RedactUrl
  size_t pg_pool_size = 8;
  redis::Options redis;
  std::optional<crypto::Ed25519PrivateKey> signing_key;  // set whenever loading succeeds
  AuthOptions auth;
  size_t password_workers = 2;  // scrypt's own pool (AUTH_PASSWORD_WORKERS)
  WechatConfig wechat;
  SmsConfig sms;
  rpc::TlsConfig tls;  // GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE (rpc/tls.h)
  // AUTH_TOKEN_CENTRE_CLIENTS: the identities (comma-separated) that may read the WeChat
  // access_token and jsapi_ticket (GetWechatAccessToken, GetJsapiTicket,
  // ReportInvalidWechatAccessToken); none by default, as no paymesh service needs them.
  std::vector<std::string> token_centre_clients;
};

// Reads every variable; INVALID_ARGUMENT listing all problems at once.
absl::StatusOr<AuthConfig> LoadAuthConfig(config::EnvReader& env);

}  // namespace paymesh::auth
