#include "bench/common/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace paymesh::bench {
namespace {

std::string Describe(const Exchange& ex) {
  if (!ex.sent) return "not sent: the time cap expired first";
  if (ex.status == 0) return "no response: " + ex.error;
  return std::to_string(ex.status) + " " + ex.response_body.substr(0, 300);
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

}  // namespace

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

ReplaySummary Summarize(const std::vector<Exchange>& exchanges, const RunStats& stats,
                        int expected_status) {
  ReplaySummary s;
  s.planned = exchanges.size();
  s.answered = stats.answered;
  s.time_capped = stats.time_capped;
  s.seconds = std::chrono::duration<double>(stats.elapsed).count();
  s.per_second = s.seconds > 0 ? static_cast<double>(s.answered) / s.seconds : 0;

  std::vector<double> latencies;
  latencies.reserve(exchanges.size());
  for (const Exchange& ex : exchanges) {
    if (ex.sent) ++s.sent;
    if (ex.sent) ++s.statuses[ex.status];
    if (ex.status != 0) {
      latencies.push_back(std::chrono::duration<double, std::milli>(ex.latency).count());
    }
    if (ex.status != expected_status) {
      if (s.failures++ == 0) s.first_failure = Describe(ex);
    }
  }
  std::sort(latencies.begin(), latencies.end());
  s.p50_ms = Percentile(latencies, 0.50);
  s.p90_ms = Percentile(latencies, 0.90);
  s.p99_ms = Percentile(latencies, 0.99);
  s.max_ms = latencies.empty() ? 0 : latencies.back();
  s.mean_ms = latencies.empty() ? 0
                                : std::accumulate(latencies.begin(), latencies.end(), 0.0) /
                                      static_cast<double>(latencies.size());
  return s;
}

void Print(std::ostream& out, const ReplaySummary& s) {
  out << "replay       " << s.answered << " answered of " << s.planned << " planned (" << s.sent
      << " sent) in " << Fixed(s.seconds, 3) << " s"
      << (s.time_capped ? " (stopped by the time cap)" : "") << "\n";
  out << "throughput   " << Fixed(s.per_second, 1) << " req/s\n";
  out << "latency ms   p50 " << Fixed(s.p50_ms, 2) << "   p90 " << Fixed(s.p90_ms, 2) << "   p99 "
      << Fixed(s.p99_ms, 2) << "   max " << Fixed(s.max_ms, 2) << "   mean " << Fixed(s.mean_ms, 2)
      << "\n";
  out << "statuses     ";
  const char* separator = "";
  for (const auto& [status, count] : s.statuses) {
    out << separator << (status == 0 ? std::string("no response") : std::to_string(status)) << " x "
        << count;
    separator = ", ";
  }
  out << (s.statuses.empty() ? "none\n" : "\n");
  if (s.failures > 0) {
    out << "failures     " << s.failures << "; first: " << s.first_failure << "\n";
  }
}

}  // namespace paymesh::bench
