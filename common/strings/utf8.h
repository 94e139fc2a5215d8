#pragma once

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): counting, checking,
// and cutting text on a character boundary.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace paymesh::strings {

// The number of code points, or -1 when `s` is not valid UTF-8.
int64_t Utf8CodePoints(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return Utf8CodePoints(s) >= 0; }

// The longest prefix of `s` of at most `max_bytes` that does not split a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

}  // namespace paymesh::strings
