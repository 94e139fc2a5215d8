// Refunds through the gateway, payment and the simulator: an admin refunds in full or in parts
// (never more than was paid, also with 20 requests at once), a refund WeChat answered 5xx and
// that is retried is made once under one out_refund_no, non-admins are refused; a late payment
// is given back on its own.

#include <latch>
#include <pqxx/pqxx>
#include <thread>

#include "tests/e2e/payment_util.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class PaymentRefundTest : public PaymentTest {
 protected:
  void SetUp() override {
    PaymentTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = RegisterUser(api());
    // Scopes are granted in auth's table; a login carries them in the token.
    pqxx::connection c(paymesh::testing::PgDsn());
    pqxx::work tx(c);
    tx.exec_params0("UPDATE auth.users SET scopes = '{user,admin}' WHERE id = $1::uuid",
                    admin_.user_id);
    tx.commit();
    admin_token_ = Login(api(), admin_).access;
  }

  // A paid order of `cart` (notified by the simulator).
  json::value PaidOrder() {
    const json::value order = CreateOrder({{catalogue_.at(0), 3}});
    EXPECT_TRUE(PayNative(OrderId(order)).is_object());
    EXPECT_EQ(sim().Pay(OutTradeNo(order)).status, 200);
    return WaitForState(OrderId(order), "PAID");
  }

  HttpResponse Refund(const std::string& order_id, int64_t fen, const std::string& key = "",
                      const std::string& token = "") {
    HttpHeaders headers;
    headers.emplace_back("Idempotency-Key", key.empty() ? testing::UniqueName("refund-") : key);
    return api().Post("/api/v1/orders/" + order_id + "/refunds",
                      json::serialize(json::object{{"amount_fen", fen}, {"reason", "returned"}}),
                      token.empty() ? admin_token_ : token, headers);
  }

  // The simulator's refunds of the order.
  json::array RefundsAtWechat(const json::value& order) {
    HttpResponse r = sim().Order(OutTradeNo(order));
    EXPECT_EQ(r.status, 200) << r;
    return Json(r).at("refunds").as_array();
  }

  Account admin_;
  std::string admin_token_;
};

TEST_F(PaymentRefundTest, AFullRefundEndsRefunded) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  HttpResponse r = Refund(id, TotalFen(order), "full-1");
  ASSERT_EQ(r.status, 200) << r;
  // WeChat answers PROCESSING; its SUCCESS notification may already have been applied.
  const std::string status = Str(Json(r), {"status"});
  EXPECT_TRUE(status == "PROCESSING" || status == "SUCCESS") << r;
  const std::string out_refund_no = Str(Json(r), {"out_refund_no"});
  EXPECT_EQ(out_refund_no.rfind("RF", 0), 0u) << r;
  EXPECT_EQ(Str(WaitForState(id, "REFUNDED"), {"state"}), "REFUNDED");
  HttpResponse listed = api().Get("/api/v1/orders/" + id + "/refunds", admin_token_);
  ASSERT_EQ(listed.status, 200) << listed;
  const json::array refunds = Json(listed).at("refunds").as_array();
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(Str(refunds[0], {"status"}), "SUCCESS") << listed;
  EXPECT_EQ(Str(refunds[0], {"out_refund_no"}), out_refund_no);
  EXPECT_EQ(Str(refunds[0], {"requested_by"}), admin_.user_id);
}

TEST_F(PaymentRefundTest, PartsUpToTheTotalThenNoMore) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  const int64_t total = TotalFen(order);
  const int64_t part = total / 3;
  ASSERT_EQ(Refund(id, part).status, 200);
  ASSERT_EQ(Refund(id, part).status, 200);
  HttpResponse last = Refund(id, total - 2 * part);
  ASSERT_EQ(last.status, 200) << last;
  EXPECT_TRUE(IsError(Refund(id, 1), 409, "FAILED_PRECONDITION"));
  EXPECT_EQ(Str(WaitForState(id, "REFUNDED"), {"state"}), "REFUNDED");
  EXPECT_EQ(RefundsAtWechat(order).size(), 3u);
}

