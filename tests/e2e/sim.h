#pragma once

// A client for the WeChat Pay simulator's control API (tools/wechat-sim/README.md): pay an
// order as the user scanning its QR code would, set delivery faults, and read back every
// notification attempt. Plus PollUntil, the suites' way to wait for a condition.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/stack.h"

namespace paymesh::e2e {

// Calls `fetch` until `done` holds for its result or `timeout` passes (a short pause between
// calls); returns the last result either way, for the assertion that follows.
template <typename T>
T PollUntil(const std::function<T()>& fetch, const std::function<bool(const T&)>& done,
            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  T value = fetch();
  while (!done(value) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    value = fetch();
  }
  return value;
}

// One delivery attempt as GET /sim/notifications reports it.
struct SimAttempt {
  std::string notification_id;
  std::string out_trade_no;
  int attempt = 0;     // 0 for the SIGNTEST probe
  std::string kind;    // normal, duplicate, probe, corrupt, stale, dropped
  int status = 0;      // the gateway's HTTP status; 0 when nothing was sent
  std::string serial;  // the Wechatpay-Serial it was signed under
  int64_t at_unix_ms = 0;
  bool acknowledged = false;
};
using SimAttempts = std::vector<SimAttempt>;
std::ostream& operator<<(std::ostream& out, const SimAttempt& a);
std::ostream& operator<<(std::ostream& out, const SimAttempts& attempts);

// The knobs of POST /sim/faults; zero/false is off.
struct SimFaults {
  int duplicate = 0;
  int drop_first = 0;
  int corrupt_signature = 0;
  int stale_timestamp = 0;
  bool signtest_probe = false;
  bool query_500 = false;
  bool unreadable_success_time = false;
  int query_delay_ms = 0;  // every merchant query answered this much later
  int refund_500 = 0;      // the first N refund calls answer 500
};

class Sim {
 public:
  explicit Sim(const testing::Stack& stack) : host_(stack.host()), port_(stack.sim_port()) {}

  // POST /sim/pay by out_trade_no (optionally reporting another amount) or by code_url.
  testing::HttpResponse Pay(const std::string& out_trade_no,
                            std::optional<int64_t> amount_total = std::nullopt) const;
  testing::HttpResponse PayCodeUrl(const std::string& code_url) const;
  // POST /sim/pay delivering APIv2's XML notification to `notify_url`, signed with `sign_type`
  // ("MD5" or "HMAC-SHA256").
  testing::HttpResponse PayV2(const std::string& out_trade_no, const std::string& notify_url,
                              const std::string& sign_type) const;
  // GET /sim/orders/{out_trade_no}: the simulator's view of the order.
  testing::HttpResponse Order(const std::string& out_trade_no) const;

  // POST /sim/faults for one order, or as the global default without `out_trade_no`.
  ::testing::AssertionResult SetFaults(const SimFaults& faults,
                                       const std::optional<std::string>& out_trade_no) const;
  // DELETE /sim/faults.
  ::testing::AssertionResult ClearFaults() const;

  // GET /sim/notifications[?out_trade_no=], oldest first; a failed request or an unparsable
  // answer is a test failure and yields no attempts.
  SimAttempts Notifications(const std::optional<std::string>& out_trade_no) const;
  // Polls Notifications(out_trade_no) until `done` holds; returns the last list.
  SimAttempts WaitForNotifications(const std::string& out_trade_no,
                                   const std::function<bool(const SimAttempts&)>& done,
                                   std::chrono::milliseconds timeout) const;

 private:
  testing::HttpResponse Send(const std::string& method, const std::string& target,
                             const std::string& body = "") const;

  std::string host_;
  int port_;
};

// Attempts of one kind / with one status.
size_t CountKind(const SimAttempts& attempts, const std::string& kind);
size_t CountAcknowledged(const SimAttempts& attempts);

}  // namespace paymesh::e2e
