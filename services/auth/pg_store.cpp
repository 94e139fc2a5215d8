#include "services/auth/pg_store.h"

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "services/auth/scopes.h"

namespace paymesh::auth {
namespace {

// Columns every query returns, in this order; ToUser reads them.
constexpr char kUserColumns[] =
    "id::text, username, coalesce(mobile, ''), array_to_string(scopes, ' '), "
    "(extract(epoch FROM created_at) * 1000000)::bigint";

User ToUser(const pqxx::row& row);

void Audit(pqxx::work& tx, const std::string& user_id, const char* kind,
           const std::string& detail_json) {
  tx.exec_params(
      "INSERT INTO account_events (user_id, kind, detail) VALUES ($1::uuid, $2, $3::jsonb)",
      user_id, std::string(kind), detail_json);
}

// {"appid":..,"openid":"oAbc****wxyz"}: enough to find the identity, never the whole openid.
std::string IdentityDetail(const WechatIdentity& identity) {
  const std::string& o = identity.openid;
  const std::string masked =
      o.size() <= 8 ? "****" : o.substr(0, 4) + "****" + o.substr(o.size() - 4);
  boost::json::object detail{{"appid", identity.appid}, {"openid", masked}};
  return boost::json::serialize(detail);
}

absl::StatusOr<User> UserById(pqxx::work& tx, const std::string& id) {
  pqxx::result r =
      tx.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1::uuid", id);
  if (r.empty()) return absl::NotFoundError("no such user");
  return ToUser(r[0]);
}

// Inserts the identity for `user_id`; false when a concurrent sign-in inserted it first.
bool InsertIdentity(pqxx::work& tx, const WechatIdentity& identity, const std::string& user_id) {
  pqxx::result r = tx.exec_params(
      "INSERT INTO wechat_identities (appid, openid, unionid, user_id, nickname, avatar_url, "
      "session_key) VALUES ($1, $2, NULLIF($3, ''), $4::uuid, $5, $6, NULLIF($7, '')) "
      "ON CONFLICT (appid, openid) DO NOTHING RETURNING 1",
      identity.appid, identity.openid, identity.unionid, user_id, identity.nickname,
      identity.avatar, identity.session_key);
  return !r.empty();
}

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
    if (!inserted.empty()) {
      User created = ToUser(inserted[0]);
      Audit(tx, created.id, "registered", user.mobile.empty() ? "{}" : R"({"mobile":true})");
      return created;
    }
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

absl::StatusOr<User> PgUserStore::FindByMobile(std::string_view mobile) {
  std::string m(mobile);
  return pool_->Transact<User>([&](pqxx::work& tx) -> absl::StatusOr<User> {
    pqxx::result r =
        tx.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE mobile = $1", m);
    if (r.empty()) return absl::NotFoundError("no such user");
    return ToUser(r[0]);
  });
}

absl::StatusOr<User> PgUserStore::UpsertWechatUser(const WechatIdentity& identity,
                                                   std::string_view new_username) {
  std::string username(new_username);
  return pool_->Transact<User>([&](pqxx::work& tx) -> absl::StatusOr<User> {
    pqxx::result known = tx.exec_params(
        "UPDATE wechat_identities SET unionid = coalesce(NULLIF($3, ''), unionid), "
        "nickname = coalesce(NULLIF($4, ''), nickname), "
        "avatar_url = coalesce(NULLIF($5, ''), avatar_url), "
        "session_key = coalesce(NULLIF($6, ''), session_key), updated_at = now() "
        "WHERE appid = $1 AND openid = $2 RETURNING user_id::text",
        identity.appid, identity.openid, identity.unionid, identity.nickname, identity.avatar,
        identity.session_key);
    if (!known.empty()) return UserById(tx, known[0][0].as<std::string>());

    std::string user_id;
    if (!identity.unionid.empty()) {
      pqxx::result same_person = tx.exec_params(
          "SELECT user_id::text FROM wechat_identities WHERE unionid = $1 ORDER BY created_at "
          "LIMIT 1",
          identity.unionid);
      if (!same_person.empty()) user_id = same_person[0][0].as<std::string>();
    }
    const bool created = user_id.empty();
    if (created) {
      pqxx::result inserted =
          tx.exec_params("INSERT INTO users (username) VALUES ($1) RETURNING id::text", username);
      user_id = inserted[0][0].as<std::string>();
    }
    // A concurrent first sign-in of the same identity won: start over and find it.
    if (!InsertIdentity(tx, identity, user_id)) return absl::AbortedError("identity raced");
    Audit(tx, user_id, created ? "wechat_created" : "wechat_linked", IdentityDetail(identity));
    return UserById(tx, user_id);
  });
}

absl::StatusOr<User> PgUserStore::LinkWechatIdentity(std::string_view user_id,
                                                     const WechatIdentity& identity) {
  std::string id(user_id);
  return pool_->Transact<User>([&](pqxx::work& tx) -> absl::StatusOr<User> {
    absl::StatusOr<User> user = UserById(tx, id);
    if (!user.ok()) return user.status();
    pqxx::result owner = tx.exec_params(
        "SELECT user_id::text FROM wechat_identities WHERE appid = $1 AND openid = $2",
        identity.appid, identity.openid);
    if (!owner.empty()) {
      if (owner[0][0].as<std::string>() != user->id) {
        return absl::AlreadyExistsError("this WeChat account is linked to another account");
      }
      return user;
    }
    if (!InsertIdentity(tx, identity, user->id)) return absl::AbortedError("identity raced");
    Audit(tx, user->id, "wechat_linked", IdentityDetail(identity));
    return user;
  });
}

absl::StatusOr<std::string> PgUserStore::FindOpenid(std::string_view user_id,
                                                    std::string_view appid) {
  std::string id(user_id), app(appid);
  return pool_->Transact<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    pqxx::result r = tx.exec_params(
        "SELECT openid FROM wechat_identities WHERE user_id = $1::uuid AND appid = $2 "
        "ORDER BY updated_at DESC LIMIT 1",
        id, app);
    if (r.empty()) return absl::NotFoundError("no WeChat identity for this app");
    return r[0][0].as<std::string>();
  });
}

}  // namespace paymesh::auth
