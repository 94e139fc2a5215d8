#include "common/crypto/password.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <charconv>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"

namespace paymesh::crypto {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

// Bounds for parameters read from a stored hash or used for new ones: enough for any sane
// deployment, small enough that a tampered row cannot make us allocate gigabytes.
constexpr int kMinLog2N = 10, kMaxLog2N = 20;
constexpr int kMaxR = 16, kMaxP = 4;
// scrypt needs 128 * r * N bytes; even within the bounds above, cap the product at 1 GiB.
constexpr uint64_t kMaxMemoryBytes = uint64_t{1} << 30;
constexpr size_t kMinSaltBytes = 8, kMaxSaltBytes = 64;
constexpr size_t kMinHashBytes = 16, kMaxHashBytes = 64;

// Limits for raw Scrypt (which also serves the RFC 7914 vectors, N = 16 and p = 16).
constexpr int kRawMaxLog2N = 24;
constexpr int kRawMaxR = 32, kRawMaxP = 64;

absl::Status CheckStoredParams(const ScryptParams& params) {
  if (params.log2_n < kMinLog2N || params.log2_n > kMaxLog2N || params.r < 1 || params.r > kMaxR ||
      params.p < 1 || params.p > kMaxP) {
    return absl::InvalidArgumentError("scrypt parameters out of bounds");
  }
  if (128 * static_cast<uint64_t>(params.r) << params.log2_n > kMaxMemoryBytes) {
    return absl::InvalidArgumentError("scrypt parameters need too much memory");
  }
  return absl::OkStatus();
}

// PHC strings use standard base64 without padding.
std::string B64NoPad(std::string_view bytes) {
  std::string s = Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

absl::StatusOr<std::string> FromB64NoPad(std::string_view text) {
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("invalid base64");
  std::string padded(text);
  padded.append((4 - text.size() % 4) % 4, '=');
  return Base64Decode(padded);
}

struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
struct KdfDeleter {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Parses "<key>=<1..3 digits>".
bool ParseParam(std::string_view piece, std::string_view key, int* out) {
  if (piece.size() <= key.size() + 1 || piece.substr(0, key.size()) != key ||
      piece[key.size()] != '=') {
    return false;
  }
  const std::string_view digits = piece.substr(key.size() + 1);
  if (digits.size() > 3) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return true;
}

struct ParsedHash {
  ScryptParams params;
  std::string salt;
  std::string hash;
};

absl::StatusOr<ParsedHash> ParsePhc(std::string_view phc) {
  const auto malformed = [] { return absl::InvalidArgumentError("malformed password hash"); };
  // "", "scrypt", "ln=..,r=..,p=..", salt, hash
  const std::vector<std::string_view> parts = Split(phc, '$');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "scrypt") return malformed();
  const std::vector<std::string_view> params = Split(parts[2], ',');
  ParsedHash parsed;
  if (params.size() != 3 || !ParseParam(params[0], "ln", &parsed.params.log2_n) ||
      !ParseParam(params[1], "r", &parsed.params.r) ||
      !ParseParam(params[2], "p", &parsed.params.p)) {
    return malformed();
  }
  RETURN_IF_ERROR(CheckStoredParams(parsed.params));
  auto salt = FromB64NoPad(parts[3]);
  auto hash = FromB64NoPad(parts[4]);
  if (!salt.ok() || !hash.ok()) return malformed();
  if (salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes ||
      hash->size() < kMinHashBytes || hash->size() > kMaxHashBytes) {
    return absl::InvalidArgumentError("password hash salt or key length out of bounds");
  }
  parsed.salt = *std::move(salt);
  parsed.hash = *std::move(hash);
  return parsed;
}

}  // namespace

absl::StatusOr<std::string> Scrypt(std::string_view password, std::string_view salt,
                                   const ScryptParams& params, size_t key_len) {
  if (params.log2_n < 1 || params.log2_n > kRawMaxLog2N || params.r < 1 || params.r > kRawMaxR ||
      params.p < 1 || params.p > kRawMaxP || key_len == 0 || key_len > 1024) {
    return absl::InvalidArgumentError("scrypt parameters out of range");
  }
  uint64_t n = uint64_t{1} << params.log2_n;
  uint32_t r = static_cast<uint32_t>(params.r);
  uint32_t p = static_cast<uint32_t>(params.p);
  // OpenSSL refuses to allocate more than maxmem (32 MB by default): V is 128*r*(N+2) bytes and
  // B is 128*r*p; allow exactly that plus some slack.
  uint64_t maxmem = 128 * uint64_t{r} * (n + 2) + 128 * uint64_t{r} * p + (uint64_t{1} << 20);

  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr));
  if (!kdf) return absl::InternalError("scrypt is unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return absl::InternalError("scrypt context allocation failed");

  OSSL_PARAM ossl_params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  std::string key(key_len, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), key.size(),
                     ossl_params) != 1) {
    return absl::InternalError("scrypt derivation failed");
  }
  return key;
}

absl::StatusOr<std::string> HashPassword(std::string_view password, const ScryptParams& params) {
  RETURN_IF_ERROR(CheckStoredParams(params));
  const std::string salt = RandomBytes(kSaltBytes);
  ASSIGN_OR_RETURN(std::string key, Scrypt(password, salt, params, kHashBytes));
  return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + B64NoPad(salt) + "$" + B64NoPad(key);
}

absl::StatusOr<bool> VerifyPassword(std::string_view password, std::string_view phc) {
  ASSIGN_OR_RETURN(ParsedHash parsed, ParsePhc(phc));
  ASSIGN_OR_RETURN(std::string key,
                   Scrypt(password, parsed.salt, parsed.params, parsed.hash.size()));
  return ConstantTimeEquals(key, parsed.hash);
}

}  // namespace paymesh::crypto
