#pragma once

// Auth business rules: registration (a mobile proven by SMS code), password and SMS-code login
// with rate limits, refresh-token rotation with reuse detection, logout and token verification.
// No proto, gRPC, libpq or Redis types.
//
// Every method may block on its stores: call from worker threads only. Register and Login run
// scrypt: the gRPC layer gives them a pool of their own. Thread-safe.
// Codes: INVALID_ARGUMENT bad input (nothing changes), ALREADY_EXISTS taken username/mobile,
// UNAUTHENTICATED bad credentials or tokens, RESOURCE_EXHAUSTED over a rate limit (with a
// retry-after payload, common/rpc/status.h), NOT_FOUND unknown user, UNAVAILABLE a store is
// unreachable.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/crypto/password.h"
#include "common/time/clock.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/session_store.h"
#include "services/auth/sms_codes.h"
#include "services/auth/store.h"
#include "services/auth/token.h"
#include "services/auth/types.h"

namespace paymesh::auth {

struct AuthOptions {
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds refresh_ttl{1209600};
  int64_t login_max_per_user_ip = 10;  // per (username, client IP): nobody else can lock you out
  int64_t login_max_per_ip = 50;
  std::chrono::seconds login_window{300};
  int64_t register_max_per_ip = 10;
  std::chrono::seconds register_window{3600};
  crypto::ScryptParams scrypt;
};

// Rate-limit buckets (the Redis limiter prefixes them with "paymesh:auth:rl:").
// "login:user_ip:<lowercase username>:<ip>"
std::string LoginUserIpBucket(std::string_view username, std::string_view client_ip);
std::string LoginIpBucket(std::string_view client_ip);  // "login:ip:<ip>"

// The client IP as rate limits count it: an IPv4 address as is (also when IPv4-mapped), an IPv6
// address as its /64 ("2001:db8:1:2::/64"), none as "unknown". INVALID_ARGUMENT for junk.
absl::StatusOr<std::string> ClientKey(std::string_view client_ip);

class AuthLogic {
 public:
  struct Deps {
    UserStore* users;
    SessionStore* sessions;
    RateLimiter* limiter;
    const time::Clock* clock;
    const TokenCodec* tokens;
    SmsCodeBook* sms;
  };

  // Fails only if the scrypt parameters are unusable.
  static absl::StatusOr<std::unique_ptr<AuthLogic>> Create(AuthOptions options, Deps deps);

  // A mobile needs its "register" SMS code, checked (and used up) before anything else is told.
  // Counts against the client IP's registration budget first.
  absl::StatusOr<User> Register(std::string_view username, std::string_view password,
                                std::string_view mobile, std::string_view sms_code,
                                std::string_view client_ip);
  // Counts the attempt against (username, client IP) and the client IP ("" counts as "unknown")
  // before any password work. An unknown user and a wrong password get the same answer and cost.
  absl::StatusOr<TokenPair> Login(std::string_view username, std::string_view password,
                                  std::string_view client_ip);
  // Sends a code for `purpose` ("register" | "login"). A login code goes only to a mobile with an
  // account, but the answer is the same either way.
  absl::StatusOr<SmsIssued> SendSmsCode(std::string_view mobile, std::string_view purpose,
                                        std::string_view client_ip);
  // Counts against the client IP's login budget. A wrong code and a mobile without an account
  // get the same answer.
  absl::StatusOr<TokenPair> SmsLogin(std::string_view mobile, std::string_view code,
                                     std::string_view client_ip);
  // A new session for a user signed in some other way (WeChat).
  absl::StatusOr<TokenPair> StartSession(const User& user);
  // A refresh token works once. Presenting a stale one revokes its whole session.
  absl::StatusOr<TokenPair> Refresh(std::string_view refresh_token);
  // Ends the session behind a correctly signed access token, even an expired one. Idempotent.
  absl::Status Logout(std::string_view access_token);
  absl::StatusOr<VerifiedToken> VerifyToken(std::string_view access_token);
  absl::StatusOr<User> GetUser(std::string_view user_id);

 private:
  AuthLogic(AuthOptions options, Deps deps, std::string dummy_hash);

  absl::Status CheckLoginBudget(std::string_view username, const std::string& client_ip);
  TokenPair IssueTokens(const Session& session, const std::string& secret) const;
  int64_t NowUnix() const;

  AuthOptions options_;
  Deps deps_;
  std::string dummy_hash_;  // verified against for unknown users, so they cost the same
};

}  // namespace paymesh::auth
