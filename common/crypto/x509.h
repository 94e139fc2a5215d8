#pragma once

// X.509 certificates as WeChat Pay's platform certificate mode uses them: the merchant reads a
// downloaded certificate's serial, validity and RSA public key; the simulator issues its own
// (self-signed) platform certificates.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"

namespace paymesh::crypto {

struct Certificate {
  // The serial number's bytes in uppercase hex, as WeChat names the certificate in
  // Wechatpay-Serial (Go's fmt.Sprintf("%X", serial.Bytes())).
  std::string serial;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  RsaPublicKey public_key;
};

// One PEM certificate ("-----BEGIN CERTIFICATE-----") with an RSA key; INVALID_ARGUMENT otherwise.
absl::StatusOr<Certificate> ParseCertificatePem(std::string_view pem);

// A self-signed certificate of `key` with the serial `serial_hex` (hex digits, at most 40),
// valid from `not_before` to `not_after` (Unix seconds), naming `dns_names` (subjectAltName) if
// any, as PEM. INVALID_ARGUMENT for a bad serial or an empty validity.
absl::StatusOr<std::string> SelfSignedCertificatePem(
    const RsaPrivateKey& key, std::string_view serial_hex, std::string_view common_name,
    int64_t not_before, int64_t not_after, const std::vector<std::string>& dns_names = {});

// A TLS identity as mutual TLS between the services uses it: `chain_pem` (leaf first) issued by
// one of the CAs in `ca_pem`, valid now and usable by a TLS client and a TLS server, and
// `key_pem` the leaf's private key. Returns the leaf's DNS names (subjectAltName), or
// INVALID_ARGUMENT saying what is wrong ("the CA file holds no PEM certificate", "... is not the
// key of the certificate", "the certificate does not verify against the CA: <reason>", "...
// names no DNS name").
absl::StatusOr<std::vector<std::string>> CheckTlsIdentity(std::string_view ca_pem,
                                                          std::string_view chain_pem,
                                                          std::string_view key_pem);

}  // namespace paymesh::crypto
