#pragma once

// RateLimiter on Redis: one Lua script INCRs `<prefix><bucket>`, sets the window as its TTL on
// the first hit (so every counter key expires) and answers the count and the TTL left.
// Thread-safe; blocking.

#include <string>
#include <utility>

#include "common/ratelimit/rate_limiter.h"
#include "common/redis/client.h"

namespace paymesh::ratelimit {

class RedisRateLimiter : public RateLimiter {
 public:
  // Counters live under `key_prefix` (e.g. "paymesh:auth:rl:").
  RedisRateLimiter(redis::Client* client, std::string key_prefix)
      : client_(client), key_prefix_(std::move(key_prefix)) {}

  absl::StatusOr<Attempts> Hit(const std::string& bucket, std::chrono::seconds window) override;

 private:
  redis::Client* client_;
  std::string key_prefix_;
};

}  // namespace paymesh::ratelimit
