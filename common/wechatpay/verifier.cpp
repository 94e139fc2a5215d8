#include "common/wechatpay/verifier.h"

#include <algorithm>

#include "common/crypto/crypto.h"
#include "common/wechatpay/signing.h"

namespace paymesh::wechatpay {

SignatureHeaders ReadSignatureHeaders(
    const std::function<std::string(std::string_view name)>& header) {
  SignatureHeaders sig;
  sig.timestamp = header("Wechatpay-Timestamp");
  sig.nonce = header("Wechatpay-Nonce");
  sig.signature = header("Wechatpay-Signature");
  sig.serial = header("Wechatpay-Serial");
  sig.signature_type = header("Wechatpay-Signature-Type");
  return sig;
}

void Verifier::AddKey(std::string serial, crypto::RsaPublicKey key) {
  std::lock_guard lock(mu_);
  configured_.emplace_back(std::move(serial), std::move(key));
  RebuildLocked();
}

void Verifier::SetCertificates(std::vector<CertificateKey> certificates) {
  std::lock_guard lock(mu_);
  certificates_ = std::move(certificates);
  RebuildLocked();
}

// Configured keys win over a certificate of the same serial (none should share one).
void Verifier::RebuildLocked() {
  auto keys = std::make_shared<Keys>();
  const CertificateKey* newest = nullptr;
  for (const CertificateKey& c : certificates_) {
    keys->by_serial.insert_or_assign(c.serial, Held{c.key, c.not_after});
    keys->certificate_serials.push_back(c.serial);
    if (newest == nullptr || c.not_before > newest->not_before) newest = &c;
  }
  std::sort(keys->certificate_serials.begin(), keys->certificate_serials.end());
  for (const auto& [serial, key] : configured_) keys->by_serial.insert_or_assign(serial, Held{key});
  if (!configured_.empty()) {
    keys->preferred = configured_.front().first;
  } else if (newest != nullptr) {
    keys->preferred = newest->serial;
  }
  keys_ = std::move(keys);
}

std::shared_ptr<const Verifier::Keys> Verifier::Snapshot() const {
  std::lock_guard lock(mu_);
  return keys_;
}

bool Verifier::HasKey(std::string_view serial) const {
  return Snapshot()->by_serial.contains(serial);
}

std::string Verifier::PreferredSerial() const { return Snapshot()->preferred; }

std::vector<std::string> Verifier::CertificateSerials() const {
  return Snapshot()->certificate_serials;
}

absl::Status Verifier::Verify(const SignatureHeaders& h, std::string_view body, int64_t now) const {
  if (h.timestamp.empty() || h.nonce.empty() || h.signature.empty() || h.serial.empty()) {
    return absl::UnauthenticatedError("missing Wechatpay signature headers");
  }
  if (!h.signature_type.empty() && h.signature_type != kAuthScheme) {
    return absl::UnauthenticatedError("unsupported Wechatpay-Signature-Type");
  }
  // A probe is not special-cased as valid: it fails like any bad signature, before any key is
  // looked up, and says so.
  if (IsSignatureProbe(h.signature)) {
    return absl::UnauthenticatedError("signature probe (WECHATPAY/SIGNTEST) does not verify");
  }
  if (absl::Status st = CheckTimestamp(h.timestamp, now); !st.ok()) return st;
  const std::shared_ptr<const Keys> keys = Snapshot();
  auto key = keys->by_serial.find(h.serial);
  if (key == keys->by_serial.end()) return absl::UnauthenticatedError("unknown Wechatpay-Serial");
  if (now >= key->second.not_after) {
    return absl::UnauthenticatedError("the platform certificate of Wechatpay-Serial has expired");
  }
  absl::StatusOr<std::string> sig = crypto::Base64Decode(h.signature);
  if (!sig.ok()) return absl::UnauthenticatedError("Wechatpay-Signature is not base64");
  if (!key->second.key.VerifySha256(ResponseMessage(h.timestamp, h.nonce, body), *sig)) {
    return absl::UnauthenticatedError("Wechatpay-Signature does not verify");
  }
  return absl::OkStatus();
}

SignatureHeaders SignResponse(const crypto::RsaPrivateKey& key, std::string serial,
                              std::string_view body, int64_t timestamp, std::string nonce) {
  SignatureHeaders h;
  h.timestamp = std::to_string(timestamp);
  h.nonce = std::move(nonce);
  h.signature = crypto::Base64Encode(key.SignSha256(ResponseMessage(h.timestamp, h.nonce, body)));
  h.serial = std::move(serial);
  h.signature_type = kAuthScheme;
  return h;
}

}  // namespace paymesh::wechatpay
