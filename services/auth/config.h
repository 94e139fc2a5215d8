#pragma once

// Configuration of the auth binary, from the environment (see README.md for the variables).

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/crypto/ed25519.h"
#include "common/log/log.h"
#include "common/redis/client.h"
#include "services/auth/logic.h"

namespace paymesh::auth {

struct AuthConfig {
  std::string grpc_listen_addr;
  std::string metrics_listen_addr;
  log::Level log_level = log::Level::kInfo;
  std::string pg_dsn;  // may hold a password: log only through config::RedactUrl
  size_t pg_pool_size = 8;
  redis::Options redis;
  std::optional<crypto::Ed25519PrivateKey> signing_key;  // set whenever loading succeeds
  AuthOptions auth;
};

// Reads every variable; INVALID_ARGUMENT listing all problems at once.
absl::StatusOr<AuthConfig> LoadAuthConfig(config::EnvReader& env);

}  // namespace paymesh::auth
