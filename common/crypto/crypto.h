#pragma once

// Cryptographic primitives on OpenSSL 3: hashes, HMAC, secure random, base64/base64url, hex,
// constant-time comparison. Passwords and signatures live in password.h and ed25519.h.
// All functions are thread-safe. Binary values travel as std::string of raw bytes.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::crypto {

std::string Sha256(std::string_view data);                            // 32 raw bytes
std::string Sha1(std::string_view data);                              // 20 raw bytes
std::string Md5(std::string_view data);                               // 16 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes

std::string HexLower(std::string_view bytes);
std::string HexUpper(std::string_view bytes);

// Standard base64 with '=' padding (RFC 4648 §4). Decode rejects anything else.
std::string Base64Encode(std::string_view bytes);
absl::StatusOr<std::string> Base64Decode(std::string_view text);
// URL-safe base64 without padding (RFC 4648 §5, as in JWTs). Decode rejects padding and
// non-alphabet characters.
std::string Base64UrlEncode(std::string_view bytes);
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

// Cryptographically secure random bytes (RAND_bytes); aborts if the CSPRNG fails.
std::string RandomBytes(size_t n);
// n characters from [0-9A-Za-z], unbiased (rejection sampling).
std::string RandomAlnum(size_t n);
// base64url of `bytes` random bytes, for opaque tokens and ids.
std::string RandomToken(size_t bytes = 32);

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace paymesh::crypto
