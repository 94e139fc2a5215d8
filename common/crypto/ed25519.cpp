#include "common/crypto/ed25519.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>

#include "common/crypto/openssl_util.h"

namespace paymesh::crypto {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;

using internal::BioPtr;
using internal::BioText;
using internal::MemBio;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, internal::Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// Never prompt on a terminal for an encrypted PEM: such a key is simply refused.
int NoPassword(char*, int, int, void*) { return -1; }

// Failures leave entries on OpenSSL's thread-local error queue; clear them so they cannot be
// mistaken for a later, unrelated error.
absl::Status Fail(std::string_view message) {
  ERR_clear_error();
  return absl::InvalidArgumentError(std::string(message));
}

}  // namespace

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = MemBio(pem);
  if (!bio) return Fail("cannot read Ed25519 public key PEM");
  std::shared_ptr<EVP_PKEY> key = Own(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (!key) return Fail("invalid public key PEM");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) return Fail("not an Ed25519 public key");
  return Ed25519PublicKey(std::move(key));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromRaw(std::string_view raw32) {
  if (raw32.size() != kKeyBytes) return Fail("an Ed25519 public key is 32 bytes");
  std::shared_ptr<EVP_PKEY> key = Own(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw32.data()),
      raw32.size()));
  if (!key) return Fail("invalid Ed25519 public key");
  return Ed25519PublicKey(std::move(key));
}

bool Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureBytes) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 hashes internally: no digest is given, and the message goes in one shot.
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

std::string Ed25519PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) std::abort();
  return BioText(bio.get());
}

std::string Ed25519PublicKey::Raw() const {
  std::string raw(kKeyBytes, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) !=
          1 ||
      len != kKeyBytes) {
    std::abort();
  }
  return raw;
}

Ed25519PrivateKey Ed25519PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) std::abort();
  return Ed25519PrivateKey(Own(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = MemBio(pem);
  if (!bio) return Fail("cannot read Ed25519 private key PEM");
  std::shared_ptr<EVP_PKEY> key =
      Own(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (!key) return Fail("invalid private key PEM (expected unencrypted PKCS#8)");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) return Fail("not an Ed25519 private key");
  return Ed25519PrivateKey(std::move(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromRawSeed(std::string_view seed32) {
  if (seed32.size() != kKeyBytes) return Fail("an Ed25519 seed is 32 bytes");
  std::shared_ptr<EVP_PKEY> key = Own(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed32.data()),
      seed32.size()));
  if (!key) return Fail("invalid Ed25519 seed");
  return Ed25519PrivateKey(std::move(key));
}

std::string Ed25519PrivateKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureBytes, '\0');
  size_t len = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kSignatureBytes) {
    std::abort();  // cannot fail for a valid key and enough room
  }
  return signature;
}

Ed25519PublicKey Ed25519PrivateKey::PublicKey() const {
  std::string raw(kKeyBytes, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) !=
          1 ||
      len != kKeyBytes) {
    std::abort();
  }
  auto public_key = Ed25519PublicKey::FromRaw(raw);
  if (!public_key.ok()) std::abort();
  return *std::move(public_key);
}

std::string Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY").
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    std::abort();
  }
  return BioText(bio.get());
}

}  // namespace paymesh::crypto
