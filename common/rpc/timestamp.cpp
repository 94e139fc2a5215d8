#include "common/rpc/timestamp.h"

#include <cstdint>

namespace paymesh::rpc {

void ToProto(time::Timestamp t, google::protobuf::Timestamp* out) {
  const int64_t micros = t.time_since_epoch().count();
  // Floor division: a time before the epoch still gets nanos in [0, 1e9).
  int64_t seconds = micros / 1'000'000;
  int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

google::protobuf::Timestamp ToProto(time::Timestamp t) {
  google::protobuf::Timestamp out;
  ToProto(t, &out);
  return out;
}

absl::StatusOr<time::Timestamp> FromProto(const google::protobuf::Timestamp& t) {
  constexpr int64_t kMinSeconds = -62'135'596'800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
  if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds || t.nanos() < 0 ||
      t.nanos() > 999'999'999) {
    return absl::InvalidArgumentError("timestamp out of range");
  }
  return time::Timestamp(std::chrono::seconds(t.seconds()) +
                         std::chrono::microseconds(t.nanos() / 1000));
}

}  // namespace paymesh::rpc
