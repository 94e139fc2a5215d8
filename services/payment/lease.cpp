#include "services/payment/lease.h"

#include <utility>

#include "common/error/status_macros.h"

namespace paymesh::payment {
namespace {

// Take the lease when free, or extend it when ours; 1 when held by us afterwards, else 0.
constexpr char kHoldScript[] = R"lua(
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

}  // namespace

RedisLease::RedisLease(redis::Client& client, std::string key, std::string holder)
    : client_(client), key_(std::move(key)), holder_(std::move(holder)) {}

absl::StatusOr<bool> RedisLease::Hold(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return absl::InvalidArgumentError("lease ttl must be positive");
  ASSIGN_OR_RETURN(redis::Reply reply,
                   client_.Eval(kHoldScript, {key_}, {holder_, std::to_string(ttl.count())}));
  if (reply.type != redis::Reply::Type::kInteger) {
    return absl::InternalError("lease script answered an unexpected reply");
  }
  return reply.integer == 1;
}

}  // namespace paymesh::payment
