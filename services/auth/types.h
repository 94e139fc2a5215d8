#pragma once

// Domain values of the auth service. No proto, gRPC, libpq or Redis types in here.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace paymesh::auth {

// An account as the rest of the system sees it. Never carries the password hash.
struct User {
  std::string id;        // UUID
  std::string username;  // as registered (case preserved)
  std::string mobile;    // "" when none
  std::vector<std::string> scopes;
  std::chrono::system_clock::time_point created_at;
};

// An account plus what a password login needs.
struct UserCredentials {
  User user;
  std::string password_hash;  // PHC string; "" for accounts without a password
};

// What Register stores.
struct NewUser {
  std::string username;
  std::string password_hash;
  std::string mobile;  // "" when none
};

// A WeChat user as one app knows them.
struct WechatIdentity {
  std::string appid;
  std::string openid;
  std::string unionid;      // "" when WeChat did not say
  std::string nickname;     // "" when unknown (snsapi_base, mini program)
  std::string avatar;       // headimgurl
  std::string session_key;  // the mini program's; "" otherwise. Never logged or returned.
};

struct TokenPair {
  std::string access_token;
  int64_t access_expires_in = 0;  // seconds
  std::string refresh_token;
  int64_t refresh_expires_in = 0;  // seconds
  std::string user_id;
};

// A verified access token whose session is live.
struct VerifiedToken {
  std::string user_id;
  std::string session_id;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;  // unix seconds
};

}  // namespace paymesh::auth
