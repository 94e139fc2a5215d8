#include "tools/wechat-sim/ladder.h"

#include <cmath>

namespace paymesh::wechatsim {
namespace {

using std::chrono::seconds;

constexpr seconds kLadder[kMaxAttempts - 1] = {
    seconds(15),    seconds(15),    seconds(30),    seconds(180),   seconds(600),
    seconds(1200),  seconds(1800),  seconds(1800),  seconds(1800),  seconds(3600),
    seconds(10800), seconds(10800), seconds(10800), seconds(21600), seconds(21600)};

}  // namespace

std::optional<std::chrono::milliseconds> RetryDelay(int attempt, double time_scale) {
  if (attempt < 1 || attempt >= kMaxAttempts) return std::nullopt;
  const double ms =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::milliseconds>(kLadder[attempt - 1]).count()) *
      time_scale;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms)));
}

const char* AttemptKindName(AttemptKind kind) {
  switch (kind) {
    case AttemptKind::kNormal:
      return "normal";
    case AttemptKind::kDuplicate:
      return "duplicate";
    case AttemptKind::kProbe:
      return "probe";
    case AttemptKind::kCorrupt:
      return "corrupt";
    case AttemptKind::kStale:
      return "stale";
    case AttemptKind::kDropped:
      return "dropped";
  }
  return "normal";
}

AttemptKind KindOfAttempt(int attempt, const Faults& faults) {
  if (attempt <= faults.drop_first) return AttemptKind::kDropped;
  if (attempt <= faults.corrupt_signature) return AttemptKind::kCorrupt;
  if (attempt <= faults.stale_timestamp) return AttemptKind::kStale;
  return AttemptKind::kNormal;
}

}  // namespace paymesh::wechatsim
