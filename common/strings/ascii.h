#pragma once

// ASCII-only text helpers for protocol tokens (header names, schemes, usernames): the same
// answer in every locale. This Abseil build's absl::string_view is not std::string_view, so
// absl's equivalents do not take our std::string_view arguments.

#include <string_view>

namespace paymesh::strings {

// True when `a` and `b` are equal once ASCII letters are lower-cased; other bytes compare as is.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace paymesh::strings
