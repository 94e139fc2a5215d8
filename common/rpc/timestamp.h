#pragma once

// time::Timestamp <-> google.protobuf.Timestamp, the one time type on every contract. Callers
// test has_<field>() for optional times.

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "common/time/clock.h"

namespace paymesh::rpc {

void ToProto(time::Timestamp t, google::protobuf::Timestamp* out);
google::protobuf::Timestamp ToProto(time::Timestamp t);
// INVALID_ARGUMENT outside the type's documented range (years 1 to 9999, nanos 0 to 999999999),
// so no peer can make the conversion overflow. Nanoseconds below a microsecond are dropped.
absl::StatusOr<time::Timestamp> FromProto(const google::protobuf::Timestamp& t);

}  // namespace paymesh::rpc
