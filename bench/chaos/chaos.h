#pragma once

// Chaos rounds: orders paid through the WeChat simulator, with every notification delivered
// twice, while one fault hits the stack; then the simulator's retry ladder is waited out and
// the money counted. A round's verdict: every order WeChat (the simulator) took money for ends
// PAID, none is applied twice.
//
//   ChaosRound round = RunRound(stack, Fault::kKillOrder, {.orders = 50}).value();
//   if (!round.Clean()) ...
//
// The harness (bench/chaos/run.sh) runs every fault against a durable PostgreSQL; the e2e suite
// runs a short round.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/stack.h"

namespace paymesh::chaos {

enum class Fault {
  kNone,             // the control round
  kKillOrder,        // SIGKILL order, start it again
  kKillPayment,      // SIGKILL payment, start it again
  kRestartPostgres,  // an immediate (crash) stop of PostgreSQL, then start (RoundOptions hook)
  kFlushRedis,       // FLUSHALL: sessions, token cache, leases, limits gone
  kDrainGateway,     // SIGTERM the gateway (drain), start it again
  kDropDeliveries,   // the simulator drops the first two deliveries of every notification
};

const char* FaultName(Fault fault);
// Every fault, in the harness's order.
std::vector<Fault> AllFaults();

struct RoundOptions {
  size_t orders = 50;
  // How long the faulted process stays down before it is started again.
  std::chrono::milliseconds downtime{1000};
  // Until every paid order is PAID and every notification acknowledged; past it, what is not
  // PAID is counted lost.
  std::chrono::seconds converge_timeout{180};
  // kRestartPostgres: crash-stops and starts the database (only the harness owns it).
  std::function<absl::Status()> restart_postgres;
};

struct ChaosRound {
  std::string fault;
  size_t orders = 0;
  size_t paid_at_sim = 0;    // orders the simulator took payment for
  size_t paid = 0;           // of those, PAID in order's table at the end
  size_t applied_twice = 0;  // orders with more than one payment or paid event
  size_t lost = 0;           // paid at the simulator, not PAID after converging
  // From the last payment at the simulator (and the fault's end) to every paid order PAID.
  double converge_seconds = 0;
  bool converged = false;
  // What the deliveries got: the gateway's HTTP status, "none" (no answer: down, refused), or
  // "dropped" (the simulator did not send it).
  std::map<std::string, size_t> answers;
  size_t paid_unpaid = 0;  // PAID although the simulator took no payment for it
  // Every order paid at the simulator, each PAID once, nothing else PAID.
  bool Clean() const {
    return paid_at_sim == orders && lost == 0 && applied_twice == 0 && paid_unpaid == 0 &&
           paid == paid_at_sim;
  }
};

// One round on `stack` (its simulator's faults are set and cleared here). Errors: the set-up
// (orders, prepay) or the fault itself failed, not the verdict.
absl::StatusOr<ChaosRound> RunRound(testing::Stack& stack, Fault fault,
                                    const RoundOptions& options);

// The rounds as a table, one line each.
void PrintTable(std::ostream& out, const std::vector<ChaosRound>& rounds);

}  // namespace paymesh::chaos
