// What WeChat does in real life, through the gateway: duplicate deliveries, deliveries whose
// signature or timestamp is bad, SIGNTEST probes, a payment of the wrong amount, and many
// payments at once. Whatever arrives, an order is PAID exactly once and only by a notification
// that verifies; everything refused is refused with a 4xx, and WeChat's next attempt succeeds.

#include <latch>
#include <map>
#include <thread>

#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

using Inbox = std::vector<std::pair<std::string, std::string>>;

// WeChat's own attempt (not a duplicate copy) got through: its ladder is over.
bool NormalAcknowledged(const SimAttempts& attempts) {
  for (const SimAttempt& a : attempts) {
    if (a.kind == "normal" && a.acknowledged) return true;
  }
  return false;
}

struct Payment {
  std::string order_id;
  std::string out_trade_no;
  int64_t total_fen = 0;
  std::string transaction_id;
  std::string notification_id;
};

class PaymentFaultsTest : public PaymentTest {
 protected:
  // An order with a native prepay, not yet paid.
  Payment NewPayingOrder() {
    const json::value order = CreateOrder();
    Payment p{OrderId(order), OutTradeNo(order), TotalFen(order), "", ""};
    EXPECT_FALSE(p.order_id.empty());
    if (!p.order_id.empty()) {
      EXPECT_TRUE(PayNative(p.order_id).is_object());
    }
    return p;
  }

  // The user pays at WeChat (/sim/pay, 200 asserted), reporting `amount` if given.
  void PayAtWechat(Payment& p, std::optional<int64_t> amount = std::nullopt) {
    HttpResponse r = sim().Pay(p.out_trade_no, amount);
    ASSERT_EQ(r.status, 200) << r;
    const json::value v = Json(r);
    p.transaction_id = Str(v, {"transaction_id"});
    p.notification_id = Str(v, {"notification_id"});
    ASSERT_FALSE(p.transaction_id.empty()) << r;
    ASSERT_FALSE(p.notification_id.empty()) << r;
  }

  // Pays an order whose delivery has `faults` and waits until a normal attempt is acknowledged.
  Payment PayWithFaults(const SimFaults& faults, SimAttempts& attempts) {
    Payment p = NewPayingOrder();
    EXPECT_TRUE(sim().SetFaults(faults, p.out_trade_no));
    PayAtWechat(p);
    attempts = sim().WaitForNotifications(
        p.out_trade_no,
        [&](const SimAttempts& a) {
          return CountKind(a, "duplicate") == static_cast<size_t>(faults.duplicate) &&
                 NormalAcknowledged(a);
        },
        kDeliveryTimeout);
    return p;
  }

  // The order is PAID by its transaction, with one 'paid' event and one inbox row.
  void ExpectPaidOnce(const Payment& p) {
    EXPECT_TRUE(IsPaidBy(WaitForState(p.order_id, "PAID"), p.transaction_id));
    EXPECT_EQ(CountEvents(stack(), p.order_id, "paid"), 1);
    EXPECT_EQ(InboxRows(stack(), p.out_trade_no), (Inbox{{p.notification_id, "APPLIED"}}));
  }

  // The first attempt (of `kind`, numbered `first`) was refused with 401, the next one taken.
  void ExpectRefusedThenAccepted(const SimAttempts& attempts, const std::string& kind, int first) {
    ASSERT_EQ(attempts.size(), 2u) << attempts;
    EXPECT_EQ(attempts[0].attempt, first) << attempts;
    EXPECT_EQ(attempts[0].kind, kind) << attempts;
    EXPECT_EQ(attempts[0].status, 401) << attempts;
    EXPECT_FALSE(attempts[0].acknowledged) << attempts;
    EXPECT_EQ(attempts[1].attempt, first + 1) << attempts;
    EXPECT_EQ(attempts[1].kind, "normal") << attempts;
    EXPECT_EQ(attempts[1].status, 204) << attempts;
    EXPECT_TRUE(attempts[1].acknowledged) << attempts;
    // WeChat's ladder: the retry waited (15 s × 0.01) after the refusal.
    EXPECT_GE(attempts[1].at_unix_ms - attempts[0].at_unix_ms, 100) << attempts;
  }
};

