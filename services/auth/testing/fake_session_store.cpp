#include "services/auth/testing/fake_session_store.h"

#include <iterator>

namespace paymesh::auth::testing {

void FakeSessionStore::Expire() {
  auto now = clock_->Now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires_at <= now ? sessions_.erase(it) : std::next(it);
  }
}

absl::Status FakeSessionStore::Create(const Session& session, std::chrono::seconds ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  if (sessions_.count(session.session_id) != 0) {
    return absl::AlreadyExistsError("session id taken");
  }
  sessions_[session.session_id] = Entry{session, clock_->Now() + ttl};
  return absl::OkStatus();
}

absl::StatusOr<Session> FakeSessionStore::Get(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return absl::NotFoundError("no such session");
  return it->second.session;
}

absl::StatusOr<RotateOutcome> FakeSessionStore::Rotate(const std::string& session_id,
                                                       const std::string& expected_hash,
                                                       const std::string& new_hash,
                                                       std::chrono::seconds ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return RotateOutcome::kNotFound;
  if (it->second.session.secret_hash != expected_hash) return RotateOutcome::kMismatch;
  it->second.session.secret_hash = new_hash;
  it->second.expires_at = clock_->Now() + ttl;
  return RotateOutcome::kRotated;
}

absl::StatusOr<bool> FakeSessionStore::Delete(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  return sessions_.erase(session_id) > 0;
}

size_t FakeSessionStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = clock_->Now();
  size_t n = 0;
  for (const auto& [id, entry] : sessions_) n += entry.expires_at > now ? 1 : 0;
  return n;
}

}  // namespace paymesh::auth::testing
