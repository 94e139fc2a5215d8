#include "services/order/testing/store_contract.h"

#include <gmock/gmock.h>

#include <cstdio>
#include <utility>

#include "services/order/logic.h"

namespace paymesh::order::testing {

using std::chrono::seconds;

const Timestamp StoreContractTest::kNow{seconds(1795255500)};
const Timestamp StoreContractTest::kSuccessTime{seconds(1795255262)};

void StoreContractTest::SetUp() {
  harness_ = GetParam()();
  ASSERT_NE(harness_, nullptr);
}

Order StoreContractTest::PlaceOrder() { return PlaceOrder(kNow + std::chrono::minutes(30)); }

Order StoreContractTest::PlaceOrder(Timestamp expires_at) {
  char out_trade_no[40];
  std::snprintf(out_trade_no, sizeof(out_trade_no), "PM20261121100000contract%04d", ++orders_);
  NewOrder order;
  order.user_id = "u1";
  order.out_trade_no = out_trade_no;
  order.total_fen = 1234;
  order.expires_at = expires_at;
  order.items = {{"TEST-1FEN", "Payment test item", 1, 1234, 1234}};
  absl::StatusOr<InsertResult> r = store().InsertOrder(order);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->stored.order : Order{};
}

void StoreContractTest::Force(const Order& order, OrderState state) {
  absl::StatusOr<Order> r = store().UpdateOrder(order.id, [state](const Order& locked) {
    OrderChange change;
    change.event_type = "forced";
    change.to_state = state;
    if (state == OrderState::kPaid || state == OrderState::kPartiallyRefunded ||
        state == OrderState::kRefunded) {
      change.transaction_id = ForcedTransaction(locked);
      change.paid_at = kNow;
    }
    return absl::StatusOr<OrderChange>(change);
  });
  ASSERT_TRUE(r.ok()) << r.status();
}

std::string StoreContractTest::ForcedTransaction(const Order& order) {
  return "forced-" + order.out_trade_no;
}

Order StoreContractTest::Get(const std::string& order_id) {
  absl::StatusOr<Order> r = store().GetOrderById(order_id);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(Order{});
}

std::vector<StoreHarness::AuditEvent> StoreContractTest::EventsOf(const std::string& order_id,
                                                                  const std::string& type) {
  std::vector<StoreHarness::AuditEvent> out;
  for (StoreHarness::AuditEvent& e : harness().Events(order_id)) {
    if (e.event_type == type) out.push_back(std::move(e));
  }
  return out;
}

PaymentNotice StoreContractTest::Report(const Order& order, std::string notification_id,
                                        std::string transaction_id) {
  PaymentNotice n;
  n.notification_id = std::move(notification_id);
  n.source = ReportSource::kNotification;
  n.event_type = "TRANSACTION.SUCCESS";
  PaymentReport& r = n.report;
  r.appid = "wxd678efh567hg6787";
  r.mchid = "1230000109";
  r.out_trade_no = order.out_trade_no;
  r.transaction_id = std::move(transaction_id);
  r.trade_type = "NATIVE";
  r.trade_state = "SUCCESS";
  r.success_time = kSuccessTime;
  r.payer_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  r.amount_total = order.total_fen;
  r.payer_total = order.total_fen;
  r.currency = "CNY";
  return n;
}

absl::StatusOr<PaymentResult> StoreContractTest::Apply(const PaymentNotice& notice) {
  absl::StatusOr<std::vector<PaymentResult>> r = ApplyAll({notice});
  if (!r.ok()) return r.status();
  if (r->size() != 1) return absl::InternalError("expected one result");
  return r->front();
}

absl::StatusOr<std::vector<PaymentResult>> StoreContractTest::ApplyAll(
    const std::vector<PaymentNotice>& notices) {
  return store().ApplyPayments(notices, kNow);
}

namespace {

using ::testing::StartsWith;

TEST_P(StoreContractTest, SuccessPaysAPayingOrder) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaying);
  auto r = Apply(Report(o, "n-1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (PaymentResult{PaymentOutcome::kApplied, o.id, OrderState::kPaid, false, ""}));
  const Order paid = Get(o.id);
  EXPECT_EQ(paid.state, OrderState::kPaid);
  EXPECT_EQ(paid.transaction_id, "4200000001");
  EXPECT_EQ(paid.paid_at, kSuccessTime);
  EXPECT_FALSE(paid.flagged);
  EXPECT_FALSE(paid.late_payment);
  EXPECT_EQ(harness().InboxOutcome("n-1"), PaymentOutcome::kApplied);
  EXPECT_EQ(harness().PaymentOrder("4200000001"), o.id);

  auto events = EventsOf(o.id, "paid");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kPaying);
  EXPECT_EQ(events[0].to_state, OrderState::kPaid);
  EXPECT_EQ(events[0].detail.transaction_id, "4200000001");
  EXPECT_EQ(events[0].detail.notification_id, "n-1");
  EXPECT_EQ(events[0].detail.source, ReportSource::kNotification);
  EXPECT_FALSE(events[0].detail.reported_fen.has_value());
}

TEST_P(StoreContractTest, WithoutASuccessTimeTheOrderIsPaidNow) {
  const Order o = PlaceOrder();
  PaymentNotice n = Report(o, "query:4200000001");
  n.source = ReportSource::kQuery;
  n.report.success_time.reset();
  ASSERT_EQ(Apply(n)->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(Get(o.id).paid_at, kNow);
  auto events = EventsOf(o.id, "paid");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kCreated);
  EXPECT_EQ(events[0].detail.source, ReportSource::kQuery);
}

TEST_P(StoreContractTest, ARepeatedNotificationIsADuplicate) {
  const Order o = PlaceOrder();
  ASSERT_EQ(Apply(Report(o, "n-1"))->outcome, PaymentOutcome::kApplied);
  auto again = Apply(Report(o, "n-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again,
            (PaymentResult{PaymentOutcome::kDuplicate, o.id, OrderState::kPaid, false, ""}));
  EXPECT_EQ(harness().InboxOutcome("n-1"), PaymentOutcome::kApplied);
  EXPECT_EQ(EventsOf(o.id, "paid").size(), 1u);
}

TEST_P(StoreContractTest, TheSameTransactionUnderAnotherIdIsADuplicate) {
  const Order o = PlaceOrder();
  ASSERT_EQ(Apply(Report(o, "n-1"))->outcome, PaymentOutcome::kApplied);
  auto again = Apply(Report(o, "query:4200000001"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, PaymentOutcome::kDuplicate);
  EXPECT_EQ(harness().InboxOutcome("query:4200000001"), PaymentOutcome::kDuplicate);
  EXPECT_EQ(EventsOf(o.id, "paid").size(), 1u);
}

TEST_P(StoreContractTest, AWrongAmountIsFlaggedAndNeverPaid) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaying);
  PaymentNotice n = Report(o, "n-1");
  n.report.amount_total = 1;
  auto r = Apply(n);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string reason = "amount_mismatch: reported 1 fen, expected 1234 fen";
  EXPECT_EQ(*r, (PaymentResult{PaymentOutcome::kAmountMismatch, o.id, OrderState::kPaying, true,
                               reason}));
  const Order got = Get(o.id);
  EXPECT_EQ(got.state, OrderState::kPaying);
  EXPECT_TRUE(got.transaction_id.empty());
  EXPECT_FALSE(got.paid_at.has_value());
  EXPECT_EQ(got.flag_reason, reason);
  EXPECT_EQ(harness().InboxOutcome("n-1"), PaymentOutcome::kAmountMismatch);
  EXPECT_EQ(harness().PaymentOrder("4200000001"), o.id) << "the money is recorded";
  auto events = EventsOf(o.id, "amount_mismatch");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kPaying);
  EXPECT_EQ(events[0].to_state, OrderState::kPaying);
  EXPECT_EQ(events[0].detail.reported_fen, 1);
  EXPECT_EQ(events[0].detail.expected_fen, 1234);
  EXPECT_TRUE(EventsOf(o.id, "paid").empty());
}

