#pragma once

// Auth's attempt counters (logins, registrations, SMS codes, WeChat sign-ins) on
// common/ratelimit, under their own Redis key prefix.

#include "common/ratelimit/rate_limiter.h"

namespace paymesh::auth {

inline constexpr char kRateLimitKeyPrefix[] = "paymesh:auth:rl:";

using ratelimit::Attempts;
using ratelimit::RateLimiter;
using ratelimit::Spend;

}  // namespace paymesh::auth
