#pragma once

// Verifies WeChat Pay's signature on a response or a notification, with the key named by
// Wechatpay-Serial: a `PUB_KEY_ID_…` public key (public-key mode) or a platform certificate
// serial (certificate mode). Several keys may be held at once (rotation, migration).
//
// Thread-safe: the downloaded platform certificates are replaced while notifications are
// verified (SetCertificates); a Verify() sees either the old set or the new one whole.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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

// A platform certificate's key as the verifier holds it.
struct CertificateKey {
  std::string serial;
  int64_t not_before = 0;  // Unix seconds: the newest certificate is the latest not_before
  crypto::RsaPublicKey key;
  int64_t not_after = INT64_MAX;  // Unix seconds: from then on it verifies nothing
};

// The Wechatpay-* headers read through `header(name)` (whatever holds them: a response, a
// notification's header map).
SignatureHeaders ReadSignatureHeaders(
    const std::function<std::string(std::string_view name)>& header);

class Verifier {
 public:
  // A configured key (public-key mode: the PUB_KEY_ID_… id); the first one added is the
  // preferred serial.
  void AddKey(std::string serial, crypto::RsaPublicKey key);
  // Replaces every downloaded certificate (configured keys stay).
  void SetCertificates(std::vector<CertificateKey> certificates);
  bool HasKey(std::string_view serial) const;
  // The serial requests name in Wechatpay-Serial (which key WeChat should answer under): the
  // first configured key, else the newest certificate, else "".
  std::string PreferredSerial() const;
  std::vector<std::string> CertificateSerials() const;  // sorted

  // UNAUTHENTICATED, with a reason safe to log, when: a header is missing; the signature type
  // is not WECHATPAY2-SHA256-RSA2048; the timestamp is outside the window; the serial is
  // unknown or its certificate expired; the signature is a WECHATPAY/SIGNTEST/ probe, not
  // base64, or does not verify
  // over "timestamp\nnonce\nbody\n" (the raw body bytes).
  absl::Status Verify(const SignatureHeaders& headers, std::string_view body, int64_t now) const;

 private:
  struct Held {
    crypto::RsaPublicKey key;
    int64_t not_after = INT64_MAX;
  };
  struct Keys {
    std::map<std::string, Held, std::less<>> by_serial;
    std::string preferred;
    std::vector<std::string> certificate_serials;
  };
  std::shared_ptr<const Keys> Snapshot() const;

  mutable std::mutex mu_;
  std::vector<std::pair<std::string, crypto::RsaPublicKey>> configured_;  // guarded by mu_
  std::shared_ptr<const Keys> keys_ = std::make_shared<Keys>();           // guarded by mu_
  std::vector<CertificateKey> certificates_;                              // guarded by mu_
  void RebuildLocked();
};

// The signer's side (the simulator): headers for `body` signed with `key` named `serial`.
SignatureHeaders SignResponse(const crypto::RsaPrivateKey& key, std::string serial,
                              std::string_view body, int64_t timestamp, std::string nonce);

}  // namespace paymesh::wechatpay