TEST_F(PaymentFaultsTest, DuplicatesAreAcknowledgedAndApplyOnce) {
  SimAttempts attempts;
  const Payment p = PayWithFaults({.duplicate = 3}, attempts);
  ASSERT_EQ(attempts.size(), 4u) << attempts;
  EXPECT_EQ(CountKind(attempts, "normal"), 1u) << attempts;
  EXPECT_EQ(CountKind(attempts, "duplicate"), 3u) << attempts;
  for (const SimAttempt& a : attempts) {
    EXPECT_EQ(a.notification_id, p.notification_id) << a;
    EXPECT_EQ(a.attempt, 1) << a;
    EXPECT_EQ(a.status, 204) << a;
    EXPECT_TRUE(a.acknowledged) << a;
  }
  ExpectPaidOnce(p);
  // Acknowledged everywhere: WeChat sends nothing more.
  EXPECT_EQ(sim().Notifications(p.out_trade_no).size(), 4u);
}

// A verified notification order cannot apply (its success_time does not parse) is stored as
// REJECTED, counted, and acknowledged: WeChat stops, and nothing is lost.
TEST_F(PaymentFaultsTest, AVerifiedReportThatCannotBeAppliedIsStoredAsRejected) {
  SimAttempts attempts;
  const Payment p = PayWithFaults({.unreadable_success_time = true}, attempts);
  ASSERT_EQ(attempts.size(), 1u) << attempts;
  EXPECT_EQ(attempts[0].status, 204) << "acknowledged once stored: " << attempts;
  EXPECT_EQ(InboxRows(stack(), p.out_trade_no), (Inbox{{p.notification_id, "REJECTED"}}));
  EXPECT_EQ(Str(GetOrder(p.order_id), {"state"}), "PAYING") << "nothing applied";
  HttpResponse metrics =
      testing::Send(stack().host(), stack().MetricsPort(Service::kOrder), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("order_payment_reports_rejected_total 1"), std::string::npos)
      << metrics.body.substr(0, 2000);
}

TEST_F(PaymentFaultsTest, CorruptedSignatureIsRefusedAndTheRetryPays) {
  SimAttempts attempts;
  const Payment p = PayWithFaults({.corrupt_signature = 1}, attempts);
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedThenAccepted(attempts, "corrupt", 1));
  ExpectPaidOnce(p);
}

TEST_F(PaymentFaultsTest, StaleTimestampIsRefusedAndTheRetryPays) {
  SimAttempts attempts;
  const Payment p = PayWithFaults({.stale_timestamp = 1}, attempts);
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedThenAccepted(attempts, "stale", 1));
  ExpectPaidOnce(p);
}

TEST_F(PaymentFaultsTest, SigntestProbeIsRefusedThenTheNotificationPays) {
  SimAttempts attempts;
  const Payment p = PayWithFaults({.signtest_probe = true}, attempts);
  ASSERT_EQ(attempts.size(), 2u) << attempts;
  EXPECT_EQ(attempts[0].attempt, 0) << attempts;
  EXPECT_EQ(attempts[0].kind, "probe") << attempts;
  EXPECT_EQ(attempts[0].status, 401) << attempts;
  EXPECT_EQ(attempts[1].attempt, 1) << attempts;
  EXPECT_EQ(attempts[1].kind, "normal") << attempts;
  EXPECT_EQ(attempts[1].status, 204) << attempts;
  EXPECT_TRUE(attempts[1].acknowledged) << attempts;
  ExpectPaidOnce(p);
}

TEST_F(PaymentFaultsTest, AmountMismatchIsRecordedAndFlaggedButNotPaid) {
  Payment p = NewPayingOrder();
  ASSERT_GT(p.total_fen, 1);
  ASSERT_NO_FATAL_FAILURE(PayAtWechat(p, p.total_fen - 1));
  const SimAttempts attempts = sim().WaitForNotifications(
      p.out_trade_no, [](const SimAttempts& a) { return CountAcknowledged(a) > 0; },
      kDeliveryTimeout);
  // Recorded is received: WeChat must not keep re-sending it.
  ASSERT_EQ(attempts.size(), 1u) << attempts;
  EXPECT_EQ(attempts[0].status, 204) << attempts;

  const json::value order = PollUntil<json::value>(
      [&] { return GetOrder(p.order_id); },
      [](const json::value& o) {
        const json::value* flagged = o.is_object() ? o.as_object().if_contains("flagged") : nullptr;
        return flagged != nullptr && flagged->is_bool() && flagged->as_bool();
      },
      kDeliveryTimeout);
  EXPECT_NE(Str(order, {"state"}), "PAID") << order;
  EXPECT_EQ(Str(order, {"state"}), "PAYING") << order;
  ASSERT_TRUE(order.at("flagged").is_bool()) << order;
  EXPECT_TRUE(order.at("flagged").as_bool()) << order;
  EXPECT_TRUE(order.at("paid_at").is_null()) << order;
  EXPECT_EQ(CountEvents(stack(), p.order_id, "amount_mismatch"), 1);
  EXPECT_EQ(CountEvents(stack(), p.order_id, "paid"), 0);
  EXPECT_EQ(InboxRows(stack(), p.out_trade_no), (Inbox{{p.notification_id, "AMOUNT_MISMATCH"}}));
}

