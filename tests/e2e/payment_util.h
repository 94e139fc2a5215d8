#pragma once

// Shared pieces of the payment suites: a fixture with a logged-in shopper and the simulator,
// the order and payment calls they make through the gateway, and reads of order's tables
// (schema `orders` in TEST_PG_DSN) for what the API does not show.

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"
#include "tests/e2e/sim.h"

namespace paymesh::e2e {

// Long enough for a notification's first attempts on the stack's 0.01 time scale (150 ms,
// 150 ms, 300 ms, 1.8 s apart) on a busy machine; conditions usually hold far sooner.
inline constexpr std::chrono::milliseconds kDeliveryTimeout{20000};

class PaymentTest : public ShopperTest {
 protected:
  // E2eTest::SetUp, every service running, no simulator faults left from an earlier test, a
  // fresh logged-in shopper.
  void SetUp() override;

  const Sim& sim() const { return *sim_; }

  // POST /api/v1/orders (201 asserted); the order's JSON, null on failure.
  boost::json::value CreateOrder(const std::vector<Line>& cart) const;
  // An order of one unit of the first catalogue product.
  boost::json::value CreateOrder() const { return CreateOrder({{catalogue_.at(0), 1}}); }
  // POST /api/v1/orders/{id}/pay {"channel":"native"}.
  HttpResponse Pay(const std::string& order_id) const;
  // Pay() with 200 and a code_url asserted; the answer's JSON, null on failure.
  boost::json::value PayNative(const std::string& order_id) const;
  // GET /api/v1/orders/{id} (200 asserted); null on failure.
  boost::json::value GetOrder(const std::string& order_id) const;
  // Polls GET /api/v1/orders/{id} until its state is `state`; returns the last order seen.
  boost::json::value WaitForState(const std::string& order_id, const std::string& state,
                                  std::chrono::milliseconds timeout = kDeliveryTimeout) const;

 private:
  std::unique_ptr<Sim> sim_;
};

// A file of the simulator's state directory (its keys: v2_key, apiv3_key, ...), trimmed.
std::string SimStateFile(const Stack& stack, const std::string& name);

// The APIv2 XML refund notification WeChat would send of `info` (req_info sealed with `v2_key`).
std::string V2RefundNotification(const Stack& stack, const std::map<std::string, std::string>& info,
                                 const std::string& v2_key);

// order.id, order.out_trade_no and order.total_fen of an order in JSON.
std::string OrderId(const boost::json::value& order);
std::string OutTradeNo(const boost::json::value& order);
int64_t TotalFen(const boost::json::value& order);
// The order is PAID by `transaction_id`, with paid_at set, neither flagged nor late.
::testing::AssertionResult IsPaidBy(const boost::json::value& order,
                                    const std::string& transaction_id);

// Rows of order's tables, read with their own connection. -1 (and a recorded failure) when the
// query fails.
int64_t CountEvents(const Stack& stack, const std::string& order_id, const std::string& event_type);
// order_events of `event_type` for every order in `order_ids`: {rows, distinct orders}.
std::pair<int64_t, int64_t> CountEventsOf(const Stack& stack,
                                          const std::vector<std::string>& order_ids,
                                          const std::string& event_type);
// notification_inbox rows {notification_id → outcome} for an out_trade_no.
std::vector<std::pair<std::string, std::string>> InboxRows(const Stack& stack,
                                                           const std::string& out_trade_no);

}  // namespace paymesh::e2e
