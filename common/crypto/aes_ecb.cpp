#include "common/crypto/aes_ecb.h"

#include <openssl/evp.h>

#include <memory>

namespace paymesh::crypto {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kBlockBytes = 16;

absl::StatusOr<std::string> Run(bool encrypt, std::string_view key, std::string_view input) {
  if (key.size() != kKeyBytes) return absl::InvalidArgumentError("AES-256 key must be 32 bytes");
  if (!encrypt && (input.empty() || input.size() % kBlockBytes != 0)) {
    return absl::InvalidArgumentError("AES-ECB ciphertext is not whole blocks");
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, k, nullptr, encrypt) != 1) {
    return absl::InternalError("AES-ECB init failed");
  }
  std::string out(input.size() + kBlockBytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, tail = 0;
  if (EVP_CipherUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), dst + len, &tail) != 1) {
    return absl::InvalidArgumentError("AES-ECB: bad padding (wrong key?)");
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

}  // namespace

absl::StatusOr<std::string> Aes256EcbEncrypt(std::string_view key, std::string_view plaintext) {
  return Run(true, key, plaintext);
}

absl::StatusOr<std::string> Aes256EcbDecrypt(std::string_view key, std::string_view ciphertext) {
  return Run(false, key, ciphertext);
}

}  // namespace paymesh::crypto
