#pragma once

// Per-method authorization of the services' gRPC calls by the caller's identity (tls.h): the
// DNS names of its certificate. Deny
// by default: a method answers only the identities a rule names; health checks and reflection
// answer any authenticated peer. A refused call ends with PERMISSION_DENIED before it reaches a
// handler, is logged ("rpc refused", the method and the caller's identity) and counted in
// rpc_calls_denied_total{method}.
//
//   rpc::AccessPolicy policy;
//   policy.Allow("payment", "paymesh.order.v1.OrderService", {"ApplyPayment", "RecordPrepay"});
//   server_options.access = std::move(policy);
//
// The check runs only where there are identities, i.e. under mutual TLS.

#include <grpcpp/grpcpp.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace paymesh::rpc {

// The identities paymesh's own services hold. The notify gateway (GATEWAY_ROUTES=notify) may
// hold one of its own, which only passes WeChat's notifications on.
namespace identity {
inline constexpr char kAuth[] = "auth";
inline constexpr char kOrder[] = "order";
inline constexpr char kPayment[] = "payment";
inline constexpr char kGateway[] = "gateway";
inline constexpr char kGatewayNotify[] = "gateway-notify";
}  // namespace identity

class AccessPolicy {
 public:
  // Lets `identity` call each of `methods` of `service` (its full name, "package.Service").
  AccessPolicy& Allow(std::string_view identity, std::string_view service,
                      std::initializer_list<std::string_view> methods);

  // Whether a peer with these identities (its certificate's names) may call `path`
  // ("/package.Service/Method").
  bool Allows(const std::vector<std::string>& identities, std::string_view path) const;

  // Every method path some rule names, and who may call it.
  const std::map<std::string, std::set<std::string>, std::less<>>& rules() const { return rules_; }

 private:
  std::map<std::string, std::set<std::string>, std::less<>> rules_;  // path -> identities
};

// An identity as a certificate names it: 1..253 of [a-z0-9.-].
bool IsIdentityName(std::string_view name);

// The identities of a call's authenticated peer: its certificate's DNS names (never its CN, nor
// URI, e-mail or IP names).
std::vector<std::string> PeerIdentities(const grpc::AuthContext& context);

// The server-side check of `policy`, for ServerCredentials::SetAuthMetadataProcessor.
std::shared_ptr<grpc::AuthMetadataProcessor> MakeAccessChecker(AccessPolicy policy);

}  // namespace paymesh::rpc
