#pragma once

// RSA keys and RSASSA-PKCS1-v1_5 with SHA-256 ("SHA256withRSA"), as WeChat Pay v3 uses for
// request, response, notification and client payment signatures. Keys are immutable and safe to
// share between threads. Signatures travel as raw bytes; callers base64 them.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace paymesh::crypto {

class RsaPublicKey {
 public:
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), or the public key of an X.509
  // certificate PEM ("-----BEGIN CERTIFICATE-----").
  static absl::StatusOr<RsaPublicKey> FromPem(std::string_view pem);
  bool VerifySha256(std::string_view message, std::string_view signature) const;
  std::string ToPem() const;  // SPKI PEM
  int bits() const;

 private:
  explicit RsaPublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

class RsaPrivateKey {
 public:
  static RsaPrivateKey Generate(int bits = 2048);
  // PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM.
  static absl::StatusOr<RsaPrivateKey> FromPem(std::string_view pem);
  std::string SignSha256(std::string_view message) const;
  RsaPublicKey PublicKey() const;
  std::string ToPem() const;  // PKCS#8 PEM
  int bits() const;

 private:
  explicit RsaPrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace paymesh::crypto
