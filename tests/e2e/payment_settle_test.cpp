// Settling with WeChat when notifications are not enough: the reconciliation job finds a payment
// whose every delivery was lost, the expiry job closes unpaid orders at WeChat first and then
// here, a payment made in the last instant before the close is applied (never lost), the user's
// cancel, and two payment replicas sharing the job.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

using Inbox = std::vector<std::pair<std::string, std::string>>;

// Every delivery to the gateway dropped: WeChat's whole ladder fails.
constexpr int kDropAll = 100;

class SettleTest : public PaymentTest {
 protected:
  // The settling job every 200 ms; PAYING orders are first asked about after `reconcile_after`.
  static StackOptions SettleOptions(int order_ttl_seconds, int reconcile_after_seconds) {
    StackOptions options = DefaultStackOptions();
    options.env[Service::kOrder]["ORDER_TTL_SECONDS"] = std::to_string(order_ttl_seconds);
    auto& payment = options.env[Service::kPayment];
    payment["PAYMENT_SETTLE_INTERVAL_MS"] = "200";
    payment["PAYMENT_RECONCILE_AFTER_SECONDS"] = std::to_string(reconcile_after_seconds);
    payment["PAYMENT_RECONCILE_BACKOFF_MAX_SECONDS"] = "2";
    return options;
  }

  // An order with a native prepay, paid at WeChat with every notification dropped; returns
  // {order id, out_trade_no, transaction_id}.
  std::vector<std::string> PaidWithoutNotifications() {
    const json::value order = CreateOrder();
    const std::string id = OrderId(order), no = OutTradeNo(order);
    EXPECT_TRUE(PayNative(id).is_object());
    SimFaults faults;
    faults.drop_first = kDropAll;
    EXPECT_TRUE(sim().SetFaults(faults, no));
    HttpResponse paid = sim().Pay(no);
    EXPECT_EQ(paid.status, 200) << paid;
    return {id, no, Str(Json(paid), {"transaction_id"})};
  }

  // The simulator's view of an order: state, queries, closes.
  json::value AtWechat(const std::string& out_trade_no) {
    HttpResponse r = sim().Order(out_trade_no);
    EXPECT_EQ(r.status, 200) << r;
    return Json(r);
  }
};

class ReconcileTest : public SettleTest {
 protected:
  StackOptions Options() const override { return SettleOptions(1800, 2); }
};

TEST_F(ReconcileTest, APaymentWhoseEveryNotificationWasLostStillEndsPaid) {
  const std::vector<std::string> p = PaidWithoutNotifications();
  const json::value order = WaitForState(p[0], "PAID");
  EXPECT_TRUE(IsPaidBy(order, p[2])) << order;
  EXPECT_EQ(InboxRows(stack(), p[1]), (Inbox{{"query:" + p[2], "APPLIED"}}));
  EXPECT_EQ(CountEvents(stack(), p[0], "paid"), 1);
  for (const SimAttempt& a : sim().Notifications(p[1])) {
    EXPECT_EQ(a.kind, "dropped") << a << ": nothing reached the gateway";
  }
}

TEST_F(ReconcileTest, TwoPaymentReplicasAskWechatAboutEachOrderOnce) {
  ASSERT_TRUE(stack().StartReplica(Service::kPayment).ok());
  std::vector<std::vector<std::string>> payments;
  for (int i = 0; i < 4; ++i) payments.push_back(PaidWithoutNotifications());
  for (const auto& p : payments) {
    EXPECT_TRUE(IsPaidBy(WaitForState(p[0], "PAID"), p[2]));
  }
  // Paid at WeChat before the first query was due: one query finds it. Both replicas asking
  // would have made two.
  for (const auto& p : payments) {
    EXPECT_EQ(AtWechat(p[1]).at("queries").as_int64(), 1) << p[1];
  }
}

