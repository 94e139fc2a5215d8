#include "common/wechatpay/verifier.h"

#include "common/crypto/crypto.h"
#include "common/wechatpay/signing.h"

namespace paymesh::wechatpay {

void Verifier::AddKey(std::string serial, crypto::RsaPublicKey key) {
  keys_.insert_or_assign(std::move(serial), std::move(key));
}

bool Verifier::HasKey(std::string_view serial) const { return keys_.find(serial) != keys_.end(); }

absl::Status Verifier::Verify(const SignatureHeaders& h, std::string_view body,
                              int64_t now) const {
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
  auto key = keys_.find(h.serial);
  if (key == keys_.end()) return absl::UnauthenticatedError("unknown Wechatpay-Serial");
  absl::StatusOr<std::string> sig = crypto::Base64Decode(h.signature);
  if (!sig.ok()) return absl::UnauthenticatedError("Wechatpay-Signature is not base64");
  if (!key->second.VerifySha256(ResponseMessage(h.timestamp, h.nonce, body), *sig)) {
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
