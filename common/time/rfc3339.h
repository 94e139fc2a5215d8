#pragma once

// RFC 3339 timestamps: the UTC forms the services write, the +08:00 form WeChat Pay writes, and
// a strict parser of any offset. Pure functions, thread-safe.

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::time {

enum class Precision { kSeconds, kMilliseconds };

// UTC, truncated (not rounded) to `precision`: "2026-11-21T10:00:07Z" or, with kMilliseconds,
// "2026-11-21T10:00:07.890Z".
std::string FormatUtc(std::chrono::system_clock::time_point t,
                      Precision precision = Precision::kSeconds);
// Whole seconds (truncated) in China Standard Time: "2026-11-21T18:00:07+08:00", the form
// WeChat Pay writes and documents for time_expire.
std::string FormatChina(std::chrono::system_clock::time_point t);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", the 'T' and 'Z' in either case, a fraction of 1 to
// 9 digits, to the nanosecond. INVALID_ARGUMENT for anything else, including an impossible date,
// 24:00, a leap second (:60) and a time system_clock cannot hold (before 1678 or after 2261).
absl::StatusOr<std::chrono::system_clock::time_point> Parse(std::string_view text);

}  // namespace paymesh::time
