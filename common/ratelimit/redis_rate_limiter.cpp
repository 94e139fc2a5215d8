#include "common/ratelimit/redis_rate_limiter.h"

namespace paymesh::ratelimit {
namespace {

constexpr char kHitScript[] = R"lua(
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl})lua";

}  // namespace

absl::StatusOr<Attempts> RedisRateLimiter::Hit(const std::string& bucket,
                                               std::chrono::seconds window) {
  if (window.count() <= 0) return absl::InvalidArgumentError("window must be positive");
  absl::StatusOr<redis::Reply> r =
      client_->Eval(kHitScript, {key_prefix_ + bucket}, {std::to_string(window.count())});
  if (!r.ok()) return r.status();
  if (r->type != redis::Reply::Type::kArray || r->elements.size() != 2) {
    return absl::InternalError("Redis: unexpected reply to the rate limit script");
  }
  return Attempts{r->elements[0].integer, std::chrono::seconds(r->elements[1].integer)};
}

}  // namespace paymesh::ratelimit