TEST_P(StoreContractTest, AWrongCurrencyIsAMismatchToo) {
  const Order o = PlaceOrder();
  PaymentNotice n = Report(o, "n-1");
  n.report.currency = "USD";
  auto r = Apply(n);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PaymentOutcome::kAmountMismatch);
  EXPECT_EQ(r->order_state, OrderState::kCreated);
  EXPECT_EQ(r->flag_reason, "amount_mismatch: reported 1234 fen in USD, expected 1234 fen in CNY");
}

TEST_P(StoreContractTest, APaymentForAClosedOrderIsKeptAndFlagged) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kClosed);
  auto r = Apply(Report(o, "n-1"));
  ASSERT_TRUE(r.ok()) << r.status();
  std::string hex = o.id;
  std::erase(hex, '-');
  EXPECT_EQ(*r, (PaymentResult{PaymentOutcome::kApplied, o.id, OrderState::kPaid, true,
                               "late_payment: paid after close, refund RL" + hex + " opened"}));
  const Order got = Get(o.id);
  EXPECT_TRUE(got.late_payment);
  EXPECT_EQ(got.transaction_id, "4200000001");
  auto events = EventsOf(o.id, "late_payment");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kClosed);
  EXPECT_EQ(events[0].to_state, OrderState::kPaid);
  EXPECT_TRUE(EventsOf(o.id, "paid").empty());

  // The "refund" policy (order's default, set on the harness's connections): the whole amount is
  // on its way back, audited.
  absl::StatusOr<std::vector<Refund>> refunds = store().ListRefunds(o.id);
  ASSERT_TRUE(refunds.ok()) << refunds.status();
  ASSERT_EQ(refunds->size(), 1u);
  const Refund& f = refunds->at(0);
  EXPECT_EQ(f.out_refund_no, "RL" + hex);
  EXPECT_EQ(f.amount_fen, o.total_fen);
  EXPECT_EQ(f.status, RefundStatus::kProcessing);
  EXPECT_EQ(f.requested_by, kLatePaymentRefundRequester);
  EXPECT_EQ(f.reason, kLatePaymentRefundReason);
  auto requested = EventsOf(o.id, "refund_requested");
  ASSERT_EQ(requested.size(), 1u);
  EXPECT_EQ(requested[0].detail.out_refund_no, f.out_refund_no);
  EXPECT_EQ(requested[0].detail.refund_fen, o.total_fen);
  // WeChat repeating the report, or a query finding it, opens nothing more.
  ASSERT_TRUE(Apply(Report(o, "n-2")).ok());
  EXPECT_EQ(store().ListRefunds(o.id)->size(), 1u);
}

