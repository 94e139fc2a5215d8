#include "common/rpc/access.h"

#include <grpc/grpc_security_constants.h>

#include "common/log/log.h"
#include "common/metrics/metrics.h"

namespace paymesh::rpc {
namespace {

constexpr std::string_view kOpenToAnyPeer[] = {
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
};

class AccessChecker final : public grpc::AuthMetadataProcessor {
 public:
  explicit AccessChecker(AccessPolicy policy)
      : policy_(std::move(policy)),
        denied_(&metrics::Registry::Default().AddCounter(
            "rpc_calls_denied_total", "gRPC calls refused to their caller's identity",
            {"method"})) {}

  // Cheap and non-blocking: runs on the thread that received the call.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context, OutputMetadata*,
                       OutputMetadata*) override {
    auto path_it = metadata.find(":path");
    const std::string_view path =
        path_it == metadata.end()
            ? std::string_view()
            : std::string_view(path_it->second.data(), path_it->second.size());
    const std::vector<std::string> identities = PeerIdentities(*context);
    if (!identities.empty() && policy_.Allows(identities, path)) return grpc::Status::OK;

    const std::string method = policy_.rules().contains(path) ? std::string(path) : "other";
    denied_->Inc({method});
    log::Warn("rpc refused", {{"method", std::string(path.substr(0, 128))},
                              {"peer", identities.empty() ? "none" : identities.front()}});
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "this caller may not call " + std::string(path.substr(0, 128)));
  }

 private:
  const AccessPolicy policy_;
  metrics::Counter* denied_;
};

}  // namespace

// gRPC names peers' SANs without their type; DNS names are the ones made of these characters.
bool IsIdentityName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

AccessPolicy& AccessPolicy::Allow(std::string_view identity, std::string_view service,
                                  std::initializer_list<std::string_view> methods) {
  for (std::string_view method : methods) {
    rules_["/" + std::string(service) + "/" + std::string(method)].emplace(identity);
  }
  return *this;
}

bool AccessPolicy::Allows(const std::vector<std::string>& identities, std::string_view path) const {
  if (identities.empty()) return false;
  for (std::string_view open : kOpenToAnyPeer) {
    if (path.starts_with(open) && path.size() > open.size()) return true;
  }
  auto it = rules_.find(path);
  if (it == rules_.end()) return false;
  for (const std::string& identity : identities) {
    if (it->second.contains(identity)) return true;
  }
  return false;
}

std::vector<std::string> PeerIdentities(const grpc::AuthContext& context) {
  std::vector<std::string> out;
  if (!context.IsPeerAuthenticated()) return out;
  // DNS names only: gRPC's list of all SANs mixes in URI, e-mail and IP names without their
  // type, and a CA that restricts DNS names may not restrict those. No CN fallback (RFC 6125).
  for (const grpc::string_ref& dns : context.FindPropertyValues(GRPC_PEER_DNS_PROPERTY_NAME)) {
    std::string_view name(dns.data(), dns.size());
    if (IsIdentityName(name)) out.emplace_back(name);
  }
  return out;
}

std::shared_ptr<grpc::AuthMetadataProcessor> MakeAccessChecker(AccessPolicy policy) {
  return std::make_shared<AccessChecker>(std::move(policy));
}

}  // namespace paymesh::rpc
