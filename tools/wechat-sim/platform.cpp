#include "tools/wechat-sim/platform.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr int64_t kBackdateSeconds = 3600;

// 20 bytes, the first in 0x10..0x7f: 40 hex digits, a positive serial without a leading zero.
std::string NewSerial() {
  std::string bytes = crypto::RandomBytes(20);
  bytes[0] = static_cast<char>(0x10 + static_cast<unsigned char>(bytes[0]) % 0x70);
  return crypto::HexUpper(bytes);
}

template <typename E>
using Names = std::pair<E, const char*>[3];
constexpr Names<PlatformMode> kModeNames = {{PlatformMode::kPublicKey, "pubkey"},
                                            {PlatformMode::kCertificate, "cert"},
                                            {PlatformMode::kDual, "dual"}};
constexpr Names<NotifySerial> kNotifySerialNames = {{NotifySerial::kAlternate, "alternate"},
                                                    {NotifySerial::kPublicKey, "pubkey"},
                                                    {NotifySerial::kCertificate, "cert"}};

template <typename E>
std::optional<E> ValueOf(const Names<E>& names, std::string_view name) {
  for (const auto& [value, text] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <typename E>
const char* NameOf(const Names<E>& names, E value) {
  for (const auto& [v, text] : names) {
    if (v == value) return text;
  }
  return names[0].second;
}

}  // namespace

std::optional<PlatformMode> PlatformModeOf(std::string_view name) {
  return ValueOf(kModeNames, name);
}
const char* PlatformModeName(PlatformMode mode) { return NameOf(kModeNames, mode); }
std::optional<NotifySerial> NotifySerialOf(std::string_view name) {
  return ValueOf(kNotifySerialNames, name);
}
const char* NotifySerialName(NotifySerial serial) { return NameOf(kNotifySerialNames, serial); }

absl::StatusOr<PlatformCertificate> PlatformCertificateOf(crypto::RsaPrivateKey key,
                                                          std::string_view pem) {
  ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::ParseCertificatePem(pem));
  if (!cert.public_key.VerifySha256("m", key.SignSha256("m"))) {
    return absl::InvalidArgumentError("platform certificate does not match its key");
  }
  std::string serial = cert.serial;
  return PlatformCertificate{
      {std::move(key), std::move(serial)}, std::string(pem), std::move(cert)};
}

absl::StatusOr<std::string> IssueCertificatePem(const crypto::RsaPrivateKey& key, int64_t now,
                                                int64_t lifetime_seconds) {
  return crypto::SelfSignedCertificatePem(key, NewSerial(), kPlatformCertificateName,
                                          now - kBackdateSeconds, now + lifetime_seconds);
}

absl::StatusOr<PlatformCertificate> IssuePlatformCertificate(int64_t now,
                                                             int64_t lifetime_seconds) {
  crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate();
  ASSIGN_OR_RETURN(std::string pem, IssueCertificatePem(key, now, lifetime_seconds));
  return PlatformCertificateOf(std::move(key), pem);
}

PlatformKeys::PlatformKeys(PlatformMode mode, SigningKey public_key,
                           PlatformCertificate certificate)
    : mode_(mode), public_key_(std::move(public_key)) {
  certificates_.push_back(std::move(certificate));
}

const SigningKey& PlatformKeys::NewestLocked() const { return certificates_.back().signing; }

const SigningKey* PlatformKeys::SingleKeyLocked() const {
  if (mode_ == PlatformMode::kPublicKey) return &public_key_;
  if (mode_ == PlatformMode::kCertificate) return &NewestLocked();
  return nullptr;
}

SigningKey PlatformKeys::ForResponse(std::string_view requested_serial) const {
  std::lock_guard lock(mu_);
  if (const SigningKey* key = SingleKeyLocked()) return *key;
  // Dual: the key the request names, else the newest certificate.
  if (requested_serial == public_key_.serial) return public_key_;
  for (const PlatformCertificate& c : certificates_) {
    if (c.signing.serial == requested_serial) return c.signing;
  }
  return NewestLocked();
}

SigningKey PlatformKeys::ForNotification() {
  std::lock_guard lock(mu_);
  if (const SigningKey* key = SingleKeyLocked()) return *key;
  switch (notify_serial_) {
    case NotifySerial::kPublicKey:
      return public_key_;
    case NotifySerial::kCertificate:
      return NewestLocked();
    case NotifySerial::kAlternate:
      break;
  }
  return notifications_++ % 2 == 0 ? public_key_ : NewestLocked();
}

std::vector<PlatformCertificate> PlatformKeys::Listed(int64_t now) const {
  std::lock_guard lock(mu_);
  std::vector<PlatformCertificate> out;
  if (mode_ == PlatformMode::kPublicKey) return out;
  for (const PlatformCertificate& c : certificates_) {
    if (c.certificate.not_after > now) out.push_back(c);
  }
  return out;
}

PlatformMode PlatformKeys::mode() const {
  std::lock_guard lock(mu_);
  return mode_;
}

int PlatformKeys::certificates_absent_status() const {
  std::lock_guard lock(mu_);
  return certificates_absent_status_;
}

absl::StatusOr<std::string> PlatformKeys::Rotate(int64_t now, int64_t overlap_seconds) {
  // Key generation takes a while: outside the lock.
  ASSIGN_OR_RETURN(PlatformCertificate next,
                   IssuePlatformCertificate(now, kPlatformCertificateLifetimeSeconds));
  std::lock_guard lock(mu_);
  // The outgoing certificate ends after the overlap: re-issued with the same key and serial.
  PlatformCertificate& current = certificates_.back();
  ASSIGN_OR_RETURN(
      std::string shortened,
      crypto::SelfSignedCertificatePem(current.signing.key, current.signing.serial,
                                       kPlatformCertificateName, current.certificate.not_before,
                                       now + std::max<int64_t>(overlap_seconds, 1)));
  ASSIGN_OR_RETURN(current, PlatformCertificateOf(current.signing.key, shortened));
  std::string serial = next.signing.serial;
  certificates_.push_back(std::move(next));
  std::erase_if(certificates_,
                [now](const PlatformCertificate& c) { return c.certificate.not_after <= now; });
  return serial;
}

void PlatformKeys::Configure(std::optional<PlatformMode> mode,
                             std::optional<NotifySerial> notify_serial,
                             std::optional<int> certificates_absent_status) {
  std::lock_guard lock(mu_);
  if (mode) mode_ = *mode;
  if (notify_serial) notify_serial_ = *notify_serial;
  if (certificates_absent_status) certificates_absent_status_ = *certificates_absent_status;
}

std::string PlatformKeys::StatusJson(int64_t now) const {
  std::lock_guard lock(mu_);
  json::array certs;
  for (const PlatformCertificate& c : certificates_) {
    certs.push_back(json::object{{"serial", c.signing.serial},
                                 {"not_before", c.certificate.not_before},
                                 {"not_after", c.certificate.not_after},
                                 {"listed", c.certificate.not_after > now},
                                 {"signing", &c == &certificates_.back()}});
  }
  return json::serialize(json::object{{"mode", PlatformModeName(mode_)},
                                      {"public_key_id", public_key_.serial},
                                      {"notify_serial", NotifySerialName(notify_serial_)},
                                      {"certificates_absent_status", certificates_absent_status_},
                                      {"certificates", std::move(certs)}});
}

}  // namespace paymesh::wechatsim
