// PgOrderStore (through OrderLogic) against a real PostgreSQL: each test gets a throwaway
// schema, migrated like production and dropped afterwards.

#include "services/order/pg_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <latch>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/pg/migrate.h"
#include "common/time/rfc3339.h"
#include "services/order/config.h"
#include "services/order/logic.h"
#include "services/order/migrations.h"
#include "services/order/testing/store_contract.h"
#include "tests/support/pg_schema.h"
#include "tests/support/test_env.h"

namespace paymesh::order {
namespace {

// ---- the store contract (testing/store_contract.cpp) -----------------------------------------

class PgHarness final : public testing::StoreHarness {
 public:
  static std::unique_ptr<testing::StoreHarness> Make() {
    auto db = paymesh::testing::ThrowawaySchema::Create(order_lib_migrations(), 8,
                                                        {{kLatePaymentPolicySetting, "refund"}});
    if (db == nullptr) return nullptr;
    return std::unique_ptr<testing::StoreHarness>(new PgHarness(std::move(db)));
  }

  OrderStore& store() override { return store_; }

  std::vector<AuditEvent> Events(const std::string& order_id) override {
    auto rows = db_->pool().Transact<std::vector<AuditEvent>>(
        [&](pqxx::work& tx) -> absl::StatusOr<std::vector<AuditEvent>> {
          std::vector<AuditEvent> out;
          for (const pqxx::row& r : tx.exec_params(
                   "SELECT event_type, from_state, to_state, coalesce(detail->>'transaction_id', "
                   "''), coalesce(detail->>'notification_id', ''), detail->>'source', "
                   "(detail->>'reported_fen')::bigint, (detail->>'expected_fen')::bigint, "
                   "coalesce(detail->>'reason', ''), (detail->>'attempt')::int, "
                   "coalesce(detail->>'out_refund_no', ''), (detail->>'refund_fen')::bigint "
                   "FROM order_events "
                   "WHERE order_id = $1::uuid "
                   "AND event_type <> 'created' "
                   "ORDER BY id",
                   order_id)) {
            AuditEvent e;
            e.event_type = r[0].as<std::string>();
            e.from_state = ParseState(r[1].as<std::string>()).value_or(OrderState::kCreated);
            e.to_state = ParseState(r[2].as<std::string>()).value_or(OrderState::kCreated);
            e.detail.transaction_id = r[3].as<std::string>();
            e.detail.notification_id = r[4].as<std::string>();
            if (!r[5].is_null()) {
              e.detail.source = ParseName<ReportSource>(r[5].as<std::string>(), kSourceNames);
            }
            if (!r[6].is_null()) e.detail.reported_fen = r[6].as<int64_t>();
            if (!r[7].is_null()) e.detail.expected_fen = r[7].as<int64_t>();
            e.detail.reason = r[8].as<std::string>();
            if (!r[9].is_null()) e.detail.attempt = r[9].as<int>();
            e.detail.out_refund_no = r[10].as<std::string>();
            if (!r[11].is_null()) e.detail.refund_fen = r[11].as<int64_t>();
            out.push_back(std::move(e));
          }
          return out;
        });
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.value_or(std::vector<AuditEvent>{});
  }

  std::optional<PaymentOutcome> InboxOutcome(const std::string& notification_id) override {
    std::optional<std::string> v =
        Text("SELECT outcome FROM notification_inbox WHERE notification_id = $1", notification_id);
    if (!v.has_value()) return std::nullopt;
    return ParseOutcome(*v);
  }

  std::optional<std::string> PaymentOrder(const std::string& transaction_id) override {
    return Text("SELECT coalesce(order_id::text, '') FROM payments WHERE transaction_id = $1",
                transaction_id);
  }

 private:
  explicit PgHarness(std::unique_ptr<paymesh::testing::ThrowawaySchema> db)
      : db_(std::move(db)), store_(db_->pool()) {}

  // The first column of the one row `sql` selects, or nullopt for no row.
  std::optional<std::string> Text(const std::string& sql, const std::string& param) {
    auto v = db_->pool().Transact<std::optional<std::string>>(
        [&](pqxx::work& tx) -> absl::StatusOr<std::optional<std::string>> {
          pqxx::result r = tx.exec_params(sql, param);
          if (r.empty()) return std::nullopt;
          return r[0][0].as<std::string>();
        });
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(std::nullopt);
  }

