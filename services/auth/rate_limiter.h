#pragma once

// Fixed-window attempt counters. The Redis implementation is redis_rate_limiter.h.
// Thread-safe; may block (call from worker threads only).

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace paymesh::auth {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one attempt against `bucket` and returns the number of attempts in the current
  // window, this one included. A new window starts `window` after its first attempt.
  // UNAVAILABLE when the counter store cannot be reached.
  virtual absl::StatusOr<int64_t> Hit(const std::string& bucket, std::chrono::seconds window) = 0;
};

}  // namespace paymesh::auth