TEST_P(StoreContractTest, ASecondTransactionForAPaidOrderIsFlagged) {
  const Order o = PlaceOrder();
  ASSERT_EQ(Apply(Report(o, "n-1", "4200000001"))->outcome, PaymentOutcome::kApplied);
  auto r = Apply(Report(o, "n-2", "4200000002"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PaymentOutcome::kDuplicatePayment) << "never APPLIED: no double count";
  EXPECT_EQ(harness().InboxOutcome("n-2"), PaymentOutcome::kDuplicatePayment);
  EXPECT_EQ(r->order_state, OrderState::kPaid);
  EXPECT_TRUE(r->flagged);
  EXPECT_THAT(r->flag_reason, StartsWith("duplicate_payment: 4200000002 after 4200000001"));
  EXPECT_EQ(Get(o.id).transaction_id, "4200000001");
  EXPECT_EQ(harness().PaymentOrder("4200000002"), o.id);
  auto events = EventsOf(o.id, "duplicate_payment");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kPaid);
  EXPECT_EQ(events[0].to_state, OrderState::kPaid);
  EXPECT_EQ(events[0].detail.transaction_id, "4200000002");
  EXPECT_EQ(EventsOf(o.id, "paid").size(), 1u);
}

TEST_P(StoreContractTest, AnUnknownOrderIsRecordedNotAnError) {
  Order ghost;
  ghost.out_trade_no = "PM20261121100000NOSUCHORDER1";
  ghost.total_fen = 990;
  auto r = Apply(Report(ghost, "n-ghost", "4200000777"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (PaymentResult{PaymentOutcome::kUnknownOrder, "", std::nullopt, false, ""}));
  EXPECT_EQ(harness().InboxOutcome("n-ghost"), PaymentOutcome::kUnknownOrder);
  EXPECT_EQ(harness().PaymentOrder("4200000777"), "");
  auto again = Apply(Report(ghost, "n-ghost", "4200000777"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, PaymentOutcome::kDuplicate);
}

TEST_P(StoreContractTest, NotPaidReportsAreIgnoredButRecorded) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaying);
  PaymentNotice n = Report(o, "query:notpay-1", "");
  n.source = ReportSource::kQuery;
  n.report.trade_state = "NOTPAY";
  n.report.success_time.reset();
  auto r = Apply(n);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (PaymentResult{PaymentOutcome::kIgnored, o.id, OrderState::kPaying, false, ""}));
  EXPECT_EQ(harness().InboxOutcome("query:notpay-1"), PaymentOutcome::kIgnored);
  EXPECT_EQ(harness().Events(o.id).size(), 1u);  // the forced one only
}

