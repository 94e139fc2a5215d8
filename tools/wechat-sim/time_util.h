#pragma once

// Times as WeChat writes them: RFC 3339 with a +08:00 offset (Beijing time), and parsing of any
// RFC 3339 offset for time_expire.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paymesh::wechatsim {

// "2018-06-08T10:34:56+08:00" for Unix seconds.
std::string FormatBeijingTime(int64_t unix_seconds);
// "2026-11-21T02:00:00.123Z": delivery records.
std::string FormatUtcMillis(std::chrono::system_clock::time_point t);
// Unix seconds of "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (the 'T' and 'Z' in either case), or
// nullopt when malformed or out of range.
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace paymesh::wechatsim
