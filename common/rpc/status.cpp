#include "common/rpc/status.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "absl/strings/cord.h"

namespace paymesh::rpc {
namespace {

constexpr char kRetryAfterPayload[] = "type.paymesh.dev/retry-after";
constexpr int64_t kMaxRetryAfterSeconds = 86400;

}  // namespace

absl::Status WithRetryAfter(absl::Status status, std::chrono::seconds after) {
  const int64_t s = std::clamp<int64_t>(after.count(), 1, kMaxRetryAfterSeconds);
  status.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(s)));
  return status;
}

std::optional<std::chrono::seconds> RetryAfterOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  int64_t s = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (ec != std::errc() || ptr != text.data() + text.size() || s < 1 || s > kMaxRetryAfterSeconds) {
    return std::nullopt;
  }
  return std::chrono::seconds(s);
}

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
