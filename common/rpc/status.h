#pragma once

// absl::Status <-> grpc::Status, in one place. The codes are numerically identical; messages
// pass through unchanged (they must already be safe to show a caller).

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace paymesh::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace paymesh::rpc
