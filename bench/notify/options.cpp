#include "bench/notify/options.h"

#include <utility>

#include "bench/common/flags.h"

namespace paymesh::bench {

absl::StatusOr<BenchOptions> ParseOptions(const std::vector<std::string>& args,
                                          std::string pg_dsn) {
  BenchOptions out;
  out.pg_dsn = std::move(pg_dsn);
  FlagProblems problems;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      problems.Add(flag.rfind('-', 0) == 0 ? flag + " needs a value"
                                           : "unexpected \"" + flag + "\"");
      break;
    }
    const std::string& value = args[++i];
    if (flag == "--gateway") {
      HostPortFlag(flag, value, &out.gateway_host, &out.gateway_port, problems);
    } else if (flag == "--sim-state") {
      out.sim_state_dir = value;
    } else if (flag == "-n" || flag == "--orders") {
      out.orders = static_cast<size_t>(IntegerFlag(flag, value, 1, 1000000, problems));
    } else if (flag == "-c" || flag == "--connections") {
      out.connections = static_cast<size_t>(IntegerFlag(flag, value, 1, 1024, problems));
    } else if (flag == "--setup-connections") {
      out.setup_connections = static_cast<size_t>(IntegerFlag(flag, value, 1, 256, problems));
    } else if (flag == "--dup") {
      out.dup_ratio = RatioFlag(flag, value, problems);
    } else if (flag == "--time-cap") {
      out.time_cap =
          std::chrono::seconds(IntegerFlag(flag, value, 1, kMaxReplaySeconds.count(), problems));
    } else if (flag == "--timeout-ms") {
      out.request_timeout =
          std::chrono::milliseconds(IntegerFlag(flag, value, 1, 600000, problems));
    } else if (flag == "--cpu") {
      WatchFlag(flag, value, &out.cpu, problems);
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
