#pragma once

// RateLimiter on Redis: INCR of `<prefix><bucket>` with the window as TTL set on the first hit
// (redis::Client::IncrWithTtl), so every counter key expires. Thread-safe; blocking.

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

  absl::StatusOr<int64_t> Hit(const std::string& bucket, std::chrono::seconds window) override {
    return client_->IncrWithTtl(key_prefix_ + bucket, window);
  }

 private:
  redis::Client* client_;
  std::string key_prefix_;
};

}  // namespace paymesh::auth
