#pragma once

// What a replay measured: counts, throughput, latency percentiles and the status histogram.

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "bench/common/http_runner.h"

namespace paymesh::bench {

struct ReplaySummary {
  size_t planned = 0;
  size_t sent = 0;
  size_t answered = 0;
  bool time_capped = false;
  double seconds = 0;
  double per_second = 0;  // answered / seconds
  // Latencies of answered exchanges in milliseconds (nearest-rank percentiles).
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
  std::map<int, size_t> statuses;  // status → count; 0 = sent but no response
  std::string first_failure;       // the first exchange that did not get `expected_status`
  size_t failures = 0;             // planned exchanges that did not get it (unsent included)
};

ReplaySummary Summarize(const std::vector<Exchange>& exchanges, const RunStats& stats,
                        int expected_status);

// The summary as aligned text lines.
void Print(std::ostream& out, const ReplaySummary& summary);

// The nearest-rank percentile `p` (0 < p <= 1) of sorted values; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace paymesh::bench
