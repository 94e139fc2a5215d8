#pragma once

// RateLimiter on Redis: one Lua script INCRs `<prefix><bucket>`, sets the window as its TTL on
// the first hit (so every counter key expires) and answers the count and the TTL left.
// Thread-safe; blocking.

#include <string>
#include <utility>

#include "common/redis/client.h"
#include "services/auth/rate_limiter.h"

namespace paymesh::auth {

inline constexpr char kRateLimitKeyPrefix[] = "paymesh:auth:rl:";

class RedisRateLimiter : public RateLimiter {
 public:
  explicit RedisRateLimiter(redis::Client* client, std::string key_prefix = kRateLimitKeyPrefix)
      : client_(client), key_prefix_(std::move(key_prefix)) {}

  absl::StatusOr<Attempts> Hit(const std::string& bucket, std::chrono::seconds window) override;

 private:
  redis::Client* client_;
  std::string key_prefix_;
};

}  // namespace paymesh::auth
