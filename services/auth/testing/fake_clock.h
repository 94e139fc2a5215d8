#pragma once

// A clock that moves only when told to.

#include <chrono>
#include <mutex>

#include "services/auth/clock.h"

namespace paymesh::auth::testing {

class FakeClock : public Clock {
 public:
  // 2026-01-01T00:00:00Z by default.
  explicit FakeClock(std::chrono::system_clock::time_point start =
                         std::chrono::system_clock::time_point(std::chrono::seconds(1767225600)))
      : now_(start) {}

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(std::chrono::seconds by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

}  // namespace paymesh::auth::testing
