#pragma once

// Time source for the logic, so unit tests never read the wall clock.

#include <chrono>

namespace paymesh::auth {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

class SystemClock : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace paymesh::auth
