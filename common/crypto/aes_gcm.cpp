#include "common/crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <memory>

namespace paymesh::crypto {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const EVP_CIPHER* CipherFor(size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return nullptr;
  }
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Sets cipher, nonce length, key and nonce; then the associated data.
bool Init(EVP_CIPHER_CTX* ctx, bool encrypt, const EVP_CIPHER* cipher, std::string_view key,
          std::string_view nonce, std::string_view aad) {
  auto init = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex;
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  int len = 0;
  return init(ctx, cipher, nullptr, nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                             nullptr) == 1 &&
         init(ctx, nullptr, nullptr, U(key), U(nonce)) == 1 &&
         (aad.empty() || update(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1);
}

}  // namespace

absl::StatusOr<std::string> AesGcmEncrypt(std::string_view key, std::string_view nonce,
                                          std::string_view aad, std::string_view plaintext) {
  const EVP_CIPHER* cipher = CipherFor(key.size());
  if (cipher == nullptr)
    return absl::InvalidArgumentError("AES-GCM key must be 16, 24 or 32 bytes");
  if (nonce.empty()) return absl::InvalidArgumentError("AES-GCM nonce is empty");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || !Init(ctx.get(), true, cipher, key, nonce, aad)) {
    return absl::InternalError("AES-GCM encrypt init failed");
  }
  std::string out(plaintext.size() + kGcmTagBytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, tail = 0;
  if (EVP_EncryptUpdate(ctx.get(), dst, &len, U(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), dst + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagBytes, dst + len + tail) != 1) {
    return absl::InternalError("AES-GCM encrypt failed");
  }
  return out;
}

absl::StatusOr<std::string> AesGcmDecrypt(std::string_view key, std::string_view nonce,
                                          std::string_view aad,
                                          std::string_view ciphertext_and_tag) {
  const EVP_CIPHER* cipher = CipherFor(key.size());
  if (cipher == nullptr)
    return absl::InvalidArgumentError("AES-GCM key must be 16, 24 or 32 bytes");
  if (nonce.empty()) return absl::InvalidArgumentError("AES-GCM nonce is empty");
  if (ciphertext_and_tag.size() < kGcmTagBytes) {
    return absl::InvalidArgumentError("AES-GCM ciphertext shorter than its tag");
  }
  std::string_view data = ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kGcmTagBytes);
  std::string tag(ciphertext_and_tag.substr(data.size()));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || !Init(ctx.get(), false, cipher, key, nonce, aad)) {
    return absl::InternalError("AES-GCM decrypt init failed");
  }
  std::string out(data.size(), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, tail = 0;
  if (EVP_DecryptUpdate(ctx.get(), dst, &len, U(data), static_cast<int>(data.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagBytes, tag.data()) != 1) {
    return absl::InternalError("AES-GCM decrypt failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), dst + len, &tail) != 1) {
    return absl::UnauthenticatedError("AES-GCM tag mismatch");
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

}  // namespace paymesh::crypto
