#pragma once

// A clock that moves only when told to.

#include <chrono>
#include <mutex>

#include "services/payment/types.h"

namespace paymesh::payment::testing {

class FakeClock {
 public:
  // 2026-01-01T00:00:00Z by default.
  explicit FakeClock(Timestamp start = Timestamp(std::chrono::seconds(1767225600))) : now_(start) {}

  Timestamp Now() const {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(std::chrono::milliseconds by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }
  // A Clock reading this one, which must outlive it.
  Clock AsClock() {
    return [this] { return Now(); };
  }

 private:
  mutable std::mutex mu_;
  Timestamp now_;
};

}  // namespace paymesh::payment::testing