TEST_F(PaymentRefundTest, TwentyConcurrentPartialRefundsNeverExceedTheTotal) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  const int64_t part = TotalFen(order) / 10 + 1;  // at most nine fit
  constexpr int kClients = 20;
  std::latch start(kClients);
  std::vector<int> statuses(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      statuses[i] = Refund(id, part).status;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 9);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), 11);
  int64_t at_wechat = 0;
  for (const json::value& f : RefundsAtWechat(order)) at_wechat += f.at("refund").as_int64();
  EXPECT_EQ(at_wechat, 9 * part);
  EXPECT_LE(at_wechat, TotalFen(order));
}

TEST_F(PaymentRefundTest, ARefundWechatAnswered5xxIsMadeOnceWhenRetried) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  SimFaults faults;
  faults.refund_500 = 3;  // payment's own three attempts of the first call all fail
  ASSERT_TRUE(sim().SetFaults(faults, OutTradeNo(order)));
  HttpResponse first = Refund(id, 100, "retry-me");
  EXPECT_EQ(first.status, 503) << first;
  EXPECT_TRUE(RefundsAtWechat(order).empty());
  HttpResponse again = Refund(id, 100, "retry-me");
  ASSERT_EQ(again.status, 200) << again;
  HttpResponse twice = Refund(id, 100, "retry-me");
  ASSERT_EQ(twice.status, 200) << twice;
  EXPECT_EQ(Str(Json(twice), {"out_refund_no"}), Str(Json(again), {"out_refund_no"}));
  const json::array at_wechat = RefundsAtWechat(order);
  ASSERT_EQ(at_wechat.size(), 1u) << "one refund under one out_refund_no";
  EXPECT_EQ(Str(at_wechat[0], {"out_refund_no"}), Str(Json(again), {"out_refund_no"}));
  EXPECT_EQ(Str(WaitForState(id, "PARTIALLY_REFUNDED"), {"state"}), "PARTIALLY_REFUNDED");
}

TEST_F(PaymentRefundTest, OnlyAnAdminRefunds) {
  const json::value order = PaidOrder();
  EXPECT_TRUE(IsError(Refund(OrderId(order), 1, "", tokens_.access), 403, "PERMISSION_DENIED"));
  EXPECT_TRUE(RefundsAtWechat(order).empty());
  EXPECT_EQ(Str(GetOrder(OrderId(order)), {"state"}), "PAID");
}

// An APIv2 refund notification of a refund paymesh started (WeChat's own notification lost):
// it applies, once, through the same path; the order ends REFUNDED.
TEST_F(PaymentRefundTest, AV2RefundNotificationOfOurRefundApplies) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  SimFaults faults;
  faults.drop_first = 100;  // the v3 refund notification never arrives
  ASSERT_TRUE(sim().SetFaults(faults, OutTradeNo(order)));
  HttpResponse r = Refund(id, TotalFen(order), "v2-full");
  ASSERT_EQ(r.status, 200) << r;
  const std::string out_refund_no = Str(Json(r), {"out_refund_no"});
  ASSERT_EQ(Str(GetOrder(id), {"state"}), "PAID");
  const std::string body =
      V2RefundNotification(stack(),
                           {{"out_trade_no", OutTradeNo(order)},
                            {"out_refund_no", out_refund_no},
                            {"refund_id", Str(RefundsAtWechat(order).at(0), {"refund_id"})},
                            {"total_fee", std::to_string(TotalFen(order))},
                            {"refund_fee", std::to_string(TotalFen(order))},
                            {"refund_status", "SUCCESS"},
                            {"success_time", "2026-12-05 10:46:01"}},
                           SimStateFile(stack(), "v2_key"));
  for (int i = 0; i < 2; ++i) {
    HttpResponse v2 =
        api().Send("POST", "/wechat/notify/v2/refund", body, "", {{"Content-Type", "text/xml"}});
    EXPECT_EQ(v2.status, 200) << v2;
  }
  EXPECT_EQ(Str(GetOrder(id), {"state"}), "REFUNDED");
  EXPECT_EQ(CountEvents(stack(), id, "refunded"), 1);
}

