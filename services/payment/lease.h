#pragma once

// Who runs the settling job: one replica at a time holds a lease; the others stand by and take
// over when it lapses. The job stays correct if two run at once (every change it makes is
// idempotent at WeChat and in order): the lease only saves duplicate calls.
// Blocking (RedisLease): call it from the job's thread only.

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/redis/client.h"

namespace paymesh::payment {

class Lease {
 public:
  virtual ~Lease() = default;
  // True when this replica holds the lease for `ttl` from now (taken, or renewed by its holder);
  // false while another replica holds it. UNAVAILABLE when the lease store cannot be reached.
  virtual absl::StatusOr<bool> Hold(std::chrono::milliseconds ttl) = 0;
};

// Every call holds it: a single replica, or no lease store configured.
class SoleLease final : public Lease {
 public:
  absl::StatusOr<bool> Hold(std::chrono::milliseconds) override { return true; }
};

// A Redis key whose value names the holder: SET NX PX takes it, and only its holder extends it
// (one Lua script: compare, then PEXPIRE), so two replicas never both believe they hold it.
class RedisLease final : public Lease {
 public:
  // `holder` must be unique per process (e.g. a random id).
  RedisLease(redis::Client& client, std::string key, std::string holder);
  absl::StatusOr<bool> Hold(std::chrono::milliseconds ttl) override;

 private:
  redis::Client& client_;
  std::string key_;
  std::string holder_;
};

}  // namespace paymesh::payment
