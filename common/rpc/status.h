#pragma once

// absl::Status <-> grpc::Status, in one place. The codes are numerically identical; messages
// pass through unchanged (they must already be safe to show a caller).

#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>

#include "absl/status/status.h"

namespace paymesh::rpc {

// A RESOURCE_EXHAUSTED answer may say when to come back: an absl::Status payload on either side,
// the trailing metadata "retry-after" (whole seconds) on the wire, Retry-After over HTTP.
inline constexpr char kRetryAfterMetadata[] = "retry-after";
absl::Status WithRetryAfter(absl::Status status, std::chrono::seconds after);
std::optional<std::chrono::seconds> RetryAfterOf(const absl::Status& status);

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace paymesh::rpc
