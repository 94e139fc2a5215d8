#pragma once

// A clock that moves only when told to.

#include <chrono>
#include <mutex>

#include "common/time/clock.h"

namespace paymesh::time::testing {

class FakeClock final : public Clock {
 public:
  // 2026-01-01T00:00:00Z by default.
  explicit FakeClock(Timestamp start = Timestamp(std::chrono::seconds(1767225600))) : now_(start) {}

  Timestamp Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(Timestamp t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }
  void Advance(std::chrono::microseconds by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  Timestamp now_;
};

}  // namespace paymesh::time::testing
