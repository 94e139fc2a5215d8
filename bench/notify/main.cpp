// notify-bench: replays signed WeChat Pay TRANSACTION.SUCCESS notifications for distinct PAYING
// orders against the gateway's POST /wechat/notify/pay and reports throughput, latency and
// status codes, then checks in PostgreSQL that every order was paid exactly once.
// bench/notify/run.sh starts the stack it runs against. Exit: 0 all good, 1 a failed request or
// check, 2 bad usage.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/common/http_runner.h"
#include "bench/common/report.h"
#include "bench/common/shop.h"
#include "bench/notify/db_check.h"
#include "bench/notify/notifications.h"
#include "bench/notify/options.h"

namespace paymesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The notifications in a shuffled order, with `ratio` of them (chosen at random) twice: WeChat's
// duplicate deliveries, some of them racing their original.
std::vector<Exchange> PlanReplay(const std::vector<Exchange>& notifications, double ratio) {
  std::mt19937_64 rng(20240501);  // fixed: runs are comparable
  std::vector<size_t> order(notifications.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  const auto dups = static_cast<size_t>(std::llround(ratio * static_cast<double>(order.size())));
  std::vector<size_t> plan = order;
  plan.insert(plan.end(), order.begin(), order.begin() + static_cast<std::ptrdiff_t>(dups));
  std::shuffle(plan.begin(), plan.end(), rng);
  std::vector<Exchange> out;
  out.reserve(plan.size());
  for (size_t i : plan) out.push_back(notifications[i]);
  return out;
}

int Main(const BenchOptions& opt) {
  absl::StatusOr<WechatIdentity> wechat = LoadSimIdentity(opt.sim_state_dir);
  if (!wechat.ok()) {
    std::cerr << "notify-bench: " << wechat.status().message() << "\n";
    return 1;
  }
  std::cout << "notify-bench " << opt.orders << " orders, " << opt.connections
            << " connections, duplicate ratio " << opt.dup_ratio << ", gateway " << opt.gateway_host
            << ":" << opt.gateway_port << std::endl;

  Clock::time_point start = Clock::now();
  absl::StatusOr<std::vector<PlacedOrder>> orders =
      CreatePayingOrders({opt.gateway_host, opt.gateway_port, opt.setup_connections}, opt.orders);
  if (!orders.ok()) {
    std::cerr << "notify-bench: set-up failed: " << orders.status().message() << "\n";
    return 1;
  }
  std::printf("set-up       %zu orders PAYING in %.1f s (%zu connections)\n", orders->size(),
              SecondsSince(start), opt.setup_connections);

  // Signed last, right before the replay: WeChat's signatures are good for 300 s.
  start = Clock::now();
  const Clock::time_point signatures_expire = start + kMaxReplaySeconds;
  absl::StatusOr<std::vector<Exchange>> notifications = BuildNotifications(
      *wechat, *orders, "/wechat/notify/pay", static_cast<int64_t>(std::time(nullptr)));
  if (!notifications.ok()) {
    std::cerr << "notify-bench: " << notifications.status().message() << "\n";
    return 1;
  }
  std::vector<Exchange> replay = PlanReplay(*notifications, opt.dup_ratio);
  std::printf("signing      %zu notifications (+%zu duplicates) in %.2f s\n", notifications->size(),
              replay.size() - notifications->size(), SecondsSince(start));
  std::fflush(stdout);

  RunOptions run;
  run.host = opt.gateway_host;
  run.port = opt.gateway_port;
  run.connections = opt.connections;
  run.request_timeout = opt.request_timeout;
  // Whatever the cap, stop before the signatures expire (signing many takes a while).
  run.time_cap = std::min<std::chrono::milliseconds>(
      opt.time_cap,
      std::chrono::duration_cast<std::chrono::milliseconds>(signatures_expire - Clock::now()));
  std::vector<WatchedProcess> watched = opt.cpu;
  watched.push_back({"notify-bench", static_cast<int>(getpid())});  // the load itself
  const CpuSample cpu_before = SampleCpu(watched);
  const RunStats stats = Run(run, replay);
  const CpuSample cpu_after = SampleCpu(watched);
  const ReplaySummary summary = Summarize(replay, stats, 204);
  Print(std::cout, summary);
  PrintCpuPerUnit(std::cout, cpu_before, cpu_after, static_cast<double>(summary.answered),
                  "notification");

  std::vector<std::string> numbers;
  numbers.reserve(orders->size());
  for (const PlacedOrder& o : *orders) numbers.push_back(o.out_trade_no);
  absl::StatusOr<PaidCounts> counts = CountPaid(opt.pg_dsn, numbers);
  if (!counts.ok()) {
    std::cerr << "notify-bench: database check failed: " << counts.status().message() << "\n";
    return 1;
  }
  const auto n = static_cast<int64_t>(orders->size());
  const bool db_ok = counts->orders == n && counts->paid == n && counts->paid_events == n;
  std::printf("database     %lld of %lld orders PAID, %lld paid events%s\n",
              static_cast<long long>(counts->paid), static_cast<long long>(n),
              static_cast<long long>(counts->paid_events),
              db_ok ? "" : " (expected exactly one PAID order and one event per order)");
  const bool ok = summary.failures == 0 && db_ok;
  std::printf("result       %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace paymesh::bench

int main(int argc, char** argv) {
  const char* dsn = std::getenv("PG_DSN");
  absl::StatusOr<paymesh::bench::BenchOptions> options = paymesh::bench::ParseOptions(
      std::vector<std::string>(argv + 1, argv + argc), dsn != nullptr ? dsn : "");
  if (!options.ok()) {
    std::cerr << "notify-bench: " << options.status().message() << "\n" << paymesh::bench::kUsage;
    return 2;
  }
  return paymesh::bench::Main(*options);
}
