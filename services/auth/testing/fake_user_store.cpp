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
  return AddLocked(user);
}

User FakeUserStore::AddLocked(const NewUser& user) {
  char id[37];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", next_id_++);
  UserCredentials record;
  record.user = User{id, user.username, user.mobile, {"user"}, clock_->Now()};
  record.password_hash = user.password_hash;
  users_.push_back(record);
  return record.user;
}

absl::StatusOr<User> FakeUserStore::FindByMobile(std::string_view mobile) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const UserCredentials& u : users_) {
    if (!mobile.empty() && u.user.mobile == mobile) return u.user;
  }
  return absl::NotFoundError("no such user");
}

absl::StatusOr<User> FakeUserStore::UpsertWechatUser(const WechatIdentity& identity,
                                                     std::string_view new_username) {
  std::string user_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [owner, known] : identities_) {
      if (known.appid == identity.appid && known.openid == identity.openid) {
        if (!identity.unionid.empty()) known.unionid = identity.unionid;
        if (!identity.nickname.empty()) known.nickname = identity.nickname;
        if (!identity.session_key.empty()) known.session_key = identity.session_key;
        user_id = owner;
      }
    }
    if (user_id.empty() && !identity.unionid.empty()) {
      for (const auto& [owner, known] : identities_) {
        if (known.unionid == identity.unionid) user_id = owner;
      }
    }
    if (user_id.empty()) user_id = AddLocked({std::string(new_username), "", ""}).id;
    bool known = false;
    for (const auto& [owner, k] : identities_) {
      known = known || (k.appid == identity.appid && k.openid == identity.openid);
    }
    if (!known) identities_.emplace_back(user_id, identity);
  }
  return FindById(user_id);
}

absl::StatusOr<User> FakeUserStore::LinkWechatIdentity(std::string_view user_id,
                                                       const WechatIdentity& identity) {
  absl::StatusOr<User> user = FindById(user_id);
  if (!user.ok()) return user.status();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [owner, known] : identities_) {
    if (known.appid == identity.appid && known.openid == identity.openid) {
      if (owner != user_id) return absl::AlreadyExistsError("linked to another account");
      return user;
    }
  }
  identities_.emplace_back(std::string(user_id), identity);
  return user;
}

absl::StatusOr<std::string> FakeUserStore::FindOpenid(std::string_view user_id,
                                                      std::string_view appid) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = identities_.rbegin(); it != identities_.rend(); ++it) {
    if (it->first == user_id && it->second.appid == appid) return it->second.openid;
  }
  return absl::NotFoundError("no WeChat identity for this app");
}

std::vector<std::pair<std::string, WechatIdentity>> FakeUserStore::identities() const {
  std::lock_guard<std::mutex> lock(mu_);
  return identities_;
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
