#pragma once

// Password hashing with scrypt (OpenSSL's EVP_KDF "SCRYPT"), stored as a PHC-style string:
//   $scrypt$ln=15,r=8,p=1$<salt, base64 no padding>$<hash, base64 no padding>
// with a 16-byte random salt per password and a 32-byte derived key.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::crypto {

struct ScryptParams {
  int log2_n = 15;  // N = 32768: ~32 MiB and tens of ms per hash
  int r = 8;
  int p = 1;
};

// Raw scrypt (RFC 7914); exposed for known-answer tests.
absl::StatusOr<std::string> Scrypt(std::string_view password, std::string_view salt,
                                   const ScryptParams& params, size_t key_len);

absl::StatusOr<std::string> HashPassword(std::string_view password,
                                         const ScryptParams& params = {});

// true on match, false on mismatch (compared in constant time); INVALID_ARGUMENT for a malformed
// or out-of-bounds PHC string (ln 10..20, r 1..16, p 1..4, 128*r*N <= 1 GiB), so that a stored
// hash cannot make us allocate unbounded memory. HashPassword enforces the same bounds.
absl::StatusOr<bool> VerifyPassword(std::string_view password, std::string_view phc);

}  // namespace paymesh::crypto
