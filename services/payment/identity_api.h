#pragma once

// Who pays: the openid a user signed in with for an app, which JSAPI and mini program prepays
// carry. Auth owns identities; GrpcAuthClient (grpc_auth_client.h) asks it, testing/ fakes it.
// Blocks (a gRPC call with a deadline): worker threads only. Thread-safe.

#include <string>

#include "absl/status/statusor.h"

namespace paymesh::payment {

class IdentityApi {
 public:
  virtual ~IdentityApi() = default;
  // NOT_FOUND when the user never signed in with that app; UNAVAILABLE when auth is unreachable.
  virtual absl::StatusOr<std::string> OpenidOf(const std::string& user_id,
                                               const std::string& appid) = 0;
};

}  // namespace paymesh::payment
