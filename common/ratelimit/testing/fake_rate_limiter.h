#pragma once

// In-memory fixed-window RateLimiter on the given clock, with the Redis limiter's semantics.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/ratelimit/rate_limiter.h"
#include "common/time/clock.h"

namespace paymesh::ratelimit::testing {

class FakeRateLimiter : public RateLimiter {
 public:
  explicit FakeRateLimiter(const time::Clock* clock) : clock_(clock) {}

  absl::StatusOr<Attempts> Hit(const std::string& bucket, std::chrono::seconds window) override;

  // Attempts in the bucket's current window (0 if none).
  int64_t Count(const std::string& bucket) const;

 private:
  struct Window {
    int64_t count = 0;
    std::chrono::system_clock::time_point ends;
  };
  const time::Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Window> windows_;
};

}  // namespace paymesh::ratelimit::testing
