// Order is down while WeChat delivers a payment: the gateway answers 5xx (never 4xx, which would
// make WeChat give up), WeChat retries on its ladder, and the first attempt after order is back
// makes the order PAID, once.

#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

// The ladder on the stack's 0.01 scale reaches its 5th attempt 2.4 s and its 7th 20.4 s after
// the first; the order service's gRPC clients reconnect with backoff in the meantime.
constexpr std::chrono::milliseconds kRecoveryTimeout{60000};

class PaymentOutageTest : public PaymentTest {};

TEST_F(PaymentOutageTest, OrderDownDuringDeliveryIs5xxAndTheLadderPaysAfterRestart) {
  const json::value order = CreateOrder();
  const std::string id = OrderId(order);
  const std::string out_trade_no = OutTradeNo(order);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(PayNative(id).is_object());

  ASSERT_EQ(stack().Stop(Service::kOrder), 0) << stack().LogTail(Service::kOrder);
  HttpResponse r = sim().Pay(out_trade_no);
  ASSERT_EQ(r.status, 200) << r;
  const std::string transaction_id = Str(Json(r), {"transaction_id"});
  const std::string notification_id = Str(Json(r), {"notification_id"});

  SimAttempts attempts = sim().WaitForNotifications(
      out_trade_no, [](const SimAttempts& a) { return !a.empty(); }, kDeliveryTimeout);
  ASSERT_FALSE(attempts.empty());
  EXPECT_GE(attempts[0].status, 500) << attempts;
  EXPECT_LT(attempts[0].status, 600) << attempts;
  EXPECT_FALSE(attempts[0].acknowledged) << attempts;

  const absl::Status restarted = stack().Restart(Service::kOrder);
  ASSERT_TRUE(restarted.ok()) << restarted;
  const auto back = std::chrono::steady_clock::now();
  const json::value paid = WaitForState(id, "PAID", kRecoveryTimeout);
  EXPECT_TRUE(IsPaidBy(paid, transaction_id));
  RecordProperty("paid_ms_after_restart",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - back)
                                      .count()));

  attempts = sim().WaitForNotifications(
      out_trade_no, [](const SimAttempts& a) { return CountAcknowledged(a) > 0; },
      kDeliveryTimeout);
  ASSERT_GE(attempts.size(), 2u) << attempts;
  // Every attempt but the last failed with 5xx; the last one was taken; numbered 1, 2, ...
  for (size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i].attempt, static_cast<int>(i + 1)) << attempts;
    EXPECT_EQ(attempts[i].kind, "normal") << attempts;
    EXPECT_EQ(attempts[i].notification_id, notification_id) << attempts;
    if (i + 1 < attempts.size()) {
      EXPECT_GE(attempts[i].status, 500) << attempts;
      EXPECT_FALSE(attempts[i].acknowledged) << attempts;
    } else {
      EXPECT_EQ(attempts[i].status, 204) << attempts;
      EXPECT_TRUE(attempts[i].acknowledged) << attempts;
    }
  }
  EXPECT_EQ(CountEvents(stack(), id, "paid"), 1);
  EXPECT_EQ(InboxRows(stack(), out_trade_no),
            (std::vector<std::pair<std::string, std::string>>{{notification_id, "APPLIED"}}));
}

}  // namespace
}  // namespace paymesh::e2e