  std::unique_ptr<paymesh::testing::ThrowawaySchema> db_;
  PgOrderStore store_;
};

using testing::StoreContractTest;
INSTANTIATE_TEST_SUITE_P(Pg, StoreContractTest, ::testing::Values(&PgHarness::Make));

// ---- PostgreSQL specifics --------------------------------------------------------------------

class OrderPgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = paymesh::testing::ThrowawaySchema::Create(order_lib_migrations(), 8,
                                                    {{kLatePaymentPolicySetting, "refund"}});
    ASSERT_NE(db_, nullptr);
    pool_ = &db_->pool();
    store_ = std::make_unique<PgOrderStore>(*pool_);
    logic_ = std::make_unique<OrderLogic>(*store_, time::SystemClock());
  }

  void TearDown() override {
    logic_.reset();
    store_.reset();
    db_.reset();
  }

  // A single integer from a query in the test schema.
  int64_t Count(const std::string& sql, const std::string& param) {
    auto n = pool_->Transact<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec_params1(sql, param)[0].as<int64_t>();
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  // Puts the order in `state` (event "forced"), paid by `transaction_id` when given.
  bool Force(const std::string& order_id, OrderState state, std::string transaction_id = "") {
    return store_
        ->UpdateOrder(order_id,
                      [&](const Order&) {
                        OrderChange change;
                        change.event_type = "forced";
                        change.to_state = state;
                        change.transaction_id = transaction_id;
                        if (!transaction_id.empty()) change.paid_at = time::SystemClock().Now();
                        return absl::StatusOr<OrderChange>(change);
                      })
        .ok();
  }

  int64_t OrderRows(const std::string& user) {
    return Count("SELECT count(*) FROM orders WHERE user_id = $1", user);
  }
  int64_t CreatedEvents(const std::string& user) {
    return Count(
        "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id "
        "WHERE o.user_id = $1 AND e.event_type = 'created' AND e.to_state = 'CREATED' "
        "AND e.from_state IS NULL",
        user);
  }

  // A single text value (NULL as "<null>") from a query in the test schema.
  std::string Text(const std::string& sql, const std::string& param) {
    auto v = pool_->Transact<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
      pqxx::row row = tx.exec_params1(sql, param);
      return row[0].is_null() ? std::string("<null>") : row[0].as<std::string>();
    });
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or("<error>");
  }

  void Exec(const std::string& sql, const std::string& param) {
    ASSERT_TRUE(pool_
                    ->TransactVoid([&](pqxx::work& tx) {
                      tx.exec_params0(sql, param);
                      return absl::OkStatus();
                    })
                    .ok());
  }

  int64_t Events(const std::string& order_id, const std::string& type) {
    return Count("SELECT count(*) FROM order_events WHERE order_id = $1::uuid AND event_type = '" +
                     type + "'",
                 order_id);
  }

  std::string InboxOutcome(const std::string& notification_id) {
    return Text("SELECT outcome FROM notification_inbox WHERE notification_id = $1",
                notification_id);
  }

  Order PlaceOrder(const std::string& user = "u1") {
    auto r = logic_->CreateOrder({user, {{"TEA-LONGJING-250G", 1}, {"TEST-1FEN", 2}}, ""});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(CreateOrderResult{}).order;
  }

  static PaymentNotice Report(const Order& order, std::string notification_id,
                              std::string transaction_id) {
    PaymentNotice n = testing::StoreContractTest::Report(order, std::move(notification_id),
                                                         std::move(transaction_id));
    n.report.payer_openid = kOpenid;
    return n;
  }

  absl::StatusOr<PaymentResult> Apply(const PaymentNotice& notice) {
    absl::StatusOr<std::vector<PaymentResult>> r = logic_->ApplyPayments({notice});
    if (!r.ok()) return r.status();
    return r->at(0);
  }

  static constexpr char kOpenid[] = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

  std::unique_ptr<paymesh::testing::ThrowawaySchema> db_;
  pg::Pool* pool_ = nullptr;
  std::unique_ptr<PgOrderStore> store_;
  std::unique_ptr<OrderLogic> logic_;
};

