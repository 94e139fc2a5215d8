#pragma once

// AES-GCM with a 128-bit tag appended to the ciphertext (WeChat Pay's AEAD_AES_256_GCM layout:
// base64(ciphertext || tag) on the wire; callers do the base64). The key length picks AES-128,
// -192 or -256; WeChat Pay keys are 32 bytes. Any nonce length GCM allows is accepted; WeChat
// uses 12 characters.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::crypto {

inline constexpr size_t kGcmTagBytes = 16;

absl::StatusOr<std::string> AesGcmEncrypt(std::string_view key, std::string_view nonce,
                                          std::string_view aad, std::string_view plaintext);
// INVALID_ARGUMENT for a bad key length or input shorter than the tag; UNAUTHENTICATED when the
// tag does not match (wrong key, nonce, associated data, or tampered data).
absl::StatusOr<std::string> AesGcmDecrypt(std::string_view key, std::string_view nonce,
                                          std::string_view aad,
                                          std::string_view ciphertext_and_tag);

}  // namespace paymesh::crypto
