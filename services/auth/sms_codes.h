#pragma once

// SMS verification codes: 6 digits, valid `ttl` (5 min), at most `max_tries` (5) guesses, then
// burned. Sending is limited per mobile (one per `resend_after`, `max_per_day` a day) and per
// client IP (`max_per_ip` an hour). Codes are stored hashed, per purpose: a login code never
// registers an account. RedisSmsCodeBook is the real one; logic tests use
// testing/fake_sms_code_book.h.
//
// Redis keys (prefix paymesh:auth:sms:):
//   code:<purpose>:<mobile>   hash {h: sha256(purpose|mobile|code), tries: left}, TTL ttl
//   cooldown:<mobile>         SET NX EX resend_after
//   and the rate limiter's sms:day:<mobile>, sms:ip:<ip> windows.
//
// Blocking (Redis, the sender): worker threads only. Thread-safe.

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/redis/client.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/sms_sender.h"

namespace paymesh::auth {

enum class SmsPurpose { kRegister, kLogin };

// "register" | "login"; INVALID_ARGUMENT otherwise.
absl::StatusOr<SmsPurpose> ParseSmsPurpose(std::string_view purpose);
const char* SmsPurposeName(SmsPurpose purpose);

struct SmsCodeOptions {
  std::chrono::seconds ttl{300};
  int max_tries = 5;
  std::chrono::seconds resend_after{60};  // 0: no cooldown (tests)
  int64_t max_per_day = 10;
  int64_t max_per_ip = 20;  // per hour
};

struct SmsIssued {
  std::chrono::seconds expires_in;
  std::chrono::seconds resend_after;
};

class SmsCodeBook {
 public:
  virtual ~SmsCodeBook() = default;
  // Checks the limits (RESOURCE_EXHAUSTED with a retry-after payload), then stores a new code
  // for (purpose, mobile), replacing any earlier one, and sends it when `deliver` (false when
  // there is nobody to send it to, so that the answer cannot tell). A registration code that
  // could not be sent is UNAVAILABLE (nothing is kept, the mobile may ask again at once); a login
  // code that could not be sent answers like one never sent. FAILED_PRECONDITION for every call
  // when no provider is configured.
  virtual absl::StatusOr<SmsIssued> Issue(SmsPurpose purpose, const std::string& mobile,
                                          const std::string& client_ip, bool deliver) = 0;
  // True when `code` is the one sent: it is used up. A wrong guess spends a try; the last one
  // burns the code. False also when there is none (expired, burned, never sent).
  virtual absl::StatusOr<bool> Redeem(SmsPurpose purpose, const std::string& mobile,
                                      const std::string& code) = 0;
};

class RedisSmsCodeBook final : public SmsCodeBook {
 public:
  RedisSmsCodeBook(SmsCodeOptions options, redis::Client& redis, RateLimiter& limiter,
                   SmsSender& sender)
      : options_(options), redis_(redis), limiter_(limiter), sender_(sender) {}

  absl::StatusOr<SmsIssued> Issue(SmsPurpose purpose, const std::string& mobile,
                                  const std::string& client_ip, bool deliver) override;
  absl::StatusOr<bool> Redeem(SmsPurpose purpose, const std::string& mobile,
                              const std::string& code) override;

 private:
  SmsCodeOptions options_;
  redis::Client& redis_;
  RateLimiter& limiter_;
  SmsSender& sender_;
};

}  // namespace paymesh::auth
