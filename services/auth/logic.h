#pragma once

// Auth business rules: registration, password login with rate limits, refresh-token rotation
// with reuse detection, logout and token verification. No proto, gRPC, libpq or Redis types.
//
// Every method may block on its stores: call from worker threads only. Thread-safe.
// Codes: INVALID_ARGUMENT bad input (nothing changes), ALREADY_EXISTS taken username/mobile,
// UNAUTHENTICATED bad credentials or tokens, RESOURCE_EXHAUSTED too many login attempts,
// NOT_FOUND unknown user, UNAVAILABLE a store is unreachable.

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
#include "services/auth/store.h"
#include "services/auth/token.h"
#include "services/auth/types.h"

namespace paymesh::auth {

struct AuthOptions {
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds refresh_ttl{1209600};
  int64_t login_max_per_user = 10;
  int64_t login_max_per_ip = 50;
  std::chrono::seconds login_window{300};
  crypto::ScryptParams scrypt;
};

// Rate-limit buckets (the Redis limiter prefixes them with "paymesh:auth:rl:").
std::string LoginUserBucket(std::string_view username);  // "login:user:<lowercase username>"
std::string LoginIpBucket(std::string_view client_ip);   // "login:ip:<ip>"

class AuthLogic {
 public:
  struct Deps {
    UserStore* users;
    SessionStore* sessions;
    RateLimiter* limiter;
    const time::Clock* clock;
    const TokenCodec* tokens;
  };

  // Fails only if the scrypt parameters are unusable.
  static absl::StatusOr<std::unique_ptr<AuthLogic>> Create(AuthOptions options, Deps deps);

  absl::StatusOr<User> Register(std::string_view username, std::string_view password,
                                std::string_view mobile);
  // Counts the attempt against the username and the client IP ("" counts as "unknown") before
  // any password work. An unknown user and a wrong password get the same answer and cost.
  absl::StatusOr<TokenPair> Login(std::string_view username, std::string_view password,
                                  std::string_view client_ip);
  // A refresh token works once. Presenting a stale one revokes its whole session.
  absl::StatusOr<TokenPair> Refresh(std::string_view refresh_token);
  // Ends the session behind a correctly signed access token, even an expired one. Idempotent.
  absl::Status Logout(std::string_view access_token);
  absl::StatusOr<VerifiedToken> VerifyToken(std::string_view access_token);
  absl::StatusOr<User> GetUser(std::string_view user_id);

 private:
  AuthLogic(AuthOptions options, Deps deps, std::string dummy_hash);

  absl::Status CheckLoginBudget(std::string_view username, std::string_view client_ip);
  absl::StatusOr<TokenPair> StartSession(const User& user);
  TokenPair IssueTokens(const Session& session, const std::string& secret) const;
  int64_t NowUnix() const;

  AuthOptions options_;
  Deps deps_;
  std::string dummy_hash_;  // verified against for unknown users, so they cost the same
};

}  // namespace paymesh::auth
