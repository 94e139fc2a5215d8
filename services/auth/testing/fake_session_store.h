#pragma once

// In-memory SessionStore whose entries expire on the given clock.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/time/clock.h"
#include "services/auth/session_store.h"

namespace paymesh::auth::testing {

class FakeSessionStore : public SessionStore {
 public:
  explicit FakeSessionStore(const time::Clock* clock) : clock_(clock) {}

  absl::Status Create(const Session& session, std::chrono::seconds ttl) override;
  absl::StatusOr<Session> Get(const std::string& session_id) override;
  absl::StatusOr<RotateOutcome> Rotate(const std::string& session_id,
                                       const std::string& expected_hash,
                                       const std::string& new_hash,
                                       std::chrono::seconds ttl) override;
  absl::StatusOr<bool> Delete(const std::string& session_id) override;

  // Live sessions.
  size_t size() const;

 private:
  struct Entry {
    Session session;
    std::chrono::system_clock::time_point expires_at;
  };
  // Drops expired entries; mu_ held.
  void Expire();

  const time::Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace paymesh::auth::testing
