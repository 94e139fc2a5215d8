#pragma once

// UserStore on PostgreSQL (schema "auth": users, wechat_identities, account_events). The only file
// with SQL; every statement is parameterized. Driver errors are translated here (pg::Pool's
// SQLSTATE mapping). Thread-safe; blocking: call from worker threads only.

#include "common/pg/pool.h"
#include "services/auth/store.h"

namespace paymesh::auth {

inline constexpr char kSchema[] = "auth";

class PgUserStore : public UserStore {
 public:
  explicit PgUserStore(pg::Pool* pool) : pool_(pool) {}

  absl::StatusOr<User> CreateUser(const NewUser& user) override;
  absl::StatusOr<UserCredentials> FindByUsername(std::string_view username) override;
  absl::StatusOr<User> FindById(std::string_view id) override;
  absl::StatusOr<User> FindByMobile(std::string_view mobile) override;
  absl::StatusOr<User> UpsertWechatUser(const WechatIdentity& identity,
                                        std::string_view new_username) override;
  absl::StatusOr<User> LinkWechatIdentity(std::string_view user_id,
                                          const WechatIdentity& identity) override;
  absl::StatusOr<std::string> FindOpenid(std::string_view user_id, std::string_view appid) override;

 private:
  pg::Pool* pool_;
};

}  // namespace paymesh::auth
