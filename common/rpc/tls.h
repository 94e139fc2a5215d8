#pragma once

// Mutual TLS between the services. Each service holds a certificate from the deployment's own
// CA; the certificate's DNS names (subject alternative names) are the service's
// identity: "auth", "order", "payment", "gateway" (scripts/lib/pki.sh issues them for dev and
// tests, cert-manager or an operator in production). A server asks every client for such a
// certificate and refuses the handshake without one; a client checks that the server's
// certificate names the service it meant to reach. Files are re-read every minute, so a renewed
// certificate (a Kubernetes Secret updated in place) is used without a restart.
//
//   TlsConfig tls = LoadTlsConfig(env);        // GRPC_TLS_CA_FILE, _CERT_FILE, _KEY_FILE
//   auto channel = rpc::MakeChannel(cfg.order_grpc_addr, tls, "order");
//
// Without the three files a service runs without TLS (and without identities, so every method
// is open) only when ALLOW_INSECURE_GRPC=1 says so.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/config/env.h"

namespace paymesh::rpc {

struct TlsConfig {
  std::string ca_file;    // PEM: the CA (or CAs) that issue the services' certificates
  std::string cert_file;  // PEM: this service's certificate (chain)
  std::string key_file;   // PEM: its private key
  bool enabled() const { return !ca_file.empty(); }
};

// Reads GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: all three or none; each
// readable PEM, the certificate issued by the CA and matching the key. None is a problem unless
// ALLOW_INSECURE_GRPC=1. Problems go to `env`.
TlsConfig LoadTlsConfig(config::EnvReader& env);

// Server credentials asking for and verifying client certificates, or insecure ones when TLS is
// off.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsConfig& tls);

// Client credentials presenting this service's certificate and verifying the server's against
// the CA and the name it is dialled under (MakeChannel); insecure ones when TLS is off.
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsConfig& tls);

}  // namespace paymesh::rpc
