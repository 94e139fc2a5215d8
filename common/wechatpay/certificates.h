#pragma once

// GET /v3/certificates (platform certificate mode, §3): the list WeChat answers, each
// certificate encrypted with the merchant's APIv3 key (AEAD_AES_256_GCM, associated_data
// "certificate"). The merchant opens them; the simulator builds the list.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto/x509.h"
#include "common/wechatpay/notification.h"

namespace paymesh::wechatpay {

inline constexpr char kCertificateAssociatedData[] = "certificate";
inline constexpr size_t kMaxCertificates = 16;

struct EncryptedCertificate {
  std::string serial_no;
  std::string effective_time;  // RFC 3339
  std::string expire_time;
  Resource encrypt_certificate;  // no original_type
};

// INVALID_ARGUMENT for malformed JSON, a missing or mistyped field, or more than
// kMaxCertificates entries. An empty list is valid.
absl::StatusOr<std::vector<EncryptedCertificate>> ParseCertificateList(std::string_view body);
std::string SerializeCertificateList(const std::vector<EncryptedCertificate>& certificates);

// Encrypts `pem` for the list (the simulator's side).
absl::StatusOr<EncryptedCertificate> SealCertificate(std::string_view pem,
                                                     std::string_view apiv3_key,
                                                     const crypto::Certificate& certificate);

// Decrypts one and checks it: a PEM certificate whose serial is serial_no. UNAUTHENTICATED when
// it does not decrypt (a wrong APIv3 key or a forged entry), INVALID_ARGUMENT when the content
// is not the certificate it says it is.
absl::StatusOr<crypto::Certificate> OpenCertificate(const EncryptedCertificate& certificate,
                                                    std::string_view apiv3_key);

}  // namespace paymesh::wechatpay
