#include "services/payment/settler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time/testing/fake_clock.h"
#include "services/payment/testing/fake_order_api.h"
#include "services/payment/testing/fake_wechat_api.h"

namespace paymesh::payment {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeOrderApi;
using testing::FakeWechatPayApi;

constexpr char kMchid[] = "1900000109";
constexpr char kAppid[] = "wxd678efh567hg6787";

// Held or not, as the test says; counts the calls.
class FakeLease final : public Lease {
 public:
  absl::StatusOr<bool> Hold(std::chrono::milliseconds ttl) override {
    calls.fetch_add(1);
    last_ttl = ttl;
    if (held_for >= 0 && held_for-- == 0) answer = false;  // another replica took it
    return answer;
  }
  int held_for = -1;  // >= 0: answers false once this many more calls were answered
  absl::StatusOr<bool> answer = true;
  std::atomic<int> calls{0};
  std::chrono::milliseconds last_ttl{0};
};

class SettlerTest : public ::testing::Test {
 protected:
  SettlerTest()
      : logic_(PaymentSettings{.appid = kAppid,
                               .miniprogram_appid = "",
                               .mchid = kMchid,
                               .notify_url = "https://pay.example.com/wechat/notify/pay",
                               .apiv3_key = "0123456789abcdef0123456789abcdef"},
               orders_, wechat_, verifier_, clock_),
        settler_(logic_, orders_, lease_, clock_,
                 SettlerOptions{.interval = std::chrono::milliseconds(2000),
                                .reconcile_after = seconds(60),
                                .reconcile_backoff_max = seconds(300),
                                .batch = 10}) {}

  // An order of 100 fen, PAYING (or `state`) since `since`, expiring `ttl` after it.
  Order PutOrder(int n, OrderState state, Timestamp since, minutes ttl = minutes(30)) {
    Order o;
    o.id = "order-" + std::to_string(n);
    o.user_id = "user-1";
    o.out_trade_no = "PM2026010100000" + std::to_string(n);
    o.state = state;
    o.total_fen = 100;
    o.currency = "CNY";
    o.created_at = since;
    o.updated_at = since;
    o.expires_at = since + ttl;
    orders_.PutOrder(o);
    return o;
  }

  // What WeChat knows of an order: `trade_state`, paid in full when SUCCESS.
  void AtWechat(const Order& o, const std::string& trade_state) {
    wechatpay::Transaction tx;
    tx.appid = kAppid;
    tx.mchid = kMchid;
    tx.out_trade_no = o.out_trade_no;
    tx.trade_state = trade_state;
    tx.trade_type = "NATIVE";
    if (trade_state == "SUCCESS") {
      tx.transaction_id = "42000000" + o.out_trade_no;
      tx.success_time = "2026-01-01T08:00:00+08:00";
      tx.amount_total = o.total_fen;
      tx.amount_payer_total = o.total_fen;
      tx.currency = "CNY";
    }
    wechat_.PutTransaction(tx);
  }

  OrderState StateOf(const Order& o) { return orders_.GetOrder(o.id)->state; }

  time::testing::FakeClock clock_{Timestamp(std::chrono::seconds(1767225600))};  // 2026-01-01
  FakeOrderApi orders_;
  FakeWechatPayApi wechat_;
  wechatpay::Verifier verifier_;
  FakeLease lease_;
  PaymentLogic logic_;
  Settler settler_;
};

TEST_F(SettlerTest, ExpiredOrdersAreClosedAtWechatThenHere) {
  const Timestamp now = clock_.Now();
  const Order expired = PutOrder(1, OrderState::kPaying, now - minutes(31));
  AtWechat(expired, "NOTPAY");
  const Order never_paid = PutOrder(2, OrderState::kCreated, now - minutes(40));
  const Order young = PutOrder(3, OrderState::kPaying, now - minutes(5));
  AtWechat(young, "NOTPAY");

  SettleRound round = settler_.RunOnce();
  EXPECT_TRUE(round.ran);
  EXPECT_EQ(round.expired, 2);
  EXPECT_EQ(StateOf(expired), OrderState::kClosed);
  EXPECT_EQ(StateOf(never_paid), OrderState::kClosed);
  EXPECT_EQ(StateOf(young), OrderState::kPaying);
  EXPECT_EQ(wechat_.close_calls(),
            (std::vector<std::string>{never_paid.out_trade_no, expired.out_trade_no}))
      << "oldest expiry first, each closed at WeChat first";
  using Close = std::pair<std::string, std::string>;
  EXPECT_EQ(orders_.close_calls(),
            (std::vector<Close>{{never_paid.id, "expired"}, {expired.id, "expired"}}));
}

TEST_F(SettlerTest, AnOrderPaidJustBeforeItsExpiryIsPaidNotClosed) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - minutes(31));
  AtWechat(o, "SUCCESS");  // the notification is still on its way
  SettleRound round = settler_.RunOnce();
  EXPECT_EQ(round.expired, 0);
  EXPECT_EQ(round.paid, 1);
  EXPECT_EQ(StateOf(o), OrderState::kPaid);
  EXPECT_TRUE(orders_.close_calls().empty());
}

