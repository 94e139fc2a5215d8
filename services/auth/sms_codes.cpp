#include "services/auth/sms_codes.h"

#include <openssl/rand.h>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/rpc/status.h"

namespace paymesh::auth {
namespace {

constexpr char kPrefix[] = "paymesh:auth:sms:";

// KEYS[1] code key; ARGV[1] hash, ARGV[2] tries, ARGV[3] TTL seconds.
constexpr char kStoreScript[] = R"lua(
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'tries', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1)lua";

// KEYS[1] code key; ARGV[1] the presented hash. 1 match (deleted), 0 wrong, -1 none.
constexpr char kRedeemScript[] = R"lua(
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return -1 end
if h == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if redis.call('HINCRBY', KEYS[1], 'tries', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 0)lua";

std::string CodeKey(SmsPurpose purpose, const std::string& mobile) {
  return std::string(kPrefix) + "code:" + SmsPurposeName(purpose) + ":" + mobile;
}

std::string CodeHash(SmsPurpose purpose, const std::string& mobile, const std::string& code) {
  return crypto::HexLower(
      crypto::Sha256(std::string(SmsPurposeName(purpose)) + "|" + mobile + "|" + code));
}

// Six uniformly random digits.
std::string NewCode() {
  uint32_t n = 0;
  do {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&n), sizeof(n)) != 1) abort();
  } while (n >= 4294000000u);  // a multiple of 10^6: no modulo bias
  std::string code = std::to_string(n % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

absl::Status TooMany(const char* what, std::chrono::seconds retry_after) {
  return rpc::WithRetryAfter(absl::ResourceExhaustedError(what), retry_after);
}

}  // namespace

absl::StatusOr<SmsPurpose> ParseSmsPurpose(std::string_view purpose) {
  if (purpose == "register") return SmsPurpose::kRegister;
  if (purpose == "login") return SmsPurpose::kLogin;
  return absl::InvalidArgumentError("purpose must be \"register\" or \"login\"");
}

const char* SmsPurposeName(SmsPurpose purpose) {
  return purpose == SmsPurpose::kRegister ? "register" : "login";
}

absl::StatusOr<SmsIssued> RedisSmsCodeBook::Issue(SmsPurpose purpose, const std::string& mobile,
                                                  const std::string& client_ip, bool deliver) {
  // Told to every caller alike, before anything depends on the mobile.
  if (!sender_.configured()) return absl::FailedPreconditionError("SMS is not configured");
  RETURN_IF_ERROR(Spend(limiter_, "sms:ip:" + client_ip, std::chrono::hours(1), options_.max_per_ip,
                        "too many codes requested from this address"));
  const std::string cooldown = std::string(kPrefix) + "cooldown:" + mobile;
  bool first = true;
  if (options_.resend_after.count() > 0) {
    ASSIGN_OR_RETURN(first, redis_.SetNxEx(cooldown, "1", options_.resend_after));
  }
  if (!first) {
    absl::StatusOr<redis::Reply> ttl = redis_.Command({"TTL", cooldown});
    const int64_t left = ttl.ok() ? ttl->integer : options_.resend_after.count();
    return TooMany("a code was sent to this mobile moments ago",
                   std::chrono::seconds(std::max<int64_t>(left, 1)));
  }
  RETURN_IF_ERROR(Spend(limiter_, "sms:day:" + mobile, std::chrono::hours(24), options_.max_per_day,
                        "too many codes sent to this mobile today"));

  const std::string code = NewCode();
  const std::string key = CodeKey(purpose, mobile);
  RETURN_IF_ERROR(redis_
                      .Eval(kStoreScript, {key},
                            {CodeHash(purpose, mobile, code), std::to_string(options_.max_tries),
                             std::to_string(options_.ttl.count())})
                      .status());
  if (deliver) {
    if (absl::Status sent = sender_.Send(mobile, code, options_.ttl); !sent.ok()) {
      (void)redis_.Del(key);
      log::Warn("sms not delivered",
                {{"purpose", SmsPurposeName(purpose)}, {"error", sent.message()}});
      // A login code goes only to mobiles with an account: its failure must look like the
      // silence for a mobile without one. A registration code goes to any mobile, so the
      // caller can be told (and may ask again at once).
      if (purpose == SmsPurpose::kLogin) return SmsIssued{options_.ttl, options_.resend_after};
      (void)redis_.Del(cooldown);
      return absl::UnavailableError("the code could not be sent; try again");
    }
  }
  return SmsIssued{options_.ttl, options_.resend_after};
}

absl::StatusOr<bool> RedisSmsCodeBook::Redeem(SmsPurpose purpose, const std::string& mobile,
                                              const std::string& code) {
  ASSIGN_OR_RETURN(redis::Reply r, redis_.Eval(kRedeemScript, {CodeKey(purpose, mobile)},
                                               {CodeHash(purpose, mobile, code)}));
  return r.integer == 1;
}

}  // namespace paymesh::auth
