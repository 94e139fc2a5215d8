#pragma once

// Access tokens: compact JWTs signed with Ed25519 ("EdDSA", RFC 8037).
//
//   header  {"alg":"EdDSA","typ":"JWT","kid":"<first 16 hex of SHA-256(raw public key)>"}
//   payload {"iss":"paymesh-auth","sub":<user id>,"sid":<session id>,"scope":"user ...",
//            "iat":<unix s>,"exp":<unix s>}
//
// Verification accepts only alg "EdDSA" with our kid and a valid signature over the first two
// segments, and caps the token at kMaxTokenBytes before decoding anything. A token is current
// while  iat - kClockAllowance <= now < exp : the allowance only absorbs clock differences
// between replicas at issue time; expiry itself has no leeway.
//
// Immutable after construction; safe to share between threads. All failures are
// UNAUTHENTICATED with a short reason that never echoes the token.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto/ed25519.h"

namespace paymesh::auth {

inline constexpr char kTokenIssuer[] = "paymesh-auth";
inline constexpr size_t kMaxTokenBytes = 4096;
inline constexpr int64_t kClockAllowanceSeconds = 5;

struct AccessClaims {
  std::string user_id;              // "sub"
  std::string session_id;           // "sid"
  std::vector<std::string> scopes;  // "scope", space-separated on the wire
  int64_t issued_at = 0;            // "iat", unix seconds
  int64_t expires_at = 0;           // "exp", unix seconds
};

class TokenCodec {
 public:
  explicit TokenCodec(crypto::Ed25519PrivateKey signing_key);

  std::string Sign(const AccessClaims& claims) const;

  // Signature, header and claim shapes only: any issue or expiry time is accepted. For
  // logout, where an expired token may still end its session.
  absl::StatusOr<AccessClaims> Decode(std::string_view token) const;
  // Decode() plus the time window above against `now_unix`.
  absl::StatusOr<AccessClaims> Verify(std::string_view token, int64_t now_unix) const;

  const std::string& kid() const { return kid_; }

 private:
  crypto::Ed25519PrivateKey key_;
  crypto::Ed25519PublicKey public_key_;
  std::string kid_;
  std::string encoded_header_;
};

// The kid for a public key: first 16 hex digits of SHA-256 over its raw 32 bytes.
std::string KeyId(const crypto::Ed25519PublicKey& key);

}  // namespace paymesh::auth
