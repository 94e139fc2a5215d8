#include "bench/notify/options.h"

#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>

namespace paymesh::bench {
namespace {

class Problems {
 public:
  void Add(std::string problem) { list_ += (list_.empty() ? "" : "; ") + std::move(problem); }
  bool empty() const { return list_.empty(); }
  const std::string& text() const { return list_; }

 private:
  std::string list_;
};

// An integer in [min, max], or a problem naming the flag.
int64_t Integer(std::string_view flag, std::string_view text, int64_t min, int64_t max,
                Problems& problems) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    problems.Add(std::string(flag) + " must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "], got \"" + std::string(text) + "\"");
    return min;
  }
  return value;
}

double Ratio(std::string_view flag, std::string_view text, Problems& problems) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= 1)) {
    problems.Add(std::string(flag) + " must be a number in [0, 1], got \"" + std::string(text) +
                 "\"");
    return 0;
  }
  return value;
}

void HostPort(std::string_view text, BenchOptions& out, Problems& problems) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    problems.Add("--gateway must be HOST:PORT, got \"" + std::string(text) + "\"");
    return;
  }
  out.gateway_host = std::string(text.substr(0, colon));
  out.gateway_port =
      static_cast<int>(Integer("--gateway port", text.substr(colon + 1), 1, 65535, problems));
}

}  // namespace

absl::StatusOr<BenchOptions> ParseOptions(const std::vector<std::string>& args,
                                          std::string pg_dsn) {
  BenchOptions out;
  out.pg_dsn = std::move(pg_dsn);
  Problems problems;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      problems.Add(flag.rfind('-', 0) == 0 ? flag + " needs a value"
                                           : "unexpected \"" + flag + "\"");
      break;
    }
    const std::string& value = args[++i];
    if (flag == "--gateway") {
      HostPort(value, out, problems);
    } else if (flag == "--sim-state") {
      out.sim_state_dir = value;
    } else if (flag == "-n" || flag == "--orders") {
      out.orders = static_cast<size_t>(Integer(flag, value, 1, 1000000, problems));
    } else if (flag == "-c" || flag == "--connections") {
      out.connections = static_cast<size_t>(Integer(flag, value, 1, 1024, problems));
    } else if (flag == "--setup-connections") {
      out.setup_connections = static_cast<size_t>(Integer(flag, value, 1, 256, problems));
    } else if (flag == "--dup") {
      out.dup_ratio = Ratio(flag, value, problems);
    } else if (flag == "--time-cap") {
      out.time_cap =
          std::chrono::seconds(Integer(flag, value, 1, kMaxReplaySeconds.count(), problems));
    } else if (flag == "--timeout-ms") {
      out.request_timeout = std::chrono::milliseconds(Integer(flag, value, 1, 600000, problems));
    } else if (flag == "--cpu") {
      WatchedProcess watched;
      if (ParseWatch(value, &watched)) {
        out.cpu.push_back(std::move(watched));
      } else {
        problems.Add("--cpu must be NAME=PID, got \"" + value + "\"");
      }
    } else {
      problems.Add("unknown flag \"" + flag + "\"");
    }
  }
  if (out.gateway_port == 0) problems.Add("--gateway is required");
  if (out.sim_state_dir.empty()) problems.Add("--sim-state is required");
  if (out.pg_dsn.empty()) problems.Add("PG_DSN (the environment variable) is required");
  if (!problems.empty()) return absl::InvalidArgumentError(problems.text());
  return out;
}

}  // namespace paymesh::bench