TEST_P(StoreContractTest, OutcomeTable) {
  struct Row {
    OrderState from;
    OrderState to;
    std::string event;  // "" = nothing written
    PaymentOutcome outcome;
    bool flagged;
    bool late;
  };
  const std::vector<Row> table = {
      {OrderState::kCreated, OrderState::kPaid, "paid", PaymentOutcome::kApplied, false, false},
      {OrderState::kPaying, OrderState::kPaid, "paid", PaymentOutcome::kApplied, false, false},
      {OrderState::kPayFailed, OrderState::kPaid, "paid", PaymentOutcome::kApplied, false, false},
      {OrderState::kClosed, OrderState::kPaid, "late_payment", PaymentOutcome::kApplied, true,
       true},
      {OrderState::kPaid, OrderState::kPaid, "duplicate_payment", PaymentOutcome::kDuplicatePayment,
       true, false},
      {OrderState::kPartiallyRefunded, OrderState::kPartiallyRefunded, "duplicate_payment",
       PaymentOutcome::kDuplicatePayment, true, false},
      {OrderState::kRefunded, OrderState::kRefunded, "duplicate_payment",
       PaymentOutcome::kDuplicatePayment, true, false},
  };
  int n = 0;
  for (const Row& row : table) {
    const std::string where(StateName(row.from));
    const Order o = PlaceOrder();
    if (row.from != OrderState::kCreated) Force(o, row.from);
    const std::string txn = "42000000" + std::to_string(++n);
    auto r = Apply(Report(o, "n-" + std::to_string(n), txn));
    ASSERT_TRUE(r.ok()) << where << ": " << r.status();
    EXPECT_EQ(r->outcome, row.outcome) << where;
    EXPECT_EQ(r->order_state, row.to) << where;
    EXPECT_EQ(r->flagged, row.flagged) << where;
    const Order got = Get(o.id);
    EXPECT_EQ(got.late_payment, row.late) << where;
    const bool pays = row.event == "paid" || row.event == "late_payment";
    EXPECT_EQ(got.transaction_id, pays ? txn : ForcedTransaction(o)) << where;
    auto events = EventsOf(o.id, row.event);
    ASSERT_EQ(events.size(), 1u) << where;
    EXPECT_EQ(events[0].from_state, row.from) << where;
    EXPECT_EQ(events[0].to_state, row.to) << where;

    // A wrong amount never changes the state, whatever it is.
    const Order other = PlaceOrder();
    if (row.from != OrderState::kCreated) Force(other, row.from);
    ++n;
    PaymentNotice wrong = Report(other, "n-" + std::to_string(n), "42000000" + std::to_string(n));
    wrong.report.amount_total = 1233;
    auto m = Apply(wrong);
    ASSERT_TRUE(m.ok()) << where << ": " << m.status();
    EXPECT_EQ(m->outcome, PaymentOutcome::kAmountMismatch) << where;
    EXPECT_EQ(m->order_state, row.from) << where;
    EXPECT_EQ(EventsOf(other.id, "amount_mismatch").size(), 1u) << where;
  }
}

// ---- batches ---------------------------------------------------------------------------------

TEST_P(StoreContractTest, ResultsComeBackInTheOrderOfTheNotices) {
  std::vector<Order> orders;
  for (int i = 0; i < 5; ++i) orders.push_back(PlaceOrder());
  std::vector<PaymentNotice> batch;
  for (int i = 4; i >= 0; --i) {  // newest out_trade_no first: not the store's lock order
    batch.push_back(Report(orders[i], "n-" + std::to_string(i), "420000000" + std::to_string(i)));
  }
  auto r = ApplyAll(batch);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*r)[i].order_id, orders[4 - i].id) << i;
    EXPECT_EQ((*r)[i].outcome, PaymentOutcome::kApplied) << i;
    EXPECT_EQ(Get(orders[4 - i].id).transaction_id, "420000000" + std::to_string(4 - i));
  }
}

TEST_P(StoreContractTest, TwoDeliveriesOfOneNotificationInOneBatchApplyOnce) {
  const Order o = PlaceOrder();
  auto r = ApplyAll({Report(o, "n-1"), Report(o, "n-1")});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].outcome, PaymentOutcome::kApplied);
  EXPECT_EQ((*r)[1].outcome, PaymentOutcome::kDuplicate);
  EXPECT_EQ((*r)[1].order_state, OrderState::kPaid);
  EXPECT_EQ(EventsOf(o.id, "paid").size(), 1u);
  EXPECT_EQ(harness().InboxOutcome("n-1"), PaymentOutcome::kApplied);
}

TEST_P(StoreContractTest, ARejectedReportIsKeptOnceAndChangesNothing) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaying);
  const RejectedReport rejected{
      "n-bad",      ReportSource::kNotification, "TRANSACTION.SUCCESS", o.out_trade_no,
      "4200000009", "success_time is not a time"};
  EXPECT_EQ(*store().RecordRejectedReport(rejected), PaymentOutcome::kRejected);
  EXPECT_EQ(harness().InboxOutcome("n-bad"), PaymentOutcome::kRejected);
  EXPECT_EQ(*store().RecordRejectedReport(rejected), PaymentOutcome::kDuplicate);
  EXPECT_EQ(harness().InboxOutcome("n-bad"), PaymentOutcome::kRejected) << "still";
  EXPECT_EQ(Get(o.id).state, OrderState::kPaying);
  EXPECT_EQ(harness().PaymentOrder("4200000009"), std::nullopt) << "no payment recorded";
  EXPECT_EQ(Apply(Report(o, "n-bad", "4200000009"))->outcome, PaymentOutcome::kDuplicate)
      << "the notification id is spent";
}

