#include "common/rpc/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>
#include <optional>

#include "common/crypto/x509.h"
#include "common/rpc/access.h"

namespace paymesh::rpc {
namespace {

constexpr unsigned kRefreshSeconds = 60;

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

  absl::StatusOr<std::vector<std::string>> names =
      crypto::CheckTlsIdentity(ca->Reveal(), cert->Reveal(), key->Reveal());
  if (!names.ok()) {
    env.AddProblem("GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE: " +
                   std::string(names.status().message()));
  } else if (std::none_of(names->begin(), names->end(), IsIdentityName)) {
    // Peers would know this service by no name access.h accepts: every call refused.
    env.AddProblem("GRPC_TLS_CERT_FILE names no identity (a DNS name of [a-z0-9.-])");
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