TEST_F(SettlerTest, APaymentWhoseNotificationsWereAllLostIsFoundByQuery) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - seconds(61));
  AtWechat(o, "SUCCESS");
  SettleRound round = settler_.RunOnce();
  EXPECT_EQ(round.queried, 1);
  EXPECT_EQ(round.paid, 1);
  EXPECT_EQ(StateOf(o), OrderState::kPaid);
  ASSERT_EQ(orders_.apply_calls().size(), 1u);
  EXPECT_EQ(orders_.apply_calls()[0].source, ReportSource::kQuery);
}

TEST_F(SettlerTest, OrdersAreAskedAboutOnlyAfterReconcileAfter) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - seconds(59));
  AtWechat(o, "SUCCESS");
  EXPECT_EQ(settler_.RunOnce().queried, 0);
  EXPECT_TRUE(wechat_.query_calls().empty());
  clock_.Advance(seconds(1));
  EXPECT_EQ(settler_.RunOnce().queried, 1);
  EXPECT_EQ(StateOf(o), OrderState::kPaid);
}

TEST_F(SettlerTest, UnpaidOrdersAreAskedAboutAgainWithABackOff) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - seconds(60), minutes(120));
  AtWechat(o, "NOTPAY");
  // reconcile_after 60 s, then 60, 120, 240, 300 (the cap), 300 ...
  std::vector<int> asked_at;
  for (int t = 0; t <= 1200; t += 10) {
    if (settler_.RunOnce().queried == 1) asked_at.push_back(t);
    clock_.Advance(seconds(10));
  }
  EXPECT_EQ(asked_at, (std::vector<int>{0, 60, 180, 420, 720, 1020}));
  EXPECT_EQ(StateOf(o), OrderState::kPaying);
}

TEST_F(SettlerTest, AnAttemptClosedAtWechatIsClosedHereOnlyOnceTheOrderExpires) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - seconds(90), minutes(5));
  AtWechat(o, "CLOSED");
  settler_.RunOnce();
  EXPECT_EQ(StateOf(o), OrderState::kPaying) << "another attempt may pay it until it expires";
  clock_.Advance(minutes(4));
  settler_.RunOnce();
  EXPECT_EQ(StateOf(o), OrderState::kClosed);
  using Close = std::pair<std::string, std::string>;
  EXPECT_EQ(orders_.close_calls(), (std::vector<Close>{{o.id, "expired"}}));
}

TEST_F(SettlerTest, WithoutTheLeaseNothingIsDone) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - minutes(31));
  AtWechat(o, "SUCCESS");
  lease_.answer = false;
  SettleRound round = settler_.RunOnce();
  EXPECT_FALSE(round.ran);
  EXPECT_TRUE(wechat_.query_calls().empty());
  EXPECT_TRUE(wechat_.close_calls().empty());
  EXPECT_EQ(lease_.last_ttl, std::chrono::milliseconds(6000)) << "three intervals";

  // The lease store down: settling goes on (correct, if another replica does it too).
  lease_.answer = absl::UnavailableError("redis down");
  EXPECT_TRUE(settler_.RunOnce().ran);
  EXPECT_EQ(StateOf(o), OrderState::kPaid);
}

TEST_F(SettlerTest, OrderOrWechatDownCountsErrorsAndChangesNothing) {
  const Order o = PutOrder(1, OrderState::kPaying, clock_.Now() - minutes(31));
  AtWechat(o, "NOTPAY");
  orders_.SetUnavailable(true);
  SettleRound round = settler_.RunOnce();
  EXPECT_EQ(round.errors, 3);  // no list could be read (expired, paying, refunds)
  orders_.SetUnavailable(false);
  wechat_.FailNext(absl::UnavailableError("wechat down"));
  round = settler_.RunOnce();
  EXPECT_GE(round.errors, 1);
  EXPECT_EQ(StateOf(o), OrderState::kPaying);
  clock_.Advance(seconds(10));
  settler_.RunOnce();
  EXPECT_EQ(StateOf(o), OrderState::kPaying) << "waiting out its back-off";
  clock_.Advance(seconds(50));
  settler_.RunOnce();
  EXPECT_EQ(StateOf(o), OrderState::kClosed) << "tried again after reconcile_after";
}

