#pragma once

// WeChat's signing keys for one merchant (§2.5): the public key named PUB_KEY_ID_…, platform
// certificates, or both while a merchant migrates.
//   kPublicKey   : everything is signed with the public key; /v3/certificates answers 404
//                  RESOURCE_NOT_EXISTS (403 when configured so: sources disagree);
//   kCertificate : everything is signed with the newest certificate;
//   kDual        : an answer is signed with the key the request's Wechatpay-Serial names
//                  (the newest certificate when it names none we hold), and notifications
//                  follow notify_serial: the public key, the certificate, or each in turn.
// Rotate() issues a new certificate that signs from then on; the previous one stays listed by
// /v3/certificates (and valid) for the overlap, as WeChat announces a new certificate before the
// old one expires. Thread-safe.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"
#include "common/crypto/x509.h"

namespace paymesh::wechatsim {

inline constexpr int64_t kPlatformCertificateLifetimeSeconds = 5 * 365 * 86400;
inline constexpr char kPlatformCertificateName[] = "WeChat Pay platform (sim)";

enum class PlatformMode { kPublicKey, kCertificate, kDual };
enum class NotifySerial { kAlternate, kPublicKey, kCertificate };

std::optional<PlatformMode> PlatformModeOf(std::string_view name);  // pubkey | cert | dual
const char* PlatformModeName(PlatformMode mode);
std::optional<NotifySerial> NotifySerialOf(std::string_view name);  // alternate | pubkey | cert
const char* NotifySerialName(NotifySerial serial);

struct SigningKey {
  crypto::RsaPrivateKey key;
  std::string serial;  // Wechatpay-Serial
};

struct PlatformCertificate {
  SigningKey signing;
  std::string pem;
  crypto::Certificate certificate;
};

// A certificate of a fresh key with a random 40-hex serial, valid from an hour before `now` for
// `lifetime_seconds`.
absl::StatusOr<PlatformCertificate> IssuePlatformCertificate(int64_t now, int64_t lifetime_seconds);
// The PEM of a certificate of `key` with a fresh serial, valid from an hour before `now`.
absl::StatusOr<std::string> IssueCertificatePem(const crypto::RsaPrivateKey& key, int64_t now,
                                                int64_t lifetime_seconds);
absl::StatusOr<PlatformCertificate> PlatformCertificateOf(crypto::RsaPrivateKey key,
                                                          std::string_view pem);

class PlatformKeys {
 public:
  PlatformKeys(PlatformMode mode, SigningKey public_key, PlatformCertificate certificate);

  SigningKey ForResponse(std::string_view requested_serial) const;
  SigningKey ForNotification();
  // The certificates /v3/certificates lists at `now` (not expired), oldest first; empty in
  // public-key mode.
  std::vector<PlatformCertificate> Listed(int64_t now) const;
  PlatformMode mode() const;
  int certificates_absent_status() const;

  // Returns the new certificate's serial.
  absl::StatusOr<std::string> Rotate(int64_t now, int64_t overlap_seconds);
  void Configure(std::optional<PlatformMode> mode, std::optional<NotifySerial> notify_serial,
                 std::optional<int> certificates_absent_status);
  std::string StatusJson(int64_t now) const;

 private:
  const SigningKey& NewestLocked() const;
  // The one key a single-key mode signs everything with; null in dual mode.
  const SigningKey* SingleKeyLocked() const;

  mutable std::mutex mu_;
  PlatformMode mode_;
  NotifySerial notify_serial_ = NotifySerial::kAlternate;
  int certificates_absent_status_ = 404;
  SigningKey public_key_;
  std::vector<PlatformCertificate> certificates_;  // oldest first; the last one signs
  uint64_t notifications_ = 0;
};

}  // namespace paymesh::wechatsim
