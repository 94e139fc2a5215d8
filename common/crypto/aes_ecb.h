#pragma once

// AES-256-ECB with PKCS#7 padding: only for WeChat Pay APIv2 refund notifications, whose
// `req_info` is encrypted this way (docs/wechat-protocols.md §9.6). ECB authenticates nothing;
// callers must treat a decryption as a key check at most and validate the plaintext.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::crypto {

absl::StatusOr<std::string> Aes256EcbEncrypt(std::string_view key, std::string_view plaintext);
// INVALID_ARGUMENT for a key that is not 32 bytes, input that is not whole blocks, or bad
// padding (most often: the wrong key).
absl::StatusOr<std::string> Aes256EcbDecrypt(std::string_view key, std::string_view ciphertext);

}  // namespace paymesh::crypto
