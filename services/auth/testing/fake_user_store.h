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
  absl::StatusOr<User> FindByMobile(std::string_view mobile) override;
  absl::StatusOr<User> UpsertWechatUser(const WechatIdentity& identity,
                                        std::string_view new_username) override;
  absl::StatusOr<User> LinkWechatIdentity(std::string_view user_id,
                                          const WechatIdentity& identity) override;
  absl::StatusOr<std::string> FindOpenid(std::string_view user_id, std::string_view appid) override;
  // The identities recorded, for assertions (session keys included).
  std::vector<std::pair<std::string, WechatIdentity>> identities() const;

  size_t size() const;

 private:
  const time::Clock* clock_;
  mutable std::mutex mu_;
  User AddLocked(const NewUser& user);  // requires mu_
  std::vector<UserCredentials> users_;
  std::vector<std::pair<std::string, WechatIdentity>> identities_;  // (user id, identity)
  int next_id_ = 1;
};

}  // namespace paymesh::auth::testing
