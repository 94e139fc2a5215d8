#include "services/auth/config.h"

#include <chrono>

#include "common/error/status_macros.h"

namespace paymesh::auth {

absl::StatusOr<AuthConfig> LoadAuthConfig(config::EnvReader& env) {
  AuthConfig cfg;
  cfg.grpc_listen_addr = env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20051");
  cfg.metrics_listen_addr = env.ListenAddr("METRICS_LISTEN_ADDR", "0.0.0.0:9091");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.pg_dsn = env.RequiredSecretOrString("PG_DSN").Reveal();  // or PG_DSN_FILE (k8s Secret)
  cfg.pg_pool_size = static_cast<size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));

  std::string redis_url = env.RequiredSecretOrString("REDIS_URL").Reveal();  // or REDIS_URL_FILE
  if (!redis_url.empty()) {
    absl::StatusOr<redis::Options> redis = redis::ParseUrl(redis_url);
    if (redis.ok()) {
      cfg.redis = *redis;
    } else {
      env.AddProblem("REDIS_URL: " + std::string(redis.status().message()));
    }
  }
  cfg.redis.pool_size = cfg.pg_pool_size;

  config::Secret key_pem = env.RequiredSecretFile("AUTH_TOKEN_SIGNING_KEY_FILE");
  if (!key_pem.empty()) {
    absl::StatusOr<crypto::Ed25519PrivateKey> key =
        crypto::Ed25519PrivateKey::FromPem(key_pem.Reveal());
    if (key.ok()) {
      cfg.signing_key = *key;
    } else {
      env.AddProblem("AUTH_TOKEN_SIGNING_KEY_FILE: not an Ed25519 PKCS#8 PEM private key");
    }
  }

  AuthOptions& a = cfg.auth;
  a.access_ttl = std::chrono::seconds(env.Int("AUTH_ACCESS_TTL_SECONDS", 900, 1, 86400));
  a.refresh_ttl =
      std::chrono::seconds(env.Int("AUTH_REFRESH_TTL_SECONDS", 1209600, 60, 90 * 86400));
  if (a.refresh_ttl < a.access_ttl) {
    env.AddProblem("AUTH_REFRESH_TTL_SECONDS: must not be shorter than AUTH_ACCESS_TTL_SECONDS");
  }
  a.login_max_per_user = env.Int("AUTH_LOGIN_MAX_PER_USER", 10, 1, 1000000);
  a.login_max_per_ip = env.Int("AUTH_LOGIN_MAX_PER_IP", 50, 1, 1000000);
  a.login_window = std::chrono::seconds(env.Int("AUTH_LOGIN_WINDOW_SECONDS", 300, 1, 86400));
  a.scrypt.log2_n = static_cast<int>(env.Int("AUTH_SCRYPT_LOG2_N", 15, 10, 20));

  RETURN_IF_ERROR(env.Finish());
  return cfg;
}

}  // namespace paymesh::auth
