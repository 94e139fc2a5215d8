#pragma once

// notify-bench's command line. Every problem is reported at once, like the services' config.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/common/cpu.h"

namespace paymesh::bench {

// Signatures are refused 300 s after they were made: the replay ends this long after signing
// began, whatever --time-cap says.
inline constexpr std::chrono::seconds kMaxReplaySeconds{280};

struct BenchOptions {
  std::string gateway_host = "127.0.0.1";
  int gateway_port = 0;
  std::string sim_state_dir;
  std::string pg_dsn;  // from the environment (PG_DSN), not argv: it carries a password
  size_t orders = 2000;
  size_t connections = 32;
  size_t setup_connections = 8;
  double dup_ratio = 0;  // 0–1: the share of notifications sent a second time
  std::chrono::seconds time_cap{120};
  std::chrono::milliseconds request_timeout{10000};
  std::vector<WatchedProcess> cpu;  // --cpu NAME=PID (repeatable): CPU time per notification
};

inline constexpr char kUsage[] =
    "usage: PG_DSN=... notify-bench --gateway HOST:PORT --sim-state DIR\n"
    "                    [-n ORDERS=2000] [-c CONNECTIONS=32] [--dup RATIO=0]\n"
    "                    [--setup-connections 8] [--time-cap SECONDS=120] [--timeout-ms 10000]\n"
    "                    [--cpu NAME=PID ...]\n";

// INVALID_ARGUMENT listing every unknown flag, missing value or value out of range, and a
// missing `pg_dsn`.
absl::StatusOr<BenchOptions> ParseOptions(const std::vector<std::string>& args, std::string pg_dsn);

}  // namespace paymesh::bench