class ExpiryTest : public SettleTest {
 protected:
  // Orders expire 5 s after they are made; nothing is reconciled within a test.
  StackOptions Options() const override { return SettleOptions(5, 3600); }
};

TEST_F(ExpiryTest, AnUnpaidOrderIsClosedAtWechatThenHere) {
  const json::value paying = CreateOrder();
  const std::string id = OrderId(paying), no = OutTradeNo(paying);
  ASSERT_TRUE(PayNative(id).is_object());
  const json::value never_prepaid = CreateOrder();

  const json::value closed = WaitForState(id, "CLOSED");
  ASSERT_EQ(Str(closed, {"state"}), "CLOSED") << closed;
  const json::value at_wechat = AtWechat(no);
  EXPECT_EQ(Str(at_wechat, {"state"}), "CLOSED") << at_wechat;
  EXPECT_GE(at_wechat.at("closes").as_int64(), 1);
  EXPECT_EQ(CountEvents(stack(), id, "closed"), 1);
  EXPECT_EQ(Str(WaitForState(OrderId(never_prepaid), "CLOSED"), {"state"}), "CLOSED");

  // Closed for good: neither a new prepay nor a payment at WeChat.
  EXPECT_EQ(Pay(id).status, 409);
  EXPECT_EQ(sim().Pay(no).status, 409);
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "CLOSED");
}

TEST_F(ExpiryTest, APaymentInTheLastInstantBeforeTheCloseIsAppliedNotLost) {
  // Paid at WeChat before expiry, its notifications lost: the expiry job's close is answered
  // ORDERPAID, and the payment it then finds is applied instead.
  const std::vector<std::string> p = PaidWithoutNotifications();
  const json::value order = WaitForState(p[0], "PAID");
  EXPECT_TRUE(IsPaidBy(order, p[2])) << order;
  EXPECT_EQ(InboxRows(stack(), p[1]), (Inbox{{"query:" + p[2], "APPLIED"}}));
  EXPECT_EQ(CountEvents(stack(), p[0], "closed"), 0);
  const json::value at_wechat = AtWechat(p[1]);
  EXPECT_EQ(Str(at_wechat, {"state"}), "SUCCESS") << at_wechat;
  EXPECT_GE(at_wechat.at("closes").as_int64(), 1) << "the close was tried first";
}

TEST_F(ReconcileTest, TheUserCancelsAnUnpaidOrder) {
  const json::value order = CreateOrder();
  const std::string id = OrderId(order), no = OutTradeNo(order);
  ASSERT_TRUE(PayNative(id).is_object());
  HttpResponse r = api().Post("/api/v1/orders/" + id + "/cancel", "", tokens_.access);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Str(Json(r), {"order_state"}), "CLOSED") << r;
  EXPECT_TRUE(Json(r).at("closed").as_bool()) << r;
  EXPECT_EQ(Str(AtWechat(no), {"state"}), "CLOSED");
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "CLOSED");

  r = api().Post("/api/v1/orders/" + id + "/cancel", "", tokens_.access);  // again: as it is
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_FALSE(Json(r).at("closed").as_bool()) << r;
  EXPECT_EQ(CountEvents(stack(), id, "closed"), 1);
  EXPECT_EQ(sim().Pay(no).status, 409) << "nobody can pay it at WeChat";

  // Someone else's order is not found; a paid one cannot be cancelled.
  const Account other = RegisterUser(api());
  EXPECT_EQ(api().Post("/api/v1/orders/" + id + "/cancel", "", Login(api(), other).access).status,
            404);
  const std::vector<std::string> paid = PaidWithoutNotifications();
  WaitForState(paid[0], "PAID");
  EXPECT_EQ(api().Post("/api/v1/orders/" + paid[0] + "/cancel", "", tokens_.access).status, 409);
}

// Users pressing sync while WeChat is slow hold payment's workers; notifications never wait for
// them (they are checked on gRPC threads and applied asynchronously).
class SyncFloodTest : public PaymentTest {};

