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

  // Inserts a user with the default scopes (audited: "registered"). ALREADY_EXISTS "username
  // already taken" when the username is taken case-insensitively, "mobile already registered" for a
  // taken mobile.
  virtual absl::StatusOr<User> CreateUser(const NewUser& user) = 0;
  // Case-insensitive lookup. NOT_FOUND when there is no such user.
  virtual absl::StatusOr<UserCredentials> FindByUsername(std::string_view username) = 0;
  // NOT_FOUND when there is no such user; `id` must be a UUID.
  virtual absl::StatusOr<User> FindById(std::string_view id) = 0;
  // NOT_FOUND when no account has this mobile.
  virtual absl::StatusOr<User> FindByMobile(std::string_view mobile) = 0;

  // Signs a WeChat identity in: the account of (appid, openid); else the account of another
  // identity with the same unionid; else a new account named `new_username`, without password.
  // The identity row is created or refreshed (a known unionid, nickname or avatar is never
  // replaced by an empty one). Audited ("wechat_created" for a new account). Idempotent.
  virtual absl::StatusOr<User> UpsertWechatUser(const WechatIdentity& identity,
                                                std::string_view new_username) = 0;
  // The openid `user_id` last signed in with for `appid`; NOT_FOUND when none.
  virtual absl::StatusOr<std::string> FindOpenid(std::string_view user_id,
                                                 std::string_view appid) = 0;
  // Attaches (appid, openid) to an existing account; repeating it is a no-op. ALREADY_EXISTS
  // when the identity belongs to another account, NOT_FOUND for an unknown user. Audited.
  virtual absl::StatusOr<User> LinkWechatIdentity(std::string_view user_id,
                                                  const WechatIdentity& identity) = 0;
};

}  // namespace paymesh::auth