TEST_P(StoreContractTest, EveryFlagReasonIsKept) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kClosed);
  ASSERT_EQ(Apply(Report(o, "n-1", "4200000001"))->outcome, PaymentOutcome::kApplied);
  auto r = Apply(Report(o, "n-2", "4200000002"));
  ASSERT_TRUE(r.ok()) << r.status();
  std::string hex = o.id;
  std::erase(hex, '-');
  EXPECT_EQ(r->flag_reason, "late_payment: paid after close, refund RL" + hex +
                                " opened; duplicate_payment: 4200000002 after 4200000001, "
                                "refund required");
  EXPECT_EQ(Get(o.id).flag_reason, r->flag_reason);
}

TEST_P(StoreContractTest, ClosingIsAuditedWithItsReason) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaying);
  auto closed =
      store().UpdateOrder(o.id, [](const Order& locked) { return DecideClose(locked, "expired"); });
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->state, OrderState::kClosed);
  EXPECT_EQ(Get(o.id).state, OrderState::kClosed);
  const auto events = EventsOf(o.id, "closed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kPaying);
  EXPECT_EQ(events[0].to_state, OrderState::kClosed);
  EXPECT_EQ(events[0].detail.reason, "expired");
}

TEST_P(StoreContractTest, ExpiredOpenOrdersAreListedOldestFirst) {
  using std::chrono::minutes;
  const Order a = PlaceOrder(kNow - minutes(10));
  const Order b = PlaceOrder(kNow - minutes(20));
  const Order paying = PlaceOrder(kNow - minutes(1));
  Force(paying, OrderState::kPaying);
  const Order failed = PlaceOrder(kNow);  // at `before`: due
  Force(failed, OrderState::kPayFailed);
  PlaceOrder(kNow + minutes(10));  // not yet
  Force(PlaceOrder(kNow - minutes(30)), OrderState::kPaid);
  Force(PlaceOrder(kNow - minutes(30)), OrderState::kClosed);
  // Paid the wrong amount: flagged for a person, never settled by the job.
  const Order mismatched = PlaceOrder(kNow - minutes(40));
  Force(mismatched, OrderState::kPaying);
  PaymentNotice wrong = Report(mismatched, "n-wrong", "4200000099");
  wrong.report.amount_total = 1;
  ASSERT_EQ(Apply(wrong)->outcome, PaymentOutcome::kAmountMismatch);

  auto due = store().ListOrdersToSettle(SettleKind::kExpired, kNow, std::nullopt, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  std::vector<std::string> ids;
  for (const Order& o : *due) ids.push_back(o.id);
  EXPECT_EQ(ids, (std::vector<std::string>{b.id, a.id, paying.id, failed.id}));
  EXPECT_EQ(due->front().expires_at, kNow - minutes(20));

  auto first = store().ListOrdersToSettle(SettleKind::kExpired, kNow, std::nullopt, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].id, a.id);
  auto next = store().ListOrdersToSettle(SettleKind::kExpired, kNow,
                                         SettleKey{(*first)[1].expires_at, (*first)[1].id}, 2);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ((*next)[0].id, paying.id);
  EXPECT_EQ((*next)[1].id, failed.id);
  EXPECT_TRUE(store()
                  .ListOrdersToSettle(SettleKind::kExpired, kNow,
                                      SettleKey{(*next)[1].expires_at, (*next)[1].id}, 2)
                  ->empty());
}

TEST_P(StoreContractTest, PayingOrdersAreListedByHowLongTheyHaveWaited) {
  const Order paying = PlaceOrder();
  Force(paying, OrderState::kPaying);
  PlaceOrder();  // CREATED: nothing to ask WeChat about
  Force(PlaceOrder(), OrderState::kPaid);
  const Order later = PlaceOrder();
  Force(later, OrderState::kPaying);

  const Timestamp far_future = Timestamp{} + std::chrono::hours(24 * 365 * 100);
  auto all = store().ListOrdersToSettle(SettleKind::kPaying, far_future, std::nullopt, 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, paying.id);
  EXPECT_EQ((*all)[1].id, later.id);
  auto after = store().ListOrdersToSettle(SettleKind::kPaying, far_future,
                                          SettleKey{(*all)[0].updated_at, paying.id}, 10);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, later.id);
  EXPECT_EQ(store().ListOrdersToSettle(SettleKind::kPaying, Timestamp{}, std::nullopt, 10)->size(),
            0u)
      << "none has waited since 1970";
}

