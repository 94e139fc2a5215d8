#pragma once

// Login sessions: one per login, keyed by an opaque session id, holding the SHA-256 of the
// current refresh secret. Deleting a session revokes every token issued for it at once.
// The Redis implementation is redis_session_store.h. Implementations are thread-safe and may
// block (call from worker threads only). Errors: UNAVAILABLE when the store cannot be reached.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace paymesh::auth {

struct Session {
  std::string session_id;
  std::string user_id;
  std::string secret_hash;  // hex SHA-256 of the current refresh secret
  std::vector<std::string> scopes;
  int64_t created_at = 0;  // unix seconds
};

enum class RotateOutcome {
  kRotated,   // the stored hash matched and was replaced
  kMismatch,  // the stored hash is a different one (the presented secret is stale)
  kNotFound,  // no such session (expired or revoked)
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Stores a new session that expires after `ttl`. ALREADY_EXISTS if the id is taken.
  virtual absl::Status Create(const Session& session, std::chrono::seconds ttl) = 0;
  // NOT_FOUND when the session does not exist (never created, expired or revoked).
  virtual absl::StatusOr<Session> Get(const std::string& session_id) = 0;
  // Atomically replaces the secret hash if it still equals `expected_hash`, and restarts the
  // session's expiry at `ttl`. Of two concurrent rotations from the same hash exactly one wins.
  virtual absl::StatusOr<RotateOutcome> Rotate(const std::string& session_id,
                                               const std::string& expected_hash,
                                               const std::string& new_hash,
                                               std::chrono::seconds ttl) = 0;
  // Removes the session; true if it existed.
  virtual absl::StatusOr<bool> Delete(const std::string& session_id) = 0;
};

}  // namespace paymesh::auth
