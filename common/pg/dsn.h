#pragma once

// Helpers for libpq connection strings (keyword/value or postgresql:// URL). Pure functions.

#include <string>
#include <string_view>

namespace paymesh::pg {

// Returns dsn with `connect_timeout=<seconds>` added unless it already sets one, so a
// blackholed server cannot hold a connect attempt for libpq's default (forever).
std::string WithConnectTimeout(const std::string& dsn, int seconds);

// libpq's error text for a failed connect, safe to log and return: the password of `dsn` (if
// any) is masked, and when the DSN cannot be parsed the text is dropped entirely because libpq
// may quote fragments of it.
std::string SafeConnectError(const std::string& dsn, std::string_view libpq_message);

}  // namespace paymesh::pg
