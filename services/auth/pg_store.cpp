#include "services/auth/pg_store.h"

#include <chrono>
#include <string>

#include "services/auth/scopes.h"

namespace paymesh::auth {
namespace {

// Columns every query returns, in this order; ToUser reads them.
constexpr char kUserColumns[] =
    "id::text, username, coalesce(mobile, ''), array_to_string(scopes, ' '), "
    "(extract(epoch FROM created_at) * 1000000)::bigint";

User ToUser(const pqxx::row& row) {
  User user;
  user.id = row[0].as<std::string>();
  user.username = row[1].as<std::string>();
  user.mobile = row[2].as<std::string>();
  user.scopes = SplitScopes(row[3].as<std::string>());
  user.created_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds(row[4].as<int64_t>())));
  return user;
}

}  // namespace

absl::StatusOr<User> PgUserStore::CreateUser(const NewUser& user) {
  return pool_->Transact<User>([&](pqxx::work& tx) -> absl::StatusOr<User> {
    // ON CONFLICT DO NOTHING covers both unique indexes (and waits for a concurrent insert of
    // the same name to settle) without turning a taken name into an exception.
    pqxx::result inserted = tx.exec_params(
        std::string("INSERT INTO users (username, password_hash, mobile) "
                    "VALUES ($1, $2, NULLIF($3, '')) ON CONFLICT DO NOTHING RETURNING ") +
            kUserColumns,
        user.username, user.password_hash, user.mobile);
    if (!inserted.empty()) return ToUser(inserted[0]);
    pqxx::result taken =
        tx.exec_params("SELECT 1 FROM users WHERE lower(username) = lower($1)", user.username);
    if (!taken.empty()) return absl::AlreadyExistsError("username already taken");
    return absl::AlreadyExistsError("mobile already registered");
  });
}

absl::StatusOr<UserCredentials> PgUserStore::FindByUsername(std::string_view username) {
  std::string name(username);
  return pool_->Transact<UserCredentials>([&](pqxx::work& tx) -> absl::StatusOr<UserCredentials> {
    pqxx::result r = tx.exec_params(std::string("SELECT ") + kUserColumns +
                                        ", coalesce(password_hash, '') FROM users "
                                        "WHERE lower(username) = lower($1)",
                                    name);
    if (r.empty()) return absl::NotFoundError("no such user");
    return UserCredentials{ToUser(r[0]), r[0][5].as<std::string>()};
  });
}

absl::StatusOr<User> PgUserStore::FindById(std::string_view id) {
  std::string user_id(id);
  return pool_->Transact<User>([&](pqxx::work& tx) -> absl::StatusOr<User> {
    pqxx::result r = tx.exec_params(
        std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1::uuid", user_id);
    if (r.empty()) return absl::NotFoundError("no such user");
    return ToUser(r[0]);
  });
}

}  // namespace paymesh::auth
