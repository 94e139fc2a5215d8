// The chaos harness's driver (run by bench/chaos/run.sh, which owns PostgreSQL and Redis): the
// whole stack, then one round per fault, then the table. Exit 1 on any loss or double
// application, 2 when the harness itself could not run.
//
//   chaos [--orders N=200] [--faults none,kill-order,...] [--pg-restart COMMAND]
//         [--downtime-ms MS=1000] [--converge-timeout SECONDS=180]
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/chaos/chaos.h"
#include "bench/common/flags.h"

namespace {

using paymesh::chaos::Fault;

const std::vector<std::pair<std::string, Fault>>& FaultFlags() {
  static const std::vector<std::pair<std::string, Fault>> flags = {
      {"none", Fault::kNone},
      {"kill-order", Fault::kKillOrder},
      {"kill-payment", Fault::kKillPayment},
      {"postgres-crash", Fault::kRestartPostgres},
      {"redis-flush", Fault::kFlushRedis},
      {"gateway-drain", Fault::kDrainGateway},
      {"drop-deliveries", Fault::kDropDeliveries}};
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  paymesh::bench::FlagProblems problems;
  paymesh::chaos::RoundOptions options{.orders = 200};
  std::vector<Fault> faults = paymesh::chaos::AllFaults();
  std::string pg_restart;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--orders") {
      options.orders = paymesh::bench::IntegerFlag(flag, value, 2, 5000, problems);
    } else if (flag == "--converge-timeout") {
      options.converge_timeout =
          std::chrono::seconds(paymesh::bench::IntegerFlag(flag, value, 5, 3600, problems));
    } else if (flag == "--downtime-ms") {
      options.downtime =
          std::chrono::milliseconds(paymesh::bench::IntegerFlag(flag, value, 0, 600000, problems));
    } else if (flag == "--pg-restart") {
      pg_restart = value;
    } else if (flag == "--faults") {
      faults.clear();
      std::istringstream names(value);
      for (std::string name; std::getline(names, name, ',');) {
        bool known = false;
        for (const auto& [flag_name, fault] : FaultFlags()) {
          if (flag_name == name) {
            faults.push_back(fault);
            known = true;
          }
        }
        if (!known) problems.Add("--faults: unknown fault '" + name + "'");
      }
    } else {
      problems.Add("unknown flag " + flag);
      continue;
    }
    ++i;
  }
  if (!problems.empty()) {
    std::cerr << "chaos: " << problems.text() << "\n";
    return 2;
  }
  if (!pg_restart.empty()) {
    options.restart_postgres = [pg_restart]() -> absl::Status {
      if (std::system(pg_restart.c_str()) != 0) {
        return absl::InternalError("the PostgreSQL restart command failed");
      }
      return absl::OkStatus();
    };
  }

  absl::StatusOr<std::unique_ptr<paymesh::testing::Stack>> stack = paymesh::testing::Stack::Start(
      // One customer pays every order of a round: no per-user limit on paying.
      {.env = {{paymesh::testing::Service::kPayment, {{"PAYMENT_USER_CALLS_PER_MINUTE", "0"}}}}});
  if (!stack.ok()) {
    std::cerr << "chaos: the stack did not start: " << stack.status() << "\n";
    return 2;
  }
  std::vector<paymesh::chaos::ChaosRound> rounds;
  bool clean = true;
  for (Fault fault : faults) {
    std::cerr << "[chaos] " << paymesh::chaos::FaultName(fault) << " ..." << std::endl;
    absl::StatusOr<paymesh::chaos::ChaosRound> round =
        paymesh::chaos::RunRound(**stack, fault, options);
    if (!round.ok()) {
      std::cerr << "chaos: round '" << paymesh::chaos::FaultName(fault)
                << "' could not run: " << round.status() << "\n";
      return 2;
    }
    clean = clean && round->Clean();
    rounds.push_back(*round);
  }
  paymesh::chaos::PrintTable(std::cout, rounds);
  std::cout << (clean ? "no payment lost, none applied twice\n"
                      : "FAILED: a payment was lost or applied twice\n");
  return clean ? 0 : 1;
}
