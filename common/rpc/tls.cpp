#include "common/rpc/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <optional>

#include "absl/strings/str_cat.h"

namespace paymesh::rpc {
namespace {

constexpr unsigned kRefreshSeconds = 60;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in `pem`, in order; empty if none or one is broken.
std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  return out;
}

// The certificate (first of the chain) issued by one of `cas` and valid now; "" or what is wrong.
std::string CheckIssuedBy(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& cas) {
  StorePtr store(X509_STORE_new());
  for (const X509Ptr& ca : cas) X509_STORE_add_cert(store.get(), ca.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  std::string problem;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted) != 1 ||
      X509_verify_cert(ctx.get()) != 1) {
    problem = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  sk_X509_free(untrusted);
  return problem;
}

}  // namespace

TlsConfig LoadTlsConfig(config::EnvReader& env) {
  TlsConfig tls{.ca_file = env.String("GRPC_TLS_CA_FILE", ""),
                .cert_file = env.String("GRPC_TLS_CERT_FILE", ""),
                .key_file = env.String("GRPC_TLS_KEY_FILE", "")};
  const bool insecure_allowed = env.Bool("ALLOW_INSECURE_GRPC", false);
  const int set = !tls.ca_file.empty() + !tls.cert_file.empty() + !tls.key_file.empty();
  if (set == 0) {
    if (!insecure_allowed) {
      env.AddProblem(
          "GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are required (mutual TLS "
          "between the services); ALLOW_INSECURE_GRPC=1 runs without them");
    }
    return tls;
  }
  if (set != 3) {
    env.AddProblem("GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together");
    return {};
  }
  std::optional<config::Secret> ca = env.ReadSecretFile("GRPC_TLS_CA_FILE", tls.ca_file);
  std::optional<config::Secret> cert = env.ReadSecretFile("GRPC_TLS_CERT_FILE", tls.cert_file);
  std::optional<config::Secret> key = env.ReadSecretFile("GRPC_TLS_KEY_FILE", tls.key_file);
  if (!ca || !cert || !key) return tls;

  std::vector<X509Ptr> cas = ReadCertificates(ca->Reveal());
  std::vector<X509Ptr> chain = ReadCertificates(cert->Reveal());
  BioPtr key_bio = MemBio(key->Reveal());
  KeyPtr pkey(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (cas.empty()) env.AddProblem("GRPC_TLS_CA_FILE holds no PEM certificate");
  if (chain.empty()) env.AddProblem("GRPC_TLS_CERT_FILE holds no PEM certificate");
  if (!pkey) env.AddProblem("GRPC_TLS_KEY_FILE holds no PEM private key");
  if (cas.empty() || chain.empty() || !pkey) return tls;
  if (X509_check_private_key(chain[0].get(), pkey.get()) != 1) {
    env.AddProblem("GRPC_TLS_KEY_FILE is not the key of the certificate in GRPC_TLS_CERT_FILE");
  }
  if (std::string problem = CheckIssuedBy(chain, cas); !problem.empty()) {
    env.AddProblem(
        absl::StrCat("GRPC_TLS_CERT_FILE does not verify against GRPC_TLS_CA_FILE: ", problem));
  }
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.ca_file, kRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.ca_file, kRefreshSeconds);
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace paymesh::rpc