TEST_F(SettlerTest, TheOldestPayingOrderIsReported) {
  PutOrder(1, OrderState::kPaying, clock_.Now() - seconds(65));
  PutOrder(2, OrderState::kPaying, clock_.Now() - seconds(102));
  settler_.RunOnce();
  auto& gauge =
      metrics::Registry::Default().AddGauge("payment_oldest_paying_order_age_seconds", "", {});
  EXPECT_DOUBLE_EQ(gauge.Value(), 102.0);
  clock_.Advance(seconds(10));  // both waiting out their back-off: still the oldest
  settler_.RunOnce();
  EXPECT_DOUBLE_EQ(gauge.Value(), 112.0);
}

TEST_F(SettlerTest, OrdersThatCannotBeSettledDoNotHoldUpTheOthers) {
  // Paid the wrong amount at WeChat: the close finds the payment, order flags it and keeps the
  // order PAYING. Twelve of them, ten per round.
  std::set<std::string> closed_at_wechat;
  for (int i = 1; i <= 12; ++i) {
    const Order o = PutOrder(i, OrderState::kPaying, clock_.Now() - minutes(31) - seconds(i));
    wechatpay::Transaction wrong;
    wrong.appid = kAppid;
    wrong.mchid = kMchid;
    wrong.out_trade_no = o.out_trade_no;
    wrong.trade_state = "SUCCESS";
    wrong.transaction_id = "42000000" + o.out_trade_no;
    wrong.success_time = "2026-01-01T08:00:00+08:00";
    wrong.amount_total = 1;
    wrong.currency = "CNY";
    wechat_.PutTransaction(wrong);
  }
  settler_.RunOnce();
  EXPECT_EQ(wechat_.close_calls().size(), 10u);
  clock_.Advance(seconds(10));
  settler_.RunOnce();
  for (const std::string& no : wechat_.close_calls()) closed_at_wechat.insert(no);
  EXPECT_EQ(closed_at_wechat.size(), 12u) << "the next round gets past the ten waiting";
}

TEST_F(SettlerTest, ARoundStopsWhenAnotherReplicaTakesTheLease) {
  for (int i = 1; i <= 3; ++i) {
    AtWechat(PutOrder(i, OrderState::kPaying, clock_.Now() - minutes(40)), "NOTPAY");
  }
  lease_.held_for = 2;  // the round's start and the first order
  SettleRound round = settler_.RunOnce();
  EXPECT_TRUE(round.ran);
  EXPECT_EQ(round.expired, 1);
  EXPECT_EQ(wechat_.close_calls().size(), 1u);
}

TEST_F(SettlerTest, RefundsStillProcessingAreAskedAboutAndOnesWechatNeverGotAreSentAgain) {
  const Order o = PutOrder(1, OrderState::kPaid, clock_.Now() - minutes(10));
  RefundToSettle lost_notice{RefundView{"RF-1", 100, "", RefundStatus::kProcessing, "", "a"},
                             clock_.Now() - seconds(61), o.out_trade_no, "4200000001", 100};
  RefundToSettle never_sent = lost_notice;
  never_sent.refund.out_refund_no = "RF-2";
  RefundToSettle young = lost_notice;
  young.refund.out_refund_no = "RF-3";
  young.updated_at = clock_.Now() - seconds(5);
  orders_.PutRefundToSettle(lost_notice);
  orders_.PutRefundToSettle(never_sent);
  orders_.PutRefundToSettle(young);
  wechat_.PutRefund(RefundAnswer{"5030RF-1", "RF-1", "SUCCESS", 100});

  SettleRound round = settler_.RunOnce();
  EXPECT_EQ(round.refunds, 2) << "RF-3 is not due yet";
  ASSERT_EQ(wechat_.refund_calls().size(), 1u) << "only the refund WeChat never got";
  EXPECT_EQ(wechat_.refund_calls()[0].out_refund_no, "RF-2");
  EXPECT_EQ(wechat_.refund_calls()[0].transaction_id, "4200000001");
  const std::vector<RefundReportInput> applied = orders_.refund_reports();
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].out_refund_no, "RF-1");
  EXPECT_EQ(applied[0].status, RefundStatus::kSuccess);
  EXPECT_EQ(applied[1].out_refund_no, "RF-2");
  EXPECT_EQ(applied[1].status, RefundStatus::kProcessing);

  // RF-2 is still processing: asked again only after its back-off.
  clock_.Advance(seconds(10));
  EXPECT_EQ(settler_.RunOnce().refunds, 0);
}

TEST_F(SettlerTest, StartRunsRoundsUntilStopped) {
  Settler quick(logic_, orders_, lease_, clock_,
                SettlerOptions{.interval = std::chrono::milliseconds(10),
                               .reconcile_after = seconds(1),
                               .reconcile_backoff_max = seconds(1),
                               .batch = 10});
  quick.Start();
  for (int i = 0; i < 500 && lease_.calls < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  quick.Stop();
  const int calls = lease_.calls;
  EXPECT_GE(calls, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(lease_.calls, calls) << "no round after Stop";
}

}  // namespace
}  // namespace paymesh::payment
