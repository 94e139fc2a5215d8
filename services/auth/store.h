#pragma once

// Account storage. The PostgreSQL implementation is pg_store.h; tests use testing/fake_*.
// Implementations are thread-safe and may block (call from worker threads only).

#include <string_view>

#include "absl/status/statusor.h"
#include "services/auth/types.h"

namespace paymesh::auth {

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Inserts a user with the default scopes. ALREADY_EXISTS "username already taken" when the
  // username is taken case-insensitively, "mobile already registered" for a taken mobile.
  virtual absl::StatusOr<User> CreateUser(const NewUser& user) = 0;
  // Case-insensitive lookup. NOT_FOUND when there is no such user.
  virtual absl::StatusOr<UserCredentials> FindByUsername(std::string_view username) = 0;
  // NOT_FOUND when there is no such user; `id` must be a UUID.
  virtual absl::StatusOr<User> FindById(std::string_view id) = 0;
};

}  // namespace paymesh::auth
