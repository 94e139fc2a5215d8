#pragma once

// RFC 3339 timestamps as order and WeChat Pay write them. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/payment/types.h"

namespace paymesh::payment {

// "2026-01-01T08:30:00Z": whole seconds (truncated), UTC.
std::string FormatRfc3339Utc(Timestamp t);
// "2026-01-01T16:30:00+08:00": whole seconds (truncated) in China Standard Time, the form
// WeChat Pay documents for time_expire.
std::string FormatRfc3339China(Timestamp t);
// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; INVALID_ARGUMENT otherwise.
absl::StatusOr<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace paymesh::payment