TEST_P(StoreContractTest, EveryPaymentAttemptOfAnOrderFindsIt) {
  const Order o = PlaceOrder();
  auto switched = store().UpdateOrder(o.id, [](const Order& locked) {
    Prepay next{Channel::kH5, "", "", "https://wx.tenpay.com/h5", kNow, /*attempt=*/1};
    return DecidePrepay(locked, next);
  });
  ASSERT_TRUE(switched.ok()) << switched.status();
  EXPECT_EQ(switched->payment_attempt, 1);
  EXPECT_EQ(Get(o.id).payment_attempt, 1);
  EXPECT_EQ(store().GetOrderByOutTradeNo(o.out_trade_no + "_1")->id, o.id);
  ASSERT_EQ(EventsOf(o.id, "prepay_issued").size(), 1u);
  EXPECT_EQ(EventsOf(o.id, "prepay_issued")[0].detail.attempt, 1);

  // Paid under the new attempt's number, then (never, but if WeChat says so) the old one's.
  PaymentNotice paid = Report(o, "n-1", "4200000001");
  paid.report.out_trade_no = o.out_trade_no + "_1";
  PaymentNotice old = Report(o, "n-2", "4200000002");
  auto r = ApplyAll({paid, old});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].outcome, PaymentOutcome::kApplied);
  EXPECT_EQ((*r)[0].order_id, o.id);
  EXPECT_EQ((*r)[1].outcome, PaymentOutcome::kDuplicatePayment) << "applied in turn";
  EXPECT_EQ(Get(o.id).transaction_id, "4200000001");
  EXPECT_EQ(harness().PaymentOrder("4200000001"), o.id);
}

TEST_P(StoreContractTest, TwoReportsOfOneOrderInOneBatchAreAppliedInTurn) {
  const Order o = PlaceOrder();
  auto r = ApplyAll({Report(o, "n-1", "4200000001"), Report(o, "n-2", "4200000001"),
                     Report(o, "n-3", "4200000003")});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].outcome, PaymentOutcome::kApplied);
  EXPECT_EQ((*r)[1].outcome, PaymentOutcome::kDuplicate) << "same transaction, other id";
  EXPECT_EQ((*r)[2].outcome, PaymentOutcome::kDuplicatePayment) << "a second payment: flagged";
  EXPECT_TRUE((*r)[2].flagged);
  EXPECT_EQ(Get(o.id).transaction_id, "4200000001");
  EXPECT_EQ(EventsOf(o.id, "paid").size(), 1u);
  EXPECT_EQ(EventsOf(o.id, "duplicate_payment").size(), 1u);
}

// Every rule at once, in one batch whose reports share no key.
TEST_P(StoreContractTest, OneBatchAppliesEveryRuleToItsOwnReport) {
  const Order paying = PlaceOrder();
  Force(paying, OrderState::kPaying);
  const Order short_paid = PlaceOrder();
  const Order closed = PlaceOrder();
  Force(closed, OrderState::kClosed);
  const Order notpay = PlaceOrder();
  const Order seen = PlaceOrder();
  const Order seen_txn = PlaceOrder();
  ASSERT_EQ(Apply(Report(seen, "n-seen", "4200000005"))->outcome, PaymentOutcome::kApplied);
  ASSERT_EQ(Apply(Report(seen_txn, "n-first", "4200000006"))->outcome, PaymentOutcome::kApplied);
  Order ghost;
  ghost.out_trade_no = "PM20261121100000NOSUCHORDER2";
  ghost.total_fen = 5;

  PaymentNotice mismatch = Report(short_paid, "n-2", "4200000002");
  mismatch.report.amount_total = 1000;
  PaymentNotice ignored = Report(notpay, "n-4", "");
  ignored.report.trade_state = "NOTPAY";
  ignored.report.success_time.reset();
  auto r =
      ApplyAll({Report(paying, "n-1", "4200000001"), mismatch, Report(closed, "n-3", "4200000003"),
                ignored, Report(seen, "n-seen", "4200000005"),
                Report(seen_txn, "n-second", "4200000006"), Report(ghost, "n-7", "4200000007")});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 7u);
  EXPECT_EQ((*r)[0],
            (PaymentResult{PaymentOutcome::kApplied, paying.id, OrderState::kPaid, false, ""}));
  EXPECT_EQ((*r)[1].outcome, PaymentOutcome::kAmountMismatch);
  EXPECT_EQ((*r)[1].order_state, OrderState::kCreated);
  EXPECT_EQ((*r)[1].flag_reason, "amount_mismatch: reported 1000 fen, expected 1234 fen");
  EXPECT_EQ((*r)[2].outcome, PaymentOutcome::kApplied);
  EXPECT_EQ((*r)[2].order_state, OrderState::kPaid);
  EXPECT_TRUE((*r)[2].flagged);
  EXPECT_EQ((*r)[3],
            (PaymentResult{PaymentOutcome::kIgnored, notpay.id, OrderState::kCreated, false, ""}));
  EXPECT_EQ((*r)[4],
            (PaymentResult{PaymentOutcome::kDuplicate, seen.id, OrderState::kPaid, false, ""}));
  EXPECT_EQ((*r)[5],
            (PaymentResult{PaymentOutcome::kDuplicate, seen_txn.id, OrderState::kPaid, false, ""}));
  EXPECT_EQ((*r)[6], (PaymentResult{PaymentOutcome::kUnknownOrder, "", std::nullopt, false, ""}));

  EXPECT_EQ(Get(paying.id).paid_at, kSuccessTime);
  EXPECT_TRUE(Get(closed.id).late_payment);
  EXPECT_EQ(EventsOf(short_paid.id, "amount_mismatch").at(0).detail.reported_fen, 1000);
  EXPECT_EQ(EventsOf(closed.id, "late_payment").size(), 1u);
  EXPECT_EQ(EventsOf(seen.id, "paid").size(), 1u);
  EXPECT_EQ(harness().InboxOutcome("n-2"), PaymentOutcome::kAmountMismatch);
  EXPECT_EQ(harness().InboxOutcome("n-4"), PaymentOutcome::kIgnored);
  EXPECT_EQ(harness().InboxOutcome("n-seen"), PaymentOutcome::kApplied) << "the first one's";
  EXPECT_EQ(harness().InboxOutcome("n-second"), PaymentOutcome::kDuplicate);
  EXPECT_EQ(harness().InboxOutcome("n-7"), PaymentOutcome::kUnknownOrder);
  EXPECT_EQ(harness().PaymentOrder("4200000007"), "");
}

