#pragma once

// IP addresses as text.

#include <string_view>

namespace paymesh::strings {

// A literal IPv4 ("203.0.113.7") or IPv6 ("2001:db8::1") address, nothing else.
bool IsIpAddress(std::string_view text);

}  // namespace paymesh::strings
