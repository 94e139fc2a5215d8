#include "common/rpc/status.h"

#include <string>

namespace paymesh::rpc {

// absl::StatusCode and grpc::StatusCode share their numbering (both follow google.rpc.Code),
// so the conversion is a cast; unknown values become UNKNOWN.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  const auto grpc_code = (code > 0 && code <= static_cast<int>(grpc::StatusCode::UNAUTHENTICATED))
                             ? static_cast<grpc::StatusCode>(code)
                             : grpc::StatusCode::UNKNOWN;
  return grpc::Status(grpc_code, std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  const auto absl_code = (code > 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated))
                             ? static_cast<absl::StatusCode>(code)
                             : absl::StatusCode::kUnknown;
  return absl::Status(absl_code, status.error_message());
}

}  // namespace paymesh::rpc
