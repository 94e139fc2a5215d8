#pragma once

// WeChat's notification retry ladder and how the fault knobs shape each attempt. Pure.
//
// Attempt 1 goes out at once; after attempt n fails, attempt n+1 follows after
// 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h (n = 1..15), each
// multiplied by the time scale. Attempt 16 is the last.

#include <chrono>
#include <optional>

#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

inline constexpr int kMaxAttempts = 16;

// The wait after failed attempt `attempt` (1-based), or nullopt once the ladder is exhausted.
std::optional<std::chrono::milliseconds> RetryDelay(int attempt, double time_scale);

enum class AttemptKind { kNormal, kDuplicate, kProbe, kCorrupt, kStale, kDropped };
const char* AttemptKindName(AttemptKind kind);  // normal, duplicate, probe, corrupt, stale, dropped

// The kind of real attempt `attempt` under `faults`: dropped beats corrupt beats stale.
AttemptKind KindOfAttempt(int attempt, const Faults& faults);

}  // namespace paymesh::wechatsim