TEST_F(OrderPgStoreTest, CatalogueIsSeededWithPositivePrices) {
  auto products = logic_->ListProducts();
  ASSERT_TRUE(products.ok()) << products.status();
  EXPECT_GE(products->size(), 5u);
  for (const Product& p : *products) {
    EXPECT_GT(p.price_fen, 0) << p.sku;
    EXPECT_EQ(p.currency, "CNY");
  }
}

TEST_F(OrderPgStoreTest, InactiveProductsAreHiddenAndUnorderable) {
  ASSERT_TRUE(pool_
                  ->TransactVoid([](pqxx::work& tx) {
                    tx.exec0("UPDATE products SET active = false WHERE sku = 'MUG-CERAMIC'");
                    return absl::OkStatus();
                  })
                  .ok());
  auto products = logic_->ListProducts();
  ASSERT_TRUE(products.ok());
  for (const Product& p : *products) EXPECT_NE(p.sku, "MUG-CERAMIC");
  auto r = logic_->CreateOrder({"u1", {{"MUG-CERAMIC", 1}}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OrderRows("u1"), 0);
}

TEST_F(OrderPgStoreTest, CreateStoresPricedItemsAndGetReadsThemBack) {
  auto created = logic_->CreateOrder({"u1", {{"TEA-LONGJING-250G", 2}, {"TEST-1FEN", 3}}, ""});
  ASSERT_TRUE(created.ok()) << created.status();
  const Order& o = created->order;
  EXPECT_TRUE(IsUuid(o.id));
  EXPECT_EQ(o.state, OrderState::kCreated);
  EXPECT_EQ(o.total_fen, 2 * 16800 + 3);
  EXPECT_EQ(o.out_trade_no.size(), 28u);
  EXPECT_EQ(CreatedEvents("u1"), 1);

  auto got = logic_->GetOrder("u1", o.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->out_trade_no, o.out_trade_no);
  EXPECT_EQ(got->total_fen, 33603);
  EXPECT_EQ(got->created_at, o.created_at);
  ASSERT_EQ(got->items.size(), 2u);
  EXPECT_EQ(got->items[0].sku, "TEA-LONGJING-250G");
  EXPECT_EQ(got->items[0].quantity, 2);
  EXPECT_EQ(got->items[0].unit_price_fen, 16800);
  EXPECT_EQ(got->items[0].line_total_fen, 33600);
  EXPECT_EQ(got->items[1].sku, "TEST-1FEN");
  EXPECT_EQ(got->items[1].line_total_fen, 3);
  EXPECT_EQ(Count("SELECT sum(line_total_fen) FROM order_items WHERE order_id = $1::uuid", o.id),
            33603);
}

TEST_F(OrderPgStoreTest, OtherUsersAndMalformedIdsAreNotFound) {
  auto created = logic_->CreateOrder({"u1", {{"NOTEBOOK-A5", 1}}, ""});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(logic_->GetOrder("u2", created->order.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_->GetOrder("u1", "8c1e5a52-1111-4222-8333-444455556666").status().code(),
            absl::StatusCode::kNotFound);
  for (const char* bad : {"'; DROP TABLE orders; --", "1 OR 1=1", "xyz"}) {
    EXPECT_EQ(logic_->GetOrder("u1", bad).status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(OrderRows("u1"), 1);
}

TEST_F(OrderPgStoreTest, ListPagesNewestFirstAcrossPages) {
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 5; ++i) {
    auto r = logic_->CreateOrder({"u1", {{"TOTE-CANVAS", i + 1}}, ""});
    ASSERT_TRUE(r.ok()) << r.status();
    ids.push_back(r->order.id);
  }
  ASSERT_TRUE(logic_->CreateOrder({"u2", {{"TOTE-CANVAS", 1}}, ""}).ok());

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = logic_->ListOrders("u1", cursor, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Order& o : page->orders) {
      EXPECT_EQ(o.items.size(), 1u);
      seen.push_back(o.id);
    }
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));

  EXPECT_EQ(logic_->ListOrders("u1", "bm90LWEtY3Vyc29y", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OrderPgStoreTest, ListBreaksTimestampTiesById) {
  // Orders written in one transaction share created_at.
  ASSERT_TRUE(pool_
                  ->TransactVoid([](pqxx::work& tx) {
                    for (int i = 0; i < 3; ++i) {
                      tx.exec_params0(
                          "INSERT INTO orders (user_id, out_trade_no, total_fen, expires_at) "
                          "VALUES ('u1', $1, 100, now() + interval '30 minutes')",
                          "TIE000000" + std::to_string(i));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  std::set<std::string> seen;
  std::string cursor;
  do {
    auto page = logic_->ListOrders("u1", cursor, 1);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Order& o : page->orders) EXPECT_TRUE(seen.insert(o.id).second) << "repeated";
    cursor = page->next_cursor;
  } while (!cursor.empty() && seen.size() < 10);
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(OrderPgStoreTest, TwentyConcurrentCreatesWithOneKeyMakeOneOrder) {
  constexpr int kThreads = 20;
  std::latch start(kThreads);
  std::vector<absl::StatusOr<CreateOrderResult>> results(kThreads, absl::UnknownError("unset"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] =
          logic_->CreateOrder({"u1", {{"COFFEE-YUNNAN-500G", 2}, {"TEST-1FEN", 1}}, "checkout-42"});
    });
  }
  for (std::thread& t : threads) t.join();

  std::set<std::string> ids;
  int fresh = 0, replays = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    ids.insert(r->order.id);
    EXPECT_EQ(r->order.total_fen, 17601);
    EXPECT_EQ(r->order.items.size(), 2u);
    (r->replayed ? replays : fresh)++;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(replays, 19);
  EXPECT_EQ(OrderRows("u1"), 1);
  EXPECT_EQ(CreatedEvents("u1"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
                  "WHERE o.user_id = $1",
                  "u1"),
            2);
}

TEST_F(OrderPgStoreTest, SameKeyDifferentCartIsRejectedAndWritesNothing) {
  auto first = logic_->CreateOrder({"u1", {{"MUG-CERAMIC", 1}}, "k1"});
  ASSERT_TRUE(first.ok()) << first.status();
  auto other = logic_->CreateOrder({"u1", {{"MUG-CERAMIC", 2}}, "k1"});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(OrderRows("u1"), 1);
  EXPECT_EQ(CreatedEvents("u1"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
                  "WHERE o.user_id = $1",
                  "u1"),
            1);
  auto again = logic_->CreateOrder({"u1", {{"MUG-CERAMIC", 1}}, "k1"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->order.id, first->order.id);
}

TEST_F(OrderPgStoreTest, StoreRaceLoserGetsTheWinnersOrder) {
  NewOrder order{"u1",
                 "PMRACE000000000000000000001",
                 1,
                 "CNY",
                 {{"TEST-1FEN", "Payment test item", 1, 1, 1}},
                 "k-race",
                 "hash-a"};
  auto first = store_->InsertOrder(order);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->inserted);
  order.out_trade_no = "PMRACE000000000000000000002";
  auto second = store_->InsertOrder(order);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->inserted);
  EXPECT_EQ(second->stored.order.id, first->stored.order.id);
  EXPECT_EQ(second->stored.request_hash, "hash-a");
  EXPECT_EQ(second->stored.order.items.size(), 1u);
}

TEST_F(OrderPgStoreTest, TakenOutTradeNoIsAborted) {
  NewOrder order{"u1",
                 "PMDUP0000000000000000000001",
                 1,
                 "CNY",
                 {{"TEST-1FEN", "Payment test item", 1, 1, 1}},
                 "",
                 ""};
  ASSERT_TRUE(store_->InsertOrder(order).ok());
  EXPECT_EQ(store_->InsertOrder(order).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(OrderRows("u1"), 1);
}

TEST_F(OrderPgStoreTest, SqlMetacharactersAreJustData) {
  const std::string user = "u'; DROP TABLE orders; --\"\\";
  auto r = logic_->CreateOrder({user, {{"TEST-1FEN", 1}}, "k:'x"});
  ASSERT_FALSE(r.ok());  // the key's quote is not in the key alphabet
  r = logic_->CreateOrder({user, {{"TEST-1FEN", 1}}, "k:x"});
  ASSERT_TRUE(r.ok()) << r.status();
  auto got = logic_->GetOrder(user, r->order.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->user_id, user);
  auto found = store_->FindProducts({"TEST-1FEN", "\"},{\\", "a\"b"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(), 1u);
}

// ---- payments (the rules themselves: the store contract above) ----------------------------

TEST_F(OrderPgStoreTest, PrepayRoundTripsAndIsAuditedWithoutTheLink) {
  const Order o = PlaceOrder();
  Prepay prepay{Channel::kNative, "weixin://wxpay/bizpayurl?pr=NwY5Mz9", "", "",
                Timestamp(std::chrono::milliseconds(1795257000250))};  // 10:30:00.250Z
  auto paying = logic_->RecordPrepay(o.id, prepay);
  ASSERT_TRUE(paying.ok()) << paying.status();
  EXPECT_EQ(paying->state, OrderState::kPaying);
  auto got = logic_->GetOrderForPayment("", "", o.out_trade_no);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->prepay.has_value());
  EXPECT_EQ(got->prepay->channel, Channel::kNative);
  EXPECT_EQ(got->prepay->code_url, "weixin://wxpay/bizpayurl?pr=NwY5Mz9");
  EXPECT_EQ(got->prepay->prepay_id, "");
  EXPECT_EQ(time::FormatUtc(got->prepay->expires_at.value(), time::Precision::kMilliseconds),
            "2026-11-21T10:30:00.250Z");
  EXPECT_EQ(got->description, "West Lake Longjing green tea, 250 g ×1 等2件");
  EXPECT_EQ(Text("SELECT detail::text FROM order_events WHERE order_id = $1::uuid "
                 "AND event_type = 'prepay_issued'",
                 o.id),
            R"({"channel": "native", "expires_at": "2026-11-21T10:30:00.250Z"})");

  ASSERT_TRUE(logic_->RecordPrepay(o.id, prepay).ok());
  EXPECT_EQ(Events(o.id, "prepay_issued"), 1);
  prepay.code_url = "weixin://wxpay/bizpayurl?pr=second";
  auto renewed = logic_->RecordPrepay(o.id, prepay);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->prepay->code_url, "weixin://wxpay/bizpayurl?pr=second");
  EXPECT_EQ(Events(o.id, "prepay_issued"), 2);

  ASSERT_EQ(Apply(Report(o, "n-1", "4200000001"))->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(logic_->RecordPrepay(o.id, prepay).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(logic_->GetOrder("u1", o.id)->state, OrderState::kPaid);
}

TEST_F(OrderPgStoreTest, TheAuditTrailAndTheInboxNameThePaymentNeverThePayer) {
  const Order o = PlaceOrder();
  ASSERT_EQ(Apply(Report(o, "n-1", "4200000001"))->outcome, PaymentOutcome::kApplied);
  EXPECT_EQ(Text("SELECT detail::text FROM order_events WHERE order_id = $1::uuid "
                 "AND event_type = 'paid'",
                 o.id),
            R"({"source": "notification", "transaction_id": "4200000001", )"
            R"("notification_id": "n-1"})");
  EXPECT_EQ(Count("SELECT count(*) FROM notification_inbox WHERE report::text LIKE '%' || $1 || "
                  "'%'",
                  kOpenid),
            0);
  EXPECT_EQ(Text("SELECT payer_openid FROM payments WHERE transaction_id = $1", "4200000001"),
            kOpenid);
  EXPECT_EQ(Text("SELECT (paid_at AT TIME ZONE 'UTC')::text FROM orders WHERE id = $1::uuid", o.id),
            "2026-11-21 10:01:02");
}

TEST_F(OrderPgStoreTest, TheInboxKeepsWhatWeChatReportedForAnUnknownOrder) {
  Order ghost;
  ghost.out_trade_no = "PM20261121100000NOSUCHORDER1";
  ghost.total_fen = 990;
  ASSERT_EQ(Apply(Report(ghost, "n-ghost", "4200000777"))->outcome, PaymentOutcome::kUnknownOrder);
  EXPECT_EQ(Text("SELECT out_trade_no || '/' || transaction_id || '/' || "
                 "(report->>'amount_total') || '/' || (report->>'trade_state') "
                 "FROM notification_inbox WHERE notification_id = $1",
                 "n-ghost"),
            "PM20261121100000NOSUCHORDER1/4200000777/990/SUCCESS");
  EXPECT_EQ(Text("SELECT coalesce(order_id::text, 'none') || '/' || out_trade_no FROM payments "
                 "WHERE transaction_id = $1",
                 "4200000777"),
            "none/PM20261121100000NOSUCHORDER1");
}

TEST_F(OrderPgStoreTest, AnIgnoredReportLeavesTheOrderUntouched) {
  const Order o = PlaceOrder();
  PaymentNotice n = Report(o, "query:notpay-1", "");
  n.source = ReportSource::kQuery;
  n.report.trade_state = "NOTPAY";
  n.report.success_time.reset();
  ASSERT_EQ(Apply(n)->outcome, PaymentOutcome::kIgnored);
  auto got = logic_->GetOrder("u1", o.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->updated_at, o.updated_at);
  EXPECT_EQ(Text("SELECT coalesce(transaction_id, 'none') FROM notification_inbox "
                 "WHERE notification_id = $1",
                 "query:notpay-1"),
            "none");
  EXPECT_EQ(Count("SELECT count(*) FROM order_events WHERE order_id = $1::uuid", o.id), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE out_trade_no = $1", o.out_trade_no), 0);
}

TEST_F(OrderPgStoreTest, ABatchIsAllOrNothing) {
  const Order a = PlaceOrder();
  const Order b = PlaceOrder();
  // A report the logic would refuse, straight to the store: payments requires a transaction id.
  PaymentNotice broken = Report(b, "n-b", "");
  auto r =
      store_->ApplyPayments({Report(a, "n-a", "4200000001"), broken}, time::SystemClock().Now());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_EQ(logic_->GetOrder("u1", a.id)->state, OrderState::kCreated) << "rolled back";
  EXPECT_EQ(Count("SELECT count(*) FROM notification_inbox WHERE notification_id = $1", "n-a"), 0);
  // Alone, the good one commits.
  ASSERT_EQ(Apply(Report(a, "n-a", "4200000001"))->outcome, PaymentOutcome::kApplied);
}

TEST_F(OrderPgStoreTest, ConcurrentBatchesPayFiftyOrdersEachOnce) {
  constexpr int kOrders = 50;
  constexpr int kCopies = 3;
  constexpr int kBatch = 10;
  std::vector<Order> orders;
  for (int i = 0; i < kOrders; ++i) orders.push_back(PlaceOrder("u-" + std::to_string(i % 5)));

  // Three callers send every report in batches, the copies of one batch together: two under
  // distinct notification ids (a notification and a query, say) and one re-delivery of the
  // first id. The third caller sends its batch in reverse, so locks are asked for in another
  // order than the others'.
  const std::string suffixes[kCopies] = {"a", "b", "a"};
  std::barrier sync(kCopies);
  std::vector<std::vector<absl::StatusOr<PaymentResult>>> results(kCopies);
  std::vector<std::thread> threads;
  for (int copy = 0; copy < kCopies; ++copy) {
    threads.emplace_back([&, copy] {
      results[copy].resize(kOrders, absl::UnknownError("not sent"));
      for (int start = 0; start < kOrders; start += kBatch) {
        std::vector<int> idx;
        for (int i = start; i < start + kBatch; ++i) idx.push_back(i);
        if (copy == 2) std::reverse(idx.begin(), idx.end());
        std::vector<PaymentNotice> batch;
        for (int i : idx) {
          batch.push_back(Report(orders[i], "n-" + std::to_string(i) + suffixes[copy],
                                 "42000" + std::to_string(10000 + i)));
        }
        sync.arrive_and_wait();
        absl::StatusOr<std::vector<PaymentResult>> r = logic_->ApplyPayments(batch);
        for (size_t k = 0; k < idx.size(); ++k) {
          results[copy][idx[k]] = r.ok() ? absl::StatusOr<PaymentResult>(r->at(k)) : r.status();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  int applied = 0, duplicates = 0;
  for (int i = 0; i < kOrders; ++i) {
    int applied_here = 0;
    for (int copy = 0; copy < kCopies; ++copy) {
      const auto& r = results[copy].at(i);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->order_id, orders[i].id);
      EXPECT_EQ(r->order_state, OrderState::kPaid);
      if (r->outcome == PaymentOutcome::kApplied) ++applied_here;
      if (r->outcome == PaymentOutcome::kDuplicate) ++duplicates;
    }
    EXPECT_EQ(applied_here, 1) << "order " << i;
    applied += applied_here;
  }
  EXPECT_EQ(applied, kOrders);
  EXPECT_EQ(duplicates, kOrders * (kCopies - 1));
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = $1", "PAID"), kOrders);
  EXPECT_EQ(Count("SELECT count(*) FROM order_events WHERE event_type = $1", "paid"), kOrders);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE source = $1", "notification"), kOrders);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_inbox WHERE source = $1", "notification"),
            kOrders * 2);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE flagged = $1::boolean", "true"), 0);
}

TEST(OrderPgMigrationTest, RunsTwiceInParallelOnOneSchema) {
  const std::string dsn = paymesh::testing::PgDsn();
  ASSERT_FALSE(dsn.empty());
  const std::string schema = paymesh::testing::UniqueName("t_");
  std::vector<absl::Status> results(2);
  {
    std::latch start(2);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        pg::Pool pool({.dsn = dsn, .schema = schema, .size = 2});
        start.arrive_and_wait();
        results[i] = pg::Migrate(pool, order_lib_migrations());
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(results[1].ok()) << results[1];
  pg::Pool pool({.dsn = dsn, .schema = schema, .size = 1});
  EXPECT_TRUE(pg::Migrate(pool, order_lib_migrations()).ok());  // and once more, a no-op
  auto counts = pool.Transact<std::pair<int64_t, int64_t>>(
      [](pqxx::work& tx) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
        return std::make_pair(tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<int64_t>(),
                              tx.exec1("SELECT count(*) FROM products")[0].as<int64_t>());
      });
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->first, static_cast<int64_t>(order_lib_migrations().size()));
  EXPECT_EQ(counts->second, 6);
  paymesh::testing::DropSchema(dsn, schema);
}

// ORDER_LATE_PAYMENT_POLICY=flag, and a session without the setting at all (a repair in psql, a
// pooler dropping session settings): no refund is opened; the payment is kept and flagged.
TEST_F(OrderPgStoreTest, OnlyTheRefundPolicyOpensARefundForALatePayment) {
  for (const char* policy : {"flag", ""}) {
    std::vector<std::pair<std::string, std::string>> settings;
    if (*policy != '\0') settings.emplace_back(kLatePaymentPolicySetting, policy);
    pg::Pool other_pool({.dsn = paymesh::testing::PgDsn(),
                         .schema = db_->schema(),
                         .size = 1,
                         .settings = settings});
    PgOrderStore other_store(other_pool);
    OrderLogic other_logic(other_store, time::SystemClock());
    auto placed = logic_->CreateOrder({"u1", {{"TEST-1FEN", 1}}, ""});
    ASSERT_TRUE(placed.ok()) << placed.status();
    const Order o = placed->order;
    ASSERT_TRUE(Force(o.id, OrderState::kClosed));
    auto applied = other_logic.ApplyPayments(
        {Report(o, std::string("n-late-") + policy, "42000000000000000000" + o.id.substr(0, 4))});
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(applied->at(0).order_state, OrderState::kPaid) << policy;
    EXPECT_EQ(applied->at(0).flag_reason, "late_payment: paid after close, refund required");
    EXPECT_EQ(Count("SELECT count(*) FROM refunds WHERE order_id = $1::uuid", o.id), 0) << policy;
    EXPECT_EQ(Count("SELECT count(*) FROM order_events WHERE order_id = $1::uuid AND "
                    "event_type = 'refund_requested'",
                    o.id),
              0);
  }
}

TEST_F(OrderPgStoreTest, EventsReadBackInOrderWithWhatACustomerMaySee) {
  auto placed = logic_->CreateOrder({"u1", {{"TEST-1FEN", 1}}, ""});
  ASSERT_TRUE(placed.ok()) << placed.status();
  const Order o = placed->order;
  ASSERT_TRUE(logic_->CloseOrder("u1", o.id, "cancelled").ok());
  auto events = logic_->ListOrderEvents("u1", o.id);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(0).event_type, "created");
  EXPECT_FALSE(events->at(0).from_state.has_value());
  EXPECT_EQ(events->at(1).event_type, "closed");
  EXPECT_EQ(events->at(1).from_state, OrderState::kCreated);
  EXPECT_EQ(events->at(1).to_state, OrderState::kClosed);
  EXPECT_EQ(events->at(1).detail.reason, "cancelled");
  EXPECT_LE(events->at(0).at, events->at(1).at);
  EXPECT_GT(events->at(1).at, Timestamp(std::chrono::seconds(1767225600)));
  EXPECT_EQ(store_->ListEvents(o.id, 1)->size(), 1u);
}

TEST_F(OrderPgStoreTest, UnmatchedRefundsOnlyMoveForwardAndCountDeliveries) {
  for (const RefundReport& r :
       {RefundReport{"PMunknown", "PORTAL-9", "5000009", RefundStatus::kProcessing, 10},
        RefundReport{"PMunknown", "PORTAL-9", "", RefundStatus::kSuccess, 10},
        RefundReport{"PMunknown", "PORTAL-9", "", RefundStatus::kAbnormal, 10}}) {
    ASSERT_TRUE(store_->RecordUnmatchedRefund(r).ok());
  }
  EXPECT_EQ(
      Count("SELECT reports FROM unmatched_refund_reports WHERE out_refund_no = $1", "PORTAL-9"),
      3);
  EXPECT_EQ(Count("SELECT count(*) FROM unmatched_refund_reports WHERE out_refund_no = $1 AND "
                  "status = 'SUCCESS' AND refund_id = '5000009' AND out_trade_no = 'PMunknown' "
                  "AND NOT amount_conflict",
                  "PORTAL-9"),
            1);
  ASSERT_TRUE(
      store_->RecordUnmatchedRefund({"PMunknown", "PORTAL-9", "", RefundStatus::kSuccess, 11})
          .ok());
  EXPECT_EQ(Count("SELECT count(*) FROM unmatched_refund_reports WHERE out_refund_no = $1 AND "
                  "amount_fen = 10 AND amount_conflict",
                  "PORTAL-9"),
            1);
}

TEST_F(OrderPgStoreTest, TwentyConcurrentPartialRefundsNeverExceedTheTotal) {
  auto placed = logic_->CreateOrder({"u1", {{"TEST-1FEN", 1}, {"COFFEE-YUNNAN-500G", 1}}, ""});
  ASSERT_TRUE(placed.ok()) << placed.status();
  const Order order = placed->order;
  ASSERT_TRUE(Force(order.id, OrderState::kPaid, "4200000000000000000001"));
  // Each asks for a tenth of the total, rounded up: at most nine fit.
  const int64_t part = order.total_fen / 10 + 1;
  constexpr int kThreads = 20;
  std::latch start(kThreads);
  std::vector<absl::StatusOr<RefundResult>> results(kThreads, absl::UnknownError("unset"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = logic_->RequestRefund({order.id, part, "returned", "", "admin-1"});
    });
  }
  for (std::thread& t : threads) t.join();
  int granted = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++granted;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
    }
  }
  EXPECT_EQ(granted, 9);
  EXPECT_EQ(
      Count("SELECT coalesce(sum(amount_fen), 0) FROM refunds WHERE order_id = $1::uuid", order.id),
      9 * part);
  EXPECT_LE(9 * part, order.total_fen);
}

}  // namespace
}  // namespace paymesh::order