// The settling job asks WeChat about refunds still PROCESSING after a second.
class RefundReconcileTest : public PaymentRefundTest {
 protected:
  StackOptions Options() const override {
    StackOptions options = DefaultStackOptions();
    auto& payment = options.env[Service::kPayment];
    payment["PAYMENT_SETTLE_INTERVAL_MS"] = "200";
    payment["PAYMENT_RECONCILE_AFTER_SECONDS"] = "1";
    payment["PAYMENT_RECONCILE_BACKOFF_MAX_SECONDS"] = "1";
    return options;
  }
};

TEST_F(RefundReconcileTest, ARefundWhoseNotificationWasLostStillEndsRefunded) {
  const json::value order = PaidOrder();
  const std::string id = OrderId(order);
  SimFaults faults;
  faults.drop_first = 100;  // every delivery of the refund's notification lost
  ASSERT_TRUE(sim().SetFaults(faults, OutTradeNo(order)));
  HttpResponse r = Refund(id, TotalFen(order), "lost-notice");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Str(WaitForState(id, "REFUNDED"), {"state"}), "REFUNDED");
  HttpResponse listed = api().Get("/api/v1/orders/" + id + "/refunds", admin_token_);
  ASSERT_EQ(listed.status, 200) << listed;
  EXPECT_EQ(Str(Json(listed).at("refunds").at(0), {"status"}), "SUCCESS") << listed;
  // The payment's notification went through; every attempt of the refund's was dropped.
  const SimAttempts attempts = sim().Notifications(OutTradeNo(order));
  EXPECT_EQ(std::count_if(attempts.begin(), attempts.end(),
                          [](const SimAttempt& a) { return a.acknowledged; }),
            1)
      << attempts;
  EXPECT_GE(std::count_if(attempts.begin(), attempts.end(),
                          [](const SimAttempt& a) { return a.kind == "dropped"; }),
            1)
      << attempts;
}

// ORDER_LATE_PAYMENT_POLICY=refund (the default): WeChat takes a payment for an order paymesh
// has already closed (here: closed behind WeChat's back, as when a close loses a race). The
// order keeps the money on record (PAID, flagged) and gives it back on its own: the full refund
// order opened with the payment is sent by the settling job and ends SUCCESS at WeChat.
TEST_F(RefundReconcileTest, ALatePaymentIsRefundedInFullOnItsOwn) {
  const json::value order = CreateOrder({{catalogue_.at(0), 2}});
  const std::string id = OrderId(order), no = OutTradeNo(order);
  ASSERT_TRUE(PayNative(id).is_object());
  {
    pqxx::connection c(paymesh::testing::PgDsn());
    pqxx::work tx(c);
    tx.exec0("SET LOCAL search_path TO " + tx.quote_name(stack().OrderSchema()));
    tx.exec_params0("UPDATE orders SET state = 'CLOSED' WHERE id = $1::uuid", id);
    tx.commit();
  }
  ASSERT_EQ(sim().Pay(no).status, 200);
  const json::value refunded = WaitForState(id, "REFUNDED");
  EXPECT_TRUE(refunded.at("late_payment").as_bool()) << refunded;
  HttpResponse listed = api().Get("/api/v1/orders/" + id + "/refunds", admin_token_);
  ASSERT_EQ(listed.status, 200) << listed;
  const json::array refunds = Json(listed).at("refunds").as_array();
  ASSERT_EQ(refunds.size(), 1u) << listed;
  EXPECT_EQ(Str(refunds[0], {"requested_by"}), "system:late-payment");
  EXPECT_EQ(Str(refunds[0], {"status"}), "SUCCESS");
  EXPECT_EQ(refunds[0].at("amount_fen").as_int64(), TotalFen(order));
  const json::array at_wechat = RefundsAtWechat(order);
  ASSERT_EQ(at_wechat.size(), 1u);
  EXPECT_EQ(at_wechat[0].at("refund").as_int64(), TotalFen(order));
  EXPECT_EQ(CountEvents(stack(), id, "late_payment"), 1);
  EXPECT_EQ(CountEvents(stack(), id, "refunded"), 1);
}

}  // namespace
}  // namespace paymesh::e2e
