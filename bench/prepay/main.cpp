// prepay-bench: orders created and native prepays issued per second through the gateway, with
// WeChat played by the simulator (signed requests, signed answers), the CPU each process spends
// per order and per prepay, and the share of the machine's CPU that RSA signatures take — the
// cost that cannot go away: every prepay is one SHA256withRSA signature by payment and one by
// WeChat, each checked by the other side. bench/prepay/run.sh starts the stack it runs against.
// Exit: 0 when every request got its expected answer, 1 otherwise, 2 for bad usage.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "bench/common/report.h"
#include "bench/common/shop.h"
#include "common/crypto/rsa.h"

namespace paymesh::bench {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t orders = 2000;
  size_t connections = 16;
  std::vector<WatchedProcess> cpu;
};

constexpr char kUsage[] =
    "usage: prepay-bench --gateway HOST:PORT [-n ORDERS=2000] [-c CONNECTIONS=16]\n"
    "                    [--cpu NAME=PID ...]\n";

absl::StatusOr<Options> Parse(const std::vector<std::string>& args) {
  Options out;
  FlagProblems problems;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      problems.Add(flag + " needs a value");
      break;
    }
    const std::string& value = args[++i];
    if (flag == "--gateway") {
      HostPortFlag(flag, value, &out.host, &out.port, problems);
    } else if (flag == "-n" || flag == "--orders") {
      out.orders = static_cast<size_t>(IntegerFlag(flag, value, 1, 1000000, problems));
    } else if (flag == "-c" || flag == "--connections") {
      out.connections = static_cast<size_t>(IntegerFlag(flag, value, 1, 1024, problems));
    } else if (flag == "--cpu") {
      WatchFlag(flag, value, &out.cpu, problems);
    } else {
      problems.Add("unknown flag \"" + flag + "\"");
    }
  }
  if (out.port == 0) problems.Add("--gateway is required");
  if (!problems.empty()) return absl::InvalidArgumentError(problems.text());
  return out;
}

// Milliseconds of one core per RSA-2048 signature and per verification, on this machine.
struct RsaCost {
  double sign_ms = 0;
  double verify_ms = 0;
};

RsaCost MeasureRsa() {
  using Clock = std::chrono::steady_clock;
  const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  const crypto::RsaPublicKey pub = key.PublicKey();
  const std::string message(600, 'm');  // about a prepay request's signing string
  constexpr int kSigns = 200, kVerifies = 2000;
  std::string signature;
  auto start = Clock::now();
  for (int i = 0; i < kSigns; ++i) signature = key.SignSha256(message);
  const double sign = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  start = Clock::now();
  for (int i = 0; i < kVerifies; ++i) {
    if (!pub.VerifySha256(message, signature)) std::abort();
  }
  const double verify = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return {sign / kSigns, verify / kVerifies};
}

// Runs one phase, prints its throughput, latency and CPU per unit; false when it failed.
template <typename Fn>
bool Measure(const char* label, const char* unit, const std::vector<WatchedProcess>& watched,
             int expected_status, Phase* phase, CpuSample* before, CpuSample* after, Fn run) {
  *before = SampleCpu(watched);
  const absl::Status status = run();
  *after = SampleCpu(watched);
  const ReplaySummary summary = Summarize(phase->exchanges, phase->stats, expected_status);
  std::printf("%-12s %zu in %.2f s: %.1f/s, latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
              label, summary.answered, summary.seconds, summary.per_second, summary.p50_ms,
              summary.p90_ms, summary.p99_ms, summary.max_ms);
  std::fflush(stdout);
  PrintCpuPerUnit(std::cout, *before, *after, static_cast<double>(summary.answered), unit);
  if (!status.ok()) std::cerr << "prepay-bench: " << label << ": " << status.message() << "\n";
  return status.ok();
}

int Main(const Options& opt) {
  std::vector<WatchedProcess> watched = opt.cpu;
  watched.push_back({"prepay-bench", static_cast<int>(getpid())});
  std::cout << "prepay-bench " << opt.orders << " orders, " << opt.connections
            << " connections, gateway " << opt.host << ":" << opt.port << std::endl;
  absl::StatusOr<Shop> shop = Shop::Open({opt.host, opt.port, opt.connections});
  if (!shop.ok()) {
    std::cerr << "prepay-bench: " << shop.status().message() << "\n";
    return 1;
  }
  Phase create, pay;
  CpuSample before, after;
  std::vector<PlacedOrder> orders;
  bool ok = Measure("orders", "order", watched, 201, &create, &before, &after, [&] {
    absl::StatusOr<std::vector<PlacedOrder>> placed = shop->PlaceOrders(opt.orders, &create);
    if (placed.ok()) orders = std::move(*placed);
    return placed.status();
  });
  ok = ok && Measure("prepays", "prepay", watched, 200, &pay, &before, &after,
                     [&] { return shop->PayNatively(orders, &pay); });
  if (ok) {
    // Every prepay: payment signs its request and checks WeChat's signature on the answer;
    // WeChat checks ours and signs its answer.
    const RsaCost rsa = MeasureRsa();
    const double per_prepay = 2 * rsa.sign_ms + 2 * rsa.verify_ms;
    const double machine_ms = (after.machine_busy_seconds - before.machine_busy_seconds) * 1000 /
                              static_cast<double>(orders.size());
    std::printf(
        "rsa          sign %.3f ms, verify %.3f ms (one core); 2 of each per prepay = "
        "%.3f ms, %.0f %% of the machine's %.3f ms per prepay\n",
        rsa.sign_ms, rsa.verify_ms, per_prepay, machine_ms > 0 ? 100 * per_prepay / machine_ms : 0,
        machine_ms);
  }
  std::printf("result       %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace paymesh::bench

int main(int argc, char** argv) {
  absl::StatusOr<paymesh::bench::Options> options =
      paymesh::bench::Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "prepay-bench: " << options.status().message() << "\n" << paymesh::bench::kUsage;
    return 2;
  }
  return paymesh::bench::Main(*options);
}