TEST_P(StoreContractTest, AnEmptyBatchWritesNothing) {
  auto r = ApplyAll({});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());
}

}  // namespace
// ---- refunds ------------------------------------------------------------------------------------

namespace {

Refund Candidate(const std::string& out_refund_no, int64_t fen, std::string key = "",
                 std::string hash = "") {
  Refund f;
  f.out_refund_no = out_refund_no;
  f.amount_fen = fen;
  f.reason = "damaged";
  f.requested_by = "admin-1";
  f.idempotency_key = std::move(key);
  f.request_hash = std::move(hash);
  return f;
}

RefundReport Said(const Order& o, const std::string& out_refund_no, RefundStatus status,
                  int64_t fen) {
  return RefundReport{o.out_trade_no, out_refund_no, "50000000" + out_refund_no, status, fen};
}

}  // namespace

absl::StatusOr<RefundResult> StoreContractTest::RequestRefund(const Order& o, const Refund& f) {
  return store().UpdateRefunds(o.id, [&f](const Order& locked, const std::vector<Refund>& all) {
    return DecideRefundRequest(locked, all, f);
  });
}

absl::StatusOr<RefundResult> StoreContractTest::Report(const Order& o, const RefundReport& r) {
  return store().UpdateRefunds(o.id, [&r](const Order& locked, const std::vector<Refund>& all) {
    return DecideRefundReport(locked, all, r);
  });
}

TEST_P(StoreContractTest, RefundsNeverAddUpToMoreThanThePaidTotal) {
  const Order o = PlaceOrder();
  EXPECT_EQ(RequestRefund(o, Candidate("RF-0", 1)).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "not paid";
  Force(o, OrderState::kPaid);
  auto first = RequestRefund(o, Candidate("RF-1", 1000));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->refund.has_value());
  EXPECT_EQ(first->refund->status, RefundStatus::kProcessing);
  EXPECT_EQ(first->refund->amount_fen, 1000);
  EXPECT_FALSE(first->refund->id.empty());
  EXPECT_EQ(first->order.state, OrderState::kPaid) << "until WeChat has refunded it";
  auto too_much = RequestRefund(o, Candidate("RF-2", 235));
  EXPECT_EQ(too_much.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(too_much.status().message()), ::testing::HasSubstr("234 fen left"));
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-3", 234)).ok());
  EXPECT_EQ(store().ListRefunds(o.id)->size(), 2u);
  const auto events = EventsOf(o.id, "refund_requested");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].detail.out_refund_no, "RF-1");
  EXPECT_EQ(events[0].detail.refund_fen, 1000);
}

TEST_P(StoreContractTest, WechatsWordMovesRefundsAndTheOrderOnce) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-1", 1000)).ok());
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-2", 234)).ok());

  auto partly = Report(o, Said(o, "RF-1", RefundStatus::kSuccess, 1000));
  ASSERT_TRUE(partly.ok()) << partly.status();
  EXPECT_EQ(partly->order.state, OrderState::kPartiallyRefunded);
  EXPECT_EQ(partly->refund->status, RefundStatus::kSuccess);
  EXPECT_EQ(partly->refund->refund_id, "50000000RF-1");
  ASSERT_TRUE(Report(o, Said(o, "RF-1", RefundStatus::kSuccess, 1000)).ok());  // again
  EXPECT_EQ(EventsOf(o.id, "refunded").size(), 1u) << "a repeated report changes nothing";

  // CLOSED gives the amount back to what may be refunded; then it is refunded in full.
  auto closed = Report(o, Said(o, "RF-2", RefundStatus::kClosed, 234));
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->order.state, OrderState::kPartiallyRefunded);
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-3", 234)).ok());
  auto full = Report(o, Said(o, "RF-3", RefundStatus::kSuccess, 234));
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->order.state, OrderState::kRefunded);
  EXPECT_EQ(Get(o.id).state, OrderState::kRefunded);
  EXPECT_FALSE(Get(o.id).flagged);

  // A final refund contradicted: nothing moves, a person is asked.
  auto conflict = Report(o, Said(o, "RF-3", RefundStatus::kClosed, 234));
  ASSERT_TRUE(conflict.ok()) << conflict.status();
  EXPECT_EQ(conflict->refund->status, RefundStatus::kSuccess);
  EXPECT_TRUE(Get(o.id).flagged);
  EXPECT_THAT(Get(o.id).flag_reason, ::testing::HasSubstr("refund_conflict: RF-3"));
}

