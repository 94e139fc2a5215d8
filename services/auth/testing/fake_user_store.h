#pragma once

// In-memory UserStore with the same uniqueness rules as the PostgreSQL schema.

#include <mutex>
#include <vector>

#include "common/time/clock.h"
#include "services/auth/store.h"

namespace paymesh::auth::testing {

class FakeUserStore : public UserStore {
 public:
  explicit FakeUserStore(const time::Clock* clock) : clock_(clock) {}

  absl::StatusOr<User> CreateUser(const NewUser& user) override;
  absl::StatusOr<UserCredentials> FindByUsername(std::string_view username) override;
  absl::StatusOr<User> FindById(std::string_view id) override;

  size_t size() const;

 private:
  const time::Clock* clock_;
  mutable std::mutex mu_;
  std::vector<UserCredentials> users_;
  int next_id_ = 1;
};

}  // namespace paymesh::auth::testing
