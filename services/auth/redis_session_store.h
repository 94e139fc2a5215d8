#pragma once

// SessionStore on Redis. One hash per session,
//   paymesh:auth:session:<sid>  {user_id, secret_hash, scope, created_at}
// with the refresh TTL; rotation is a compare-and-set Lua script, so it is atomic across
// replicas. Thread-safe (the client pools connections); blocking.

#include <string>

#include "common/redis/client.h"
#include "services/auth/session_store.h"

namespace paymesh::auth {

inline constexpr char kSessionKeyPrefix[] = "paymesh:auth:session:";

class RedisSessionStore : public SessionStore {
 public:
  // `key_prefix` is for tests that need their own key space.
  explicit RedisSessionStore(redis::Client* client, std::string key_prefix = kSessionKeyPrefix);

  absl::Status Create(const Session& session, std::chrono::seconds ttl) override;
  absl::StatusOr<Session> Get(const std::string& session_id) override;
  absl::StatusOr<RotateOutcome> Rotate(const std::string& session_id,
                                       const std::string& expected_hash,
                                       const std::string& new_hash,
                                       std::chrono::seconds ttl) override;
  absl::StatusOr<bool> Delete(const std::string& session_id) override;

  std::string Key(const std::string& session_id) const { return key_prefix_ + session_id; }

 private:
  redis::Client* client_;
  std::string key_prefix_;
};

}  // namespace paymesh::auth
