#include "common/ratelimit/testing/fake_rate_limiter.h"

namespace paymesh::ratelimit::testing {

absl::StatusOr<Attempts> FakeRateLimiter::Hit(const std::string& bucket,
                                              std::chrono::seconds window) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = clock_->Now();
  Window& w = windows_[bucket];
  if (w.count == 0 || w.ends <= now) w = Window{0, now + window};
  return Attempts{++w.count, std::chrono::ceil<std::chrono::seconds>(w.ends - now)};
}

int64_t FakeRateLimiter::Count(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = windows_.find(bucket);
  if (it == windows_.end() || it->second.ends <= clock_->Now()) return 0;
  return it->second.count;
}

}  // namespace paymesh::ratelimit::testing