TEST_F(SyncFloodTest, NotificationsAreAcknowledgedWhileSyncsWaitOnASlowWechat) {
  SimFaults slow;
  slow.query_delay_ms = 1500;
  ASSERT_TRUE(sim().SetFaults(slow, std::nullopt));
  const json::value flooded = CreateOrder();
  ASSERT_TRUE(PayNative(OrderId(flooded)).is_object());
  const json::value order = CreateOrder();
  const std::string id = OrderId(order), no = OutTradeNo(order);
  ASSERT_TRUE(PayNative(id).is_object());

  // 32 syncs at once: four rounds of payment's 8 workers, 1.5 s each.
  std::vector<std::thread> flood;
  for (int i = 0; i < 32; ++i) {
    flood.emplace_back(
        [&] { api().Post("/api/v1/orders/" + OrderId(flooded) + "/sync", "", tokens_.access); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the workers are busy
  const auto paid_at = std::chrono::steady_clock::now();
  HttpResponse paid = sim().Pay(no);
  ASSERT_EQ(paid.status, 200) << paid;
  const SimAttempts attempts = sim().WaitForNotifications(
      no, [](const SimAttempts& a) { return !a.empty() && a.front().status != 0; },
      kDeliveryTimeout);
  const auto answered_in = std::chrono::steady_clock::now() - paid_at;
  for (std::thread& t : flood) t.join();
  ASSERT_FALSE(attempts.empty());
  EXPECT_EQ(attempts.front().status, 204) << attempts << ": the first delivery went through";
  EXPECT_LT(answered_in, std::chrono::seconds(3)) << "not queued behind the syncs";
  EXPECT_EQ(InboxRows(stack(), no).size(), 1u);
}

TEST_F(SyncFloodTest, AuthDownNotificationsStillApply) {
  const json::value order = CreateOrder();
  const std::string id = OrderId(order), no = OutTradeNo(order);
  ASSERT_TRUE(PayNative(id).is_object());
  ASSERT_EQ(stack().Stop(Service::kAuth), 0) << stack().LogTail(Service::kAuth);
  HttpResponse paid = sim().Pay(no);
  ASSERT_EQ(paid.status, 200) << paid;
  const SimAttempts attempts = sim().WaitForNotifications(
      no, [](const SimAttempts& a) { return !a.empty() && a.front().acknowledged; },
      kDeliveryTimeout);
  ASSERT_FALSE(attempts.empty());
  EXPECT_EQ(attempts.front().status, 204) << attempts;
  EXPECT_EQ(CountEvents(stack(), id, "paid"), 1);
}

class UserLimitTest : public PaymentTest {
 protected:
  StackOptions Options() const override {
    StackOptions options = DefaultStackOptions();
    options.env[Service::kPayment]["PAYMENT_USER_CALLS_PER_MINUTE"] = "3";
    return options;
  }
};

TEST_F(UserLimitTest, PaySyncAndCancelAreLimitedPerUser) {
  const json::value order = CreateOrder();
  const std::string id = OrderId(order);
  ASSERT_EQ(Pay(id).status, 200);
  ASSERT_EQ(api().Post("/api/v1/orders/" + id + "/sync", "", tokens_.access).status, 200);
  ASSERT_EQ(Pay(id).status, 200);
  for (const std::string& path : {"/pay", "/sync", "/cancel"}) {
    HttpResponse r = api().Post("/api/v1/orders/" + id + path,
                                path == "/pay" ? R"({"channel":"native"})" : "", tokens_.access);
    EXPECT_TRUE(IsError(r, 429, "RESOURCE_EXHAUSTED")) << path << ": " << r;
    EXPECT_FALSE(r.Header("Retry-After").empty()) << r;
  }
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "PAYING") << "the refused cancel closed nothing";
}

}  // namespace
}  // namespace paymesh::e2e
