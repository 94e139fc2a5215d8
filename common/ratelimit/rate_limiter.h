#pragma once

// Fixed-window attempt counters. The Redis implementation is redis_rate_limiter.h.
// Thread-safe; may block (call from worker threads only).

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/rpc/status.h"

namespace paymesh::ratelimit {

struct Attempts {
  int64_t count = 0;               // in the current window, this one included
  std::chrono::seconds resets_in;  // until the window ends: a 429's Retry-After
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one attempt against `bucket`. A new window starts `window` after its first attempt.
  // UNAVAILABLE when the counter store cannot be reached.
  virtual absl::StatusOr<Attempts> Hit(const std::string& bucket, std::chrono::seconds window) = 0;
};

// Counts one attempt; RESOURCE_EXHAUSTED `what` with a retry-after of the window's rest once the
// bucket has seen more than `max`.
inline absl::Status Spend(RateLimiter& limiter, const std::string& bucket,
                          std::chrono::seconds window, int64_t max, const char* what) {
  absl::StatusOr<Attempts> attempts = limiter.Hit(bucket, window);
  if (!attempts.ok()) return attempts.status();
  if (attempts->count <= max) return absl::OkStatus();
  return rpc::WithRetryAfter(absl::ResourceExhaustedError(what), attempts->resets_in);
}

}  // namespace paymesh::ratelimit
