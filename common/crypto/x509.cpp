#include "common/crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <optional>

namespace paymesh::crypto {
namespace {

constexpr size_t kMaxPemBytes = 16 * 1024;
constexpr size_t kMaxSerialHex = 40;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// ASN1_TIME → Unix seconds, or nullopt.
std::optional<int64_t> UnixOf(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

absl::StatusOr<Certificate> ParseCertificatePem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return absl::InvalidArgumentError("certificate too large");
  BioPtr bio = MemBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return absl::InvalidArgumentError("not a PEM X.509 certificate");
  BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (!serial || BN_is_negative(serial.get()) || BN_is_zero(serial.get())) {
    return absl::InvalidArgumentError("certificate serial is not a positive number");
  }
  char* hex = BN_bn2hex(serial.get());
  std::string serial_hex(hex);
  OPENSSL_free(hex);
  std::optional<int64_t> not_before = UnixOf(X509_get0_notBefore(cert.get()));
  std::optional<int64_t> not_after = UnixOf(X509_get0_notAfter(cert.get()));
  if (!not_before || !not_after)
    return absl::InvalidArgumentError("certificate validity unreadable");
  absl::StatusOr<RsaPublicKey> key = RsaPublicKey::FromPem(pem);
  if (!key.ok()) return absl::InvalidArgumentError("certificate does not hold an RSA key");
  return Certificate{std::move(serial_hex), *not_before, *not_after, std::move(*key)};
}

absl::StatusOr<std::string> SelfSignedCertificatePem(const RsaPrivateKey& key,
                                                     std::string_view serial_hex,
                                                     std::string_view common_name,
                                                     int64_t not_before, int64_t not_after) {
  if (serial_hex.empty() || serial_hex.size() > kMaxSerialHex) {
    return absl::InvalidArgumentError("serial must be 1-40 hex digits");
  }
  for (char c : serial_hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("serial must be 1-40 hex digits");
    }
  }
  if (not_after <= not_before) return absl::InvalidArgumentError("empty validity");
  const std::string key_pem = key.ToPem();
  BioPtr key_bio = MemBio(key_pem);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  X509Ptr cert(X509_new());
  BIGNUM* bn = nullptr;
  const std::string serial(serial_hex);
  if (!pkey || !cert || BN_hex2bn(&bn, serial.c_str()) == 0) {
    return absl::InternalError("certificate allocation failed");
  }
  BnPtr serial_bn(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  bool ok = X509_set_version(cert.get(), 2) == 1 &&
            BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) &&
            ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                       0) == 1 &&
            X509_set_issuer_name(cert.get(), name) == 1 &&
            X509_set_pubkey(cert.get(), pkey.get()) == 1 &&
            X509_sign(cert.get(), pkey.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("certificate signing failed");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509(out.get(), cert.get()) != 1) {
    return absl::InternalError("certificate encoding failed");
  }
  return BioText(out.get());
}

}  // namespace paymesh::crypto
