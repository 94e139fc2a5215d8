// The chaos harness's short round (bench/chaos runs every fault): 50 orders paid through the
// simulator, every notification delivered twice, order killed with SIGKILL and started again
// half-way. Nothing WeChat took money for may be lost or applied twice.

#include "bench/chaos/chaos.h"

#include <sstream>

#include "tests/e2e/e2e.h"

namespace paymesh::e2e {
namespace {

class ChaosTest : public E2eTest {};

TEST_F(ChaosTest, KillingOrderMidPaymentLosesNothingAndAppliesNothingTwice) {
  absl::StatusOr<chaos::ChaosRound> round =
      chaos::RunRound(stack(), chaos::Fault::kKillOrder,
                      {.orders = 50,
                       .downtime = std::chrono::milliseconds(1000),
                       .converge_timeout = std::chrono::seconds(120)});
  ASSERT_TRUE(round.ok()) << round.status();
  std::ostringstream table;
  chaos::PrintTable(table, {*round});
  EXPECT_TRUE(round->Clean()) << table.str();
  EXPECT_EQ(round->paid_at_sim, 50u) << table.str();
  EXPECT_EQ(round->paid, 50u) << table.str();
  EXPECT_EQ(round->applied_twice, 0u) << table.str();
  EXPECT_TRUE(round->converged) << table.str();
  // The fault was felt: some delivery found order down (a 5xx from the gateway) and was retried.
  size_t failed = 0;
  for (const auto& [answer, count] : round->answers) {
    if (answer != "200" && answer != "204") failed += count;
  }
  EXPECT_GT(failed, 0u) << table.str();
  std::cout << table.str();
}

}  // namespace
}  // namespace paymesh::e2e
