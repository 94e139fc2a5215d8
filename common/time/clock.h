#pragma once

// The one timestamp type and the one time source of every service.
//
// Timestamp is UTC with microsecond resolution: what PostgreSQL stores and what a
// google.protobuf.Timestamp carries without loss (common/rpc/timestamp.h converts). Logic takes a
// `const Clock&` so that unit tests never read the wall clock (testing/fake_clock.h).

#include <chrono>
#include <cstdint>

namespace paymesh::time {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// Whole seconds since the Unix epoch, rounded down (what WeChat's timestamps carry).
inline int64_t UnixSeconds(Timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The system's wall clock, truncated to microseconds. Lives for the whole program.
const Clock& SystemClock();

}  // namespace paymesh::time
