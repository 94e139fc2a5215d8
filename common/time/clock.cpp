#include "common/time/clock.h"

namespace paymesh::time {
namespace {

class WallClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

}  // namespace

const Clock& SystemClock() {
  static const WallClock clock;
  return clock;
}

}  // namespace paymesh::time
