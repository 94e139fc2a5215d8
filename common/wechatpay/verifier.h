#pragma once

// Verifies WeChat Pay's signature on a response or a notification, with the key named by
// Wechatpay-Serial: a `PUB_KEY_ID_…` public key (public-key mode) or a platform certificate
// serial (certificate mode). Several keys may be held at once (rotation, migration).
//
// Verify() is const and thread-safe once the keys are added; add keys before sharing.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/crypto/rsa.h"

namespace paymesh::wechatpay {

// The Wechatpay-* headers of a signed response or notification.
struct SignatureHeaders {
  std::string timestamp;       // Wechatpay-Timestamp
  std::string nonce;           // Wechatpay-Nonce
  std::string signature;       // Wechatpay-Signature (base64)
  std::string serial;          // Wechatpay-Serial
  std::string signature_type;  // Wechatpay-Signature-Type; empty means the RSA default
};

class Verifier {
 public:
  void AddKey(std::string serial, crypto::RsaPublicKey key);
  bool HasKey(std::string_view serial) const;

  // UNAUTHENTICATED, with a reason safe to log, when: a header is missing; the signature type
  // is not WECHATPAY2-SHA256-RSA2048; the timestamp is outside the window; the serial is
  // unknown; the signature is a WECHATPAY/SIGNTEST/ probe, not base64, or does not verify
  // over "timestamp\nnonce\nbody\n" (the raw body bytes).
  absl::Status Verify(const SignatureHeaders& headers, std::string_view body, int64_t now) const;

 private:
  std::map<std::string, crypto::RsaPublicKey, std::less<>> keys_;
};

// The signer's side (the simulator): headers for `body` signed with `key` named `serial`.
SignatureHeaders SignResponse(const crypto::RsaPrivateKey& key, std::string serial,
                              std::string_view body, int64_t timestamp, std::string nonce);

}  // namespace paymesh::wechatpay
