#pragma once

// JSON-line logging to stdout: one object per line,
//   {"ts":"2026-11-21T10:00:00.123Z","level":"info","service":"order","msg":"...",
//    "request_id":"...", <fields>}
// The request id comes from the calling thread's RequestScope when one is active.
// Never log secrets, tokens, signatures, raw notification bodies or full openids: callers pass
// MaskOpenid()/MaskMobile() values instead.
//
// Thread-safe and non-blocking: the caller formats its line, a writer thread writes it (lines
// stay whole and in order; what is pending at exit is written then).

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "absl/strings/string_view.h"

namespace paymesh::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug|info|warn|error"; false if unknown.
bool ParseLevel(std::string_view text, Level* out);

void Init(std::string service, Level min_level);

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
#ifndef ABSL_USES_STD_STRING_VIEW
  // absl::Status::message() is an absl::string_view, a distinct type in this Abseil build.
  Field(std::string_view k, absl::string_view v) : key(k), value(std::string(v.data(), v.size())) {}
#endif
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  std::variant<std::string, int64_t, double, bool> value;
};

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
// As Write, with fields assembled at run time.
void Write(Level level, std::string_view msg, std::span<const Field> fields);
inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Waits until every line written so far has reached stdout.
void Flush();

// Formats one line without writing it (used by Write; exposed for tests).
std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields);
// As FormatLine, with the timestamp given (tests use a fixed clock).
std::string FormatLineAt(std::chrono::system_clock::time_point ts, Level level,
                         std::string_view msg, std::initializer_list<Field> fields);

// Sets the request id for log lines written by this thread until destruction.
class RequestScope {
 public:
  explicit RequestScope(std::string request_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};
const std::string& CurrentRequestId();

// "oABC…xyz" → "oAB***xyz"-style masks safe for logs.
std::string MaskOpenid(std::string_view openid);
std::string MaskMobile(std::string_view mobile);

}  // namespace paymesh::log