TEST_F(PaymentFaultsTest, FiftyConcurrentPaymentsWithDuplicatesPayFiftyOrdersOnce) {
  constexpr int kOrders = 50;
  constexpr int kDuplicates = 2;
  ASSERT_TRUE(sim().SetFaults({.duplicate = kDuplicates}, std::nullopt));

  // Orders and prepays, a few at a time.
  std::vector<Payment> payments(kOrders);
  {
    constexpr int kWorkers = 5;
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        for (int i = w; i < kOrders; i += kWorkers) payments[i] = NewPayingOrder();
      });
    }
    for (auto& t : workers) t.join();
  }
  std::map<std::string, Payment*> by_out_trade_no;
  for (Payment& p : payments) {
    ASSERT_FALSE(p.order_id.empty());
    by_out_trade_no[p.out_trade_no] = &p;
  }
  ASSERT_EQ(by_out_trade_no.size(), static_cast<size_t>(kOrders));

  // All fifty users pay at the same moment.
  {
    std::latch go(kOrders);
    std::vector<std::thread> payers;
    for (Payment& p : payments) {
      payers.emplace_back([&] {
        go.arrive_and_wait();
        PayAtWechat(p);
      });
    }
    for (auto& t : payers) t.join();
  }

  // Every order PAID, each by its own transaction.
  const json::value list = PollUntil<json::value>(
      [&] { return Json(api().Get("/api/v1/orders?limit=100", tokens_.access)); },
      [&](const json::value& v) {
        if (!v.is_object() || !v.as_object().contains("orders")) return false;
        int paid = 0;
        for (const json::value& o : v.at("orders").as_array()) paid += Str(o, {"state"}) == "PAID";
        return paid == kOrders;
      },
      kDeliveryTimeout);
  ASSERT_TRUE(list.is_object() && list.as_object().contains("orders")) << list;
  ASSERT_EQ(list.at("orders").as_array().size(), static_cast<size_t>(kOrders)) << list;
  for (const json::value& o : list.at("orders").as_array()) {
    auto it = by_out_trade_no.find(OutTradeNo(o));
    ASSERT_NE(it, by_out_trade_no.end()) << o;
    EXPECT_TRUE(IsPaidBy(o, it->second->transaction_id));
  }

  // Every copy delivered was acknowledged.
  auto complete = [&](const SimAttempts& all) {
    std::map<std::string, SimAttempts> per_order;
    for (const SimAttempt& a : all) per_order[a.out_trade_no].push_back(a);
    for (const Payment& p : payments) {
      const SimAttempts& a = per_order[p.out_trade_no];
      if (CountKind(a, "duplicate") != kDuplicates || !NormalAcknowledged(a)) {
        return false;
      }
    }
    return true;
  };
  const SimAttempts all = PollUntil<SimAttempts>([&] { return sim().Notifications(std::nullopt); },
                                                 complete, kDeliveryTimeout);
  ASSERT_TRUE(complete(all)) << all;
  size_t ours = 0;
  for (const SimAttempt& a : all) {
    auto it = by_out_trade_no.find(a.out_trade_no);
    if (it == by_out_trade_no.end()) continue;  // an earlier test's order
    ++ours;
    EXPECT_EQ(a.notification_id, it->second->notification_id) << a;
    EXPECT_EQ(a.status, 204) << a;
    EXPECT_TRUE(a.acknowledged) << a;
  }
  EXPECT_EQ(ours, static_cast<size_t>(kOrders * (1 + kDuplicates))) << all;

  std::vector<std::string> ids;
  for (const Payment& p : payments) ids.push_back(p.order_id);
  EXPECT_EQ(CountEventsOf(stack(), ids, "paid"), (std::pair<int64_t, int64_t>{kOrders, kOrders}));
  EXPECT_TRUE(sim().ClearFaults());
}

}  // namespace
}  // namespace paymesh::e2e