TEST_P(StoreContractTest, OlderNewsOfARefundChangesNothingAndAnotherAmountIsFlagged) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-1", 100)).ok());
  ASSERT_TRUE(Report(o, Said(o, "RF-1", RefundStatus::kSuccess, 100)).ok());
  // WeChat's PROCESSING answer to the refund call, arriving after its SUCCESS notification.
  auto late = Report(o, Said(o, "RF-1", RefundStatus::kProcessing, 100));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->refund->status, RefundStatus::kSuccess);
  EXPECT_FALSE(Get(o.id).flagged);
  EXPECT_EQ(Get(o.id).state, OrderState::kPartiallyRefunded);
  auto other = Report(o, Said(o, "RF-1", RefundStatus::kSuccess, 101));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(Get(o.id).flagged);
  EXPECT_THAT(Get(o.id).flag_reason, ::testing::HasSubstr("refund_conflict: RF-1 reported 101"));
}

TEST_P(StoreContractTest, ProcessingRefundsAreListedForTheSettlingJob) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-1", 100)).ok());
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-2", 200)).ok());
  ASSERT_TRUE(Report(o, Said(o, "RF-2", RefundStatus::kSuccess, 200)).ok());
  const Timestamp far_future = Timestamp{} + std::chrono::hours(24 * 365 * 100);
  auto due = store().ListRefundsToSettle(far_future, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u) << "only PROCESSING ones";
  EXPECT_EQ((*due)[0].refund.out_refund_no, "RF-1");
  EXPECT_EQ((*due)[0].out_trade_no, o.out_trade_no);
  EXPECT_EQ((*due)[0].transaction_id, ForcedTransaction(o));
  EXPECT_EQ((*due)[0].total_fen, 1234);
  EXPECT_TRUE(store().ListRefundsToSettle(Timestamp{}, 10)->empty());
}

TEST_P(StoreContractTest, AnAbnormalRefundIsFlaggedAndMayStillSucceed) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  ASSERT_TRUE(RequestRefund(o, Candidate("RF-1", 1234)).ok());
  auto abnormal = Report(o, Said(o, "RF-1", RefundStatus::kAbnormal, 1234));
  ASSERT_TRUE(abnormal.ok()) << abnormal.status();
  EXPECT_EQ(abnormal->order.state, OrderState::kPaid);
  EXPECT_TRUE(abnormal->order.flagged);
  EXPECT_EQ(RequestRefund(o, Candidate("RF-2", 1)).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "an abnormal refund still holds its amount";
  auto later = Report(o, Said(o, "RF-1", RefundStatus::kSuccess, 1234));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->order.state, OrderState::kRefunded);
}

TEST_P(StoreContractTest, ARefundMadeInTheMerchantPortalIsRecorded) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  auto portal = Report(o, Said(o, "PORTAL-9", RefundStatus::kSuccess, 300));
  ASSERT_TRUE(portal.ok()) << portal.status();
  ASSERT_TRUE(portal->refund.has_value());
  EXPECT_EQ(portal->refund->requested_by, "wechat");
  EXPECT_EQ(portal->refund->amount_fen, 300);
  EXPECT_EQ(portal->order.state, OrderState::kPartiallyRefunded);
  EXPECT_EQ(RequestRefund(o, Candidate("RF-1", 935)).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "934 fen left";
}

TEST_P(StoreContractTest, AnIdempotencyKeyReturnsItsRefund) {
  const Order o = PlaceOrder();
  Force(o, OrderState::kPaid);
  auto first = RequestRefund(o, Candidate("RF-1", 100, "key-1", "hash-a"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = RequestRefund(o, Candidate("RF-2", 100, "key-1", "hash-a"));
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(again->refund.has_value());
  EXPECT_EQ(again->refund->out_refund_no, "RF-1") << "the same refund, its number kept";
  EXPECT_EQ(store().ListRefunds(o.id)->size(), 1u);
  EXPECT_EQ(RequestRefund(o, Candidate("RF-3", 200, "key-1", "hash-b")).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(RequestRefund(o, Candidate("RF-1", 5)).status().code(),
            absl::StatusCode::kAlreadyExists)
      << "an out_refund_no is used once";
}

}  // namespace paymesh::order::testing
