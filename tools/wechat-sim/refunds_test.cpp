#include "tools/wechat-sim/refunds.h"

#include <gtest/gtest.h>

namespace paymesh::wechatsim {
namespace {

Order Paid(int64_t fen = 1000) {
  Order o;
  o.request.out_trade_no = "PM20260101000001abc";
  o.state = TradeState::kSuccess;
  o.transaction_id = "4200000000202601010000000001";
  o.paid_total = fen;
  return o;
}

RefundRequest Ask(const std::string& no, int64_t fen, int64_t total = 1000) {
  RefundRequest r;
  r.transaction_id = "4200000000202601010000000001";
  r.out_refund_no = no;
  r.refund = fen;
  r.total = total;
  return r;
}

TEST(RefundStoreTest, KeyedOnTheNumberAndNeverMoreThanWasPaid) {
  RefundStore store;
  auto first = store.Create(Ask("RF-1", 600), Paid(), 1767225600);
  ASSERT_TRUE(std::holds_alternative<RefundStore::Created>(first));
  EXPECT_TRUE(std::get<RefundStore::Created>(first).created);
  auto repeat = store.Create(Ask("RF-1", 600), Paid(), 1767225601);
  ASSERT_TRUE(std::holds_alternative<RefundStore::Created>(repeat));
  EXPECT_FALSE(std::get<RefundStore::Created>(repeat).created);
  EXPECT_EQ(std::get<RefundStore::Created>(repeat).refund.refund_id,
            std::get<RefundStore::Created>(first).refund.refund_id);
  EXPECT_TRUE(std::holds_alternative<ApiError>(store.Create(Ask("RF-1", 500), Paid(), 0)))
      << "the number with another amount";
  EXPECT_TRUE(std::holds_alternative<ApiError>(store.Create(Ask("RF-2", 401), Paid(), 0)))
      << "400 left";
  EXPECT_TRUE(
      std::holds_alternative<RefundStore::Created>(store.Create(Ask("RF-3", 400), Paid(), 0)));
  EXPECT_EQ(store.OfOrder("PM20260101000001abc").size(), 2u);
  Order unpaid = Paid();
  unpaid.state = TradeState::kNotPay;
  EXPECT_TRUE(std::holds_alternative<ApiError>(store.Create(Ask("RF-4", 1), unpaid, 0)));
  EXPECT_TRUE(std::holds_alternative<ApiError>(store.Create(Ask("RF-5", 1, 999), Paid(), 0)))
      << "the total must be the payment's";
}

TEST(RefundRequestTest, ParsesAndRefuses) {
  auto ok = ParseRefundRequest(
      R"({"transaction_id":"42","out_refund_no":"RF-1","reason":"r","notify_url":"http://x/y",)"
      R"("amount":{"refund":1,"total":2,"currency":"CNY"}})",
      "1900000109");
  ASSERT_TRUE(std::holds_alternative<RefundRequest>(ok));
  EXPECT_EQ(std::get<RefundRequest>(ok).refund, 1);
  for (const char* bad :
       {R"({"out_refund_no":"RF-1","amount":{"refund":1,"total":2}})",
        R"({"transaction_id":"42","amount":{"refund":1,"total":2}})",
        R"({"transaction_id":"42","out_refund_no":"RF-1","amount":{"refund":0,"total":2}})",
        R"({"transaction_id":"42","out_refund_no":"RF-1"})", "[]"}) {
    EXPECT_TRUE(std::holds_alternative<ApiError>(ParseRefundRequest(bad, "1900000109"))) << bad;
  }
}

}  // namespace
}  // namespace paymesh::wechatsim
