#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/crypto/rsa.h"
#include "common/log/log.h"
#include "common/rpc/tls.h"
#include "services/payment/settler.h"

namespace paymesh::payment {

struct PlatformPublicKey {
  std::string id;
  crypto::RsaPublicKey key;
};

struct PaymentConfig {
  std::string grpc_listen_addr;
  std::string metrics_listen_addr;
  log::Level log_level = log::Level::kInfo;
  size_t worker_threads = 8;
  std::string order_grpc_addr;
  std::string auth_grpc_addr;  // "" : no jsapi / mini program payments (they need the openid)

  // WeChat Pay merchant.
  std::string mchid;
  std::string appid;              // the appid payments are made with (WECHAT_APPID)
  std::string miniprogram_appid;  // WECHAT_MINIPROGRAM_APPID, "" when none
  std::string merchant_serial;
  std::optional<crypto::RsaPrivateKey> merchant_private_key;  // set once loading succeeded
  config::Secret apiv3_key;                                   // 32 bytes
  config::Secret v2_key;  // WECHATPAY_V2_KEY_FILE: 32 bytes, or empty (no v2 notifications)
  // Public-key mode: the keys WeChat signs with, by PUB_KEY_ID_… id (the first is named in
  // requests). Certificate mode: downloaded (platform_certs.h); dual mode: both.
  std::vector<PlatformPublicKey> platform_public_keys;
  bool download_certificates = false;
  std::chrono::seconds certificate_refresh_interval{3600};

  std::string base_url;  // scheme://host[:port], no trailing slash
  bool allow_insecure_upstreams = false;
  std::string upstream_ca_file;  // "" = the system trust store only
  std::string notify_url;
  std::string refund_notify_url;  // WECHATPAY_REFUND_NOTIFY_URL; default: notify_url's sibling
                                  // .../refund
  std::chrono::milliseconds wechat_timeout{5000};

  // The settling job (settler.h). Without REDIS_URL every replica runs it (no lease).
  std::string redis_url;
  SettlerOptions settle;
  // PAYMENT_USER_CALLS_PER_MINUTE (30; 0 = off): pay, sync and cancel per user, counted in
  // Redis (without REDIS_URL, not limited).
  int user_calls_per_minute = 30;
  rpc::TlsConfig tls;  // GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE (rpc/tls.h)
};

// Reads the payment service's environment and key files; INVALID_ARGUMENT lists every problem.
absl::StatusOr<PaymentConfig> LoadPaymentConfig(config::EnvReader& env);

}  // namespace paymesh::payment
