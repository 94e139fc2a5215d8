#pragma once

// Ed25519 signatures (RFC 8032) through OpenSSL EVP, for access tokens.
// Key objects are immutable after construction and safe to share between threads.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace paymesh::crypto {

class Ed25519PublicKey {
 public:
  static absl::StatusOr<Ed25519PublicKey> FromPem(std::string_view pem);
  static absl::StatusOr<Ed25519PublicKey> FromRaw(std::string_view raw32);
  bool Verify(std::string_view message, std::string_view signature) const;
  std::string ToPem() const;
  std::string Raw() const;  // 32 bytes

 private:
  explicit Ed25519PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

class Ed25519PrivateKey {
 public:
  static Ed25519PrivateKey Generate();
  // PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
  static absl::StatusOr<Ed25519PrivateKey> FromPem(std::string_view pem);
  static absl::StatusOr<Ed25519PrivateKey> FromRawSeed(std::string_view seed32);
  std::string Sign(std::string_view message) const;  // 64 bytes
  Ed25519PublicKey PublicKey() const;
  std::string ToPem() const;

 private:
  explicit Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace paymesh::crypto
