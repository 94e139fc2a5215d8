#include "services/auth/testing/fake_user_store.h"

#include <cstdio>

#include "common/strings/ascii.h"

namespace paymesh::auth::testing {

absl::StatusOr<User> FakeUserStore::CreateUser(const NewUser& user) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const UserCredentials& u : users_) {
    if (strings::EqualsIgnoreCase(u.user.username, user.username)) {
      return absl::AlreadyExistsError("username already taken");
    }
    if (!user.mobile.empty() && u.user.mobile == user.mobile) {
      return absl::AlreadyExistsError("mobile already registered");
    }
  }
  char id[37];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", next_id_++);
  UserCredentials record;
  record.user = User{id, user.username, user.mobile, {"user"}, clock_->Now()};
  record.password_hash = user.password_hash;
  users_.push_back(record);
  return record.user;
}

absl::StatusOr<UserCredentials> FakeUserStore::FindByUsername(std::string_view username) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const UserCredentials& u : users_) {
    if (strings::EqualsIgnoreCase(u.user.username, username)) return u;
  }
  return absl::NotFoundError("no such user");
}

absl::StatusOr<User> FakeUserStore::FindById(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const UserCredentials& u : users_) {
    if (u.user.id == id) return u.user;
  }
  return absl::NotFoundError("no such user");
}

size_t FakeUserStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return users_.size();
}

}  // namespace paymesh::auth::testing
