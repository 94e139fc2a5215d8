#include "common/crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "common/crypto/openssl_util.h"

namespace paymesh::crypto {
namespace {

constexpr size_t kMaxPemBytes = 16 * 1024;
constexpr size_t kMaxSerialHex = 40;

using internal::BioPtr;
using internal::BioText;
using internal::Deleter;
using internal::MemBio;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

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
                                                     int64_t not_before, int64_t not_after,
                                                     const std::vector<std::string>& dns_names) {
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
            X509_set_pubkey(cert.get(), pkey.get()) == 1;
  if (ok && !dns_names.empty()) {
    std::string san;
    for (const std::string& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    ok = ext != nullptr && X509_add_ext(cert.get(), ext, -1) == 1;
    X509_EXTENSION_free(ext);
  }
  ok = ok && X509_sign(cert.get(), pkey.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("certificate signing failed");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509(out.get(), cert.get()) != 1) {
    return absl::InternalError("certificate encoding failed");
  }
  return BioText(out.get());
}

namespace {

// Every certificate in `pem`, in order.
std::vector<X509Ptr> ReadCertificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckTlsIdentity(std::string_view ca_pem,
                                                          std::string_view chain_pem,
                                                          std::string_view key_pem) {
  std::vector<X509Ptr> cas = ReadCertificates(ca_pem);
  std::vector<X509Ptr> chain = ReadCertificates(chain_pem);
  BioPtr key_bio = MemBio(key_pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cas.empty()) return absl::InvalidArgumentError("the CA file holds no PEM certificate");
  if (chain.empty()) {
    return absl::InvalidArgumentError("the certificate file holds no PEM certificate");
  }
  if (!key) return absl::InvalidArgumentError("the key file holds no PEM private key");
  if (X509_check_private_key(chain[0].get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the key file is not the key of the certificate");
  }
  StorePtr store(X509_STORE_new());
  for (const X509Ptr& ca : cas) X509_STORE_add_cert(store.get(), ca.get());
  // sk_X509_free is a macro: a deleter of our own.
  auto free_stack = [](STACK_OF(X509) * stack) { sk_X509_free(stack); };
  std::unique_ptr<STACK_OF(X509), decltype(free_stack)> untrusted(sk_X509_new_null(), free_stack);
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted.get()) != 1 ||
      X509_verify_cert(ctx.get()) != 1) {
    const std::string reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return absl::InvalidArgumentError("the certificate does not verify against the CA: " + reason);
  }
  // Both ends of mutual TLS: a service is a client of some and a server to others.
  if (X509_check_purpose(chain[0].get(), X509_PURPOSE_SSL_CLIENT, 0) != 1 ||
      X509_check_purpose(chain[0].get(), X509_PURPOSE_SSL_SERVER, 0) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the certificate must allow both TLS client and server authentication");
  }
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(chain[0].get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
  }
  GENERAL_NAMES_free(sans);
  if (names.empty()) return absl::InvalidArgumentError("the certificate names no DNS name");
  return names;
}

}  // namespace paymesh::crypto
