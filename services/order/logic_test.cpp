#include "services/order/logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/crypto/crypto.h"
#include "services/order/testing/fake_order_store.h"

namespace paymesh::order {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-21T10:00:00Z
constexpr int64_t kStartMicros = 1795255200LL * 1000000;

class OrderLogicTest : public ::testing::Test {
 protected:
  OrderLogicTest() : store_([this] { return now_; }), logic_(store_, [this] { return now_; }) {
    store_.PutProduct({"TEA", "Green tea", 1234, kCurrencyCny, true});
    store_.PutProduct({"MUG", "Mug", 500, kCurrencyCny, true});
    store_.PutProduct({"OLD", "Retired item", 700, kCurrencyCny, false});
  }

  CreateOrderInput Cart(std::vector<ItemInput> items, std::string key = "") {
    return CreateOrderInput{"user-1", std::move(items), std::move(key)};
  }

  void Tick() { now_ += std::chrono::seconds(1); }

  Timestamp now_{std::chrono::microseconds(kStartMicros)};
  testing::FakeOrderStore store_;
  OrderLogic logic_;
};

// ---- pricing ---------------------------------------------------------------------------------

TEST_F(OrderLogicTest, PricesEveryLineFromTheCatalogue) {
  auto result = logic_.CreateOrder(Cart({{"TEA", 3}, {"MUG", 1}}));
  ASSERT_TRUE(result.ok()) << result.status();
  const Order& order = result->order;
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(order.total_fen, 3 * 1234 + 500);
  EXPECT_EQ(order.currency, "CNY");
  EXPECT_EQ(order.state, OrderState::kCreated);
  ASSERT_EQ(order.items.size(), 2u);
  EXPECT_EQ(order.items[0].sku, "TEA");
  EXPECT_EQ(order.items[0].name, "Green tea");
  EXPECT_EQ(order.items[0].unit_price_fen, 1234);
  EXPECT_EQ(order.items[0].line_total_fen, 3702);
  EXPECT_EQ(order.items[1].line_total_fen, 500);

  ASSERT_EQ(store_.insert_calls().size(), 1u);
  EXPECT_EQ(store_.insert_calls()[0].total_fen, 4202);
  EXPECT_EQ(store_.insert_calls()[0].user_id, "user-1");
}

TEST_F(OrderLogicTest, APriceChangeInTheCatalogueChangesTheNextOrder) {
  store_.PutProduct({"TEA", "Green tea", 999, kCurrencyCny, true});
  auto result = logic_.CreateOrder(Cart({{"TEA", 2}}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->order.total_fen, 1998);
}

TEST(OrderPriceTest, LineOverflowIsRejected) {
  std::vector<Product> catalogue = {{"BIG", "Big", std::numeric_limits<int64_t>::max() / 2}};
  auto priced = Price({{"BIG", 3}}, catalogue);
  EXPECT_EQ(priced.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(priced.status().message(), HasSubstr("too large"));
}

TEST(OrderPriceTest, TotalOverflowIsRejected) {
  const int64_t half = std::numeric_limits<int64_t>::max() / 2 + 1;
  std::vector<Product> catalogue = {{"A", "A", half}, {"B", "B", half}};
  EXPECT_TRUE(Price({{"A", 1}}, catalogue).ok());
  auto priced = Price({{"A", 1}, {"B", 1}}, catalogue);
  EXPECT_EQ(priced.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OrderPriceTest, LargestTotalThatFitsIsAccepted) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<Product> catalogue = {{"A", "A", max / 99}};
  auto priced = Price({{"A", 99}}, catalogue);
  ASSERT_TRUE(priced.ok()) << priced.status();
  EXPECT_EQ(priced->total_fen, max / 99 * 99);
}

TEST_F(OrderLogicTest, UnknownSkuIsNamedAndNothingIsWritten) {
  auto result = logic_.CreateOrder(Cart({{"TEA", 1}, {"NOPE-42", 1}}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("\"NOPE-42\""));
  EXPECT_TRUE(store_.insert_calls().empty());
}

TEST_F(OrderLogicTest, InactiveSkuIsRejected) {
  auto result = logic_.CreateOrder(Cart({{"OLD", 1}}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("\"OLD\""));
  EXPECT_EQ(store_.order_count(), 0u);
}

TEST_F(OrderLogicTest, ErrorMessagesStayShortAndNeverEchoMalformedSkus) {
  const std::string longest(kMaxSkuLength, 'Z');
  auto unknown = logic_.CreateOrder(Cart({{longest, 1}}));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(unknown.status().message().size(), 120u);

  const std::string hostile = "x'; DROP TABLE orders; --" + std::string(500, 'A');
  auto malformed = logic_.CreateOrder(Cart({{hostile, 1}}));
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), Not(HasSubstr("DROP")));
  EXPECT_LT(malformed.status().message().size(), 120u);
  EXPECT_TRUE(store_.insert_calls().empty());
}

// ---- cart validation ------------------------------------------------------------------------

std::vector<ItemInput> Lines(size_t n) {
  std::vector<ItemInput> items;
  for (size_t i = 0; i < n; ++i) items.push_back({"SKU-" + std::to_string(i), 1});
  return items;
}

TEST(OrderValidateItemsTest, LineCountBounds) {
  EXPECT_EQ(ValidateItems({}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateItems(Lines(1)).ok());
  EXPECT_TRUE(ValidateItems(Lines(50)).ok());
  absl::Status too_many = ValidateItems(Lines(51));
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.message(), HasSubstr("51"));
}

TEST(OrderValidateItemsTest, QuantityBounds) {
  for (int32_t q : {1, 2, 98, 99}) EXPECT_TRUE(ValidateItems({{"A", q}}).ok()) << q;
  for (int32_t q :
       {0, 100, -1, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()}) {
    absl::Status st = ValidateItems({{"A", 1}, {"B", q}});
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << q;
    EXPECT_THAT(st.message(), HasSubstr("items[1].quantity")) << q;
  }
}

TEST(OrderValidateItemsTest, DuplicateSkuIsRejected) {
  absl::Status st = ValidateItems({{"A", 1}, {"B", 1}, {"A", 2}});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("\"A\""));
}

TEST(OrderValidateItemsTest, MalformedSkus) {
  for (const std::string& sku :
       std::vector<std::string>{"", " ", "A B", "A\tB", "A\n", "é", std::string(65, 'A')}) {
    absl::Status st = ValidateItems({{sku, 1}});
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << sku;
    EXPECT_THAT(st.message(), HasSubstr("items[0].sku")) << sku;
  }
  EXPECT_TRUE(ValidateItems({{std::string(64, 'A'), 1}}).ok());
  EXPECT_TRUE(ValidateItems({{"a.B_c-9", 1}}).ok());
}

TEST_F(OrderLogicTest, ZeroQuantityReachesNoStore) {
  EXPECT_EQ(logic_.CreateOrder(Cart({{"TEA", 0}})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.CreateOrder(Cart({{"TEA", 100}})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_.insert_calls().empty());
}

TEST_F(OrderLogicTest, UserIdIsRequiredEverywhere) {
  CreateOrderInput input = Cart({{"TEA", 1}});
  input.user_id = "";
  EXPECT_EQ(logic_.CreateOrder(input).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.GetOrder("", "00000000-0000-4000-8000-000000000001").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.ListOrders("", "", 10).status().code(), absl::StatusCode::kInvalidArgument);
  input.user_id = std::string(kMaxUserIdLength + 1, 'u');
  EXPECT_EQ(logic_.CreateOrder(input).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OrderValidateIdempotencyKeyTest, CharsetAndLength) {
  EXPECT_TRUE(ValidateIdempotencyKey("").ok());
  EXPECT_TRUE(ValidateIdempotencyKey("a-Z_0.9:x").ok());
  EXPECT_TRUE(ValidateIdempotencyKey(std::string(64, 'k')).ok());
  EXPECT_FALSE(ValidateIdempotencyKey(std::string(65, 'k')).ok());
  EXPECT_FALSE(ValidateIdempotencyKey("has space").ok());
  EXPECT_FALSE(ValidateIdempotencyKey("quote'").ok());
}

// ---- idempotency ----------------------------------------------------------------------------

TEST(OrderRequestHashTest, KnownAnswerOfTheCanonicalForm) {
  // sha256("A\t1\nB\t2\n")
  EXPECT_EQ(RequestHash({{"B", 2}, {"A", 1}}),
            "0bedc50c32dd632638fe5a96aaf5acaa1c5cfa8c268fc193ec312d913a7db5c2");
}

TEST(OrderRequestHashTest, StableUnderItemOrderAndSensitiveToContent) {
  const std::string h = RequestHash({{"TEA", 2}, {"MUG", 1}, {"CUP", 3}});
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(RequestHash({{"CUP", 3}, {"TEA", 2}, {"MUG", 1}}), h);
  EXPECT_NE(RequestHash({{"TEA", 2}, {"MUG", 2}, {"CUP", 3}}), h);
  EXPECT_NE(RequestHash({{"TEA", 2}, {"MUG", 1}}), h);
  EXPECT_NE(RequestHash({{"TEA", 21}}), RequestHash({{"TEA", 2}, {"1", 1}}));
}

TEST_F(OrderLogicTest, SameKeySameCartReplaysTheOrder) {
  auto first = logic_.CreateOrder(Cart({{"TEA", 2}, {"MUG", 1}}, "key-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  Tick();
  auto again = logic_.CreateOrder(Cart({{"MUG", 1}, {"TEA", 2}}, "key-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->order.id, first->order.id);
  EXPECT_EQ(again->order.out_trade_no, first->order.out_trade_no);
  EXPECT_EQ(store_.order_count(), 1u);
  EXPECT_EQ(store_.insert_calls().size(), 1u);
}

TEST_F(OrderLogicTest, ReplayStillWorksAfterTheProductIsRetired) {
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"MUG", 1}}, "key-1")).ok());
  store_.PutProduct({"MUG", "Mug", 500, kCurrencyCny, false});
  auto again = logic_.CreateOrder(Cart({{"MUG", 1}}, "key-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
}

TEST_F(OrderLogicTest, SameKeyDifferentCartIsAlreadyExists) {
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 2}}, "key-1")).ok());
  auto other = logic_.CreateOrder(Cart({{"TEA", 3}}, "key-1"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(other.status().message(), "Idempotency-Key was used with a different request");
  EXPECT_EQ(store_.order_count(), 1u);
}

TEST_F(OrderLogicTest, KeysAreScopedPerUser) {
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 1}}, "key-1")).ok());
  CreateOrderInput other_user{"user-2", {{"TEA", 1}}, "key-1"};
  auto second = logic_.CreateOrder(other_user);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->replayed);
  EXPECT_EQ(store_.order_count(), 2u);
}

TEST_F(OrderLogicTest, NoKeyMeansANewOrderEveryTime) {
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 1}})).ok());
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 1}})).ok());
  EXPECT_EQ(store_.order_count(), 2u);
  EXPECT_EQ(store_.insert_calls()[0].request_hash, "");
}

TEST_F(OrderLogicTest, LosingTheInsertRaceReplaysOrRejects) {
  ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 2}}, "key-1")).ok());
  store_.HideIdempotencyLookups(true);
  auto same = logic_.CreateOrder(Cart({{"TEA", 2}}, "key-1"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->replayed);
  auto different = logic_.CreateOrder(Cart({{"MUG", 2}}, "key-1"));
  EXPECT_EQ(different.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_.order_count(), 1u);
}

// ---- out_trade_no ---------------------------------------------------------------------------

TEST(OrderOutTradeNoTest, PrefixUtcTimeAndTwelveRandomAlnums) {
  Timestamp t{std::chrono::microseconds(kStartMicros + 59'999'999)};  // 10:00:59.999999
  std::string no = NewOutTradeNo(t, [](size_t n) { return crypto::RandomAlnum(n); });
  EXPECT_EQ(no.size(), 28u);
  EXPECT_TRUE(std::regex_match(no, std::regex("PM20261121100059[0-9A-Za-z]{12}"))) << no;
}

TEST_F(OrderLogicTest, OutTradeNoIsFreshPerOrderAndUsesTheClock) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto r = logic_.CreateOrder(Cart({{"TEA", 1}}));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->order.out_trade_no.substr(0, 16), "PM20261121100000");
    seen.insert(r->order.out_trade_no);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(OrderLogicTest, OutTradeNoCollisionIsRetriedWithANewNumber) {
  store_.FailNextInserts(2);
  auto r = logic_.CreateOrder(Cart({{"TEA", 1}}));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<NewOrder> calls = store_.insert_calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_NE(calls[0].out_trade_no, calls[1].out_trade_no);
  EXPECT_EQ(r->order.out_trade_no, calls[2].out_trade_no);
}

TEST_F(OrderLogicTest, PersistentCollisionsGiveUp) {
  store_.FailNextInserts(3);
  EXPECT_EQ(logic_.CreateOrder(Cart({{"TEA", 1}})).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_.order_count(), 0u);
}

// ---- reading --------------------------------------------------------------------------------

TEST_F(OrderLogicTest, GetOrderChecksOwnershipAndIdSyntax) {
  auto created = logic_.CreateOrder(Cart({{"TEA", 1}}));
  ASSERT_TRUE(created.ok());
  const std::string id = created->order.id;

  auto mine = logic_.GetOrder("user-1", id);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->total_fen, 1234);

  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(logic_.GetOrder("user-1", upper).ok());

  EXPECT_EQ(logic_.GetOrder("user-2", id).status().code(), absl::StatusCode::kNotFound);
  for (const char* bad :
       {"", "42", "not-a-uuid", "' OR 1=1 --", "00000000-0000-4000-8000-00000000000g",
        "00000000000040008000000000000001xxxx"}) {
    EXPECT_EQ(logic_.GetOrder("user-1", bad).status().code(), absl::StatusCode::kNotFound) << bad;
  }
}

TEST_F(OrderLogicTest, ListOrdersPagesNewestFirst) {
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 5; ++i) {
    auto r = logic_.CreateOrder(Cart({{"TEA", i + 1}}));
    ASSERT_TRUE(r.ok());
    ids.push_back(r->order.id);
    if (i != 2) Tick();  // orders 2 and 3 share a timestamp: the id breaks the tie
  }
  ASSERT_TRUE(logic_.CreateOrder({"user-2", {{"TEA", 1}}, ""}).ok());

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = logic_.ListOrders("user-1", cursor, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->orders.size(), 2u);
    for (const Order& o : page->orders) seen.push_back(o.id);
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
}

TEST_F(OrderLogicTest, ListOrdersPageSizeBounds) {
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(logic_.CreateOrder(Cart({{"TEA", 1}})).ok());
  auto def = logic_.ListOrders("user-1", "", 0);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->orders.size(), 20u);
  EXPECT_FALSE(def->next_cursor.empty());
  auto all = logic_.ListOrders("user-1", "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->orders.size(), 25u);
  EXPECT_TRUE(all->next_cursor.empty());
  for (int bad : {-1, 101, 1000}) {
    EXPECT_EQ(logic_.ListOrders("user-1", "", bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(OrderLogicTest, ListOrdersRejectsAGarbageCursor) {
  EXPECT_EQ(logic_.ListOrders("user-1", "garbage!", 10).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- cursors, uuids, times ------------------------------------------------------------------

TEST(OrderCursorTest, RoundTrip) {
  PageKey key{Timestamp(std::chrono::microseconds(kStartMicros + 123456)),
              "0f3e2d1c-0000-4abc-8def-0123456789ab"};
  std::string cursor = EncodeCursor(key);
  EXPECT_EQ(crypto::Base64UrlDecode(cursor).value(),
            std::to_string(kStartMicros + 123456) + ":0f3e2d1c-0000-4abc-8def-0123456789ab");
  auto decoded = DecodeCursor(cursor);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->created_at, key.created_at);
  EXPECT_EQ(decoded->id, key.id);
}

TEST(OrderCursorTest, GarbageIsInvalidArgument) {
  const std::string uuid = "0f3e2d1c-0000-4abc-8def-0123456789ab";
  const std::vector<std::string> bad = {
      "!!!!",
      "a",
      crypto::Base64UrlEncode("no colon"),
      crypto::Base64UrlEncode(":" + uuid),
      crypto::Base64UrlEncode("12:" + uuid.substr(1)),
      crypto::Base64UrlEncode("12:" + uuid + "x"),
      crypto::Base64UrlEncode("-5:" + uuid),
      crypto::Base64UrlEncode("1e3:" + uuid),
      crypto::Base64UrlEncode("99999999999999999999:" + uuid),
      crypto::Base64Encode("123:" + uuid) + "==",
      std::string(4096, 'A'),
  };
  for (const std::string& c : bad) {
    EXPECT_EQ(DecodeCursor(c).status().code(), absl::StatusCode::kInvalidArgument) << c;
  }
}

TEST(OrderUuidTest, Syntax) {
  EXPECT_TRUE(IsUuid("0f3e2d1c-0000-4abc-8def-0123456789ab"));
  EXPECT_TRUE(IsUuid("0F3E2D1C-0000-4ABC-8DEF-0123456789AB"));
  EXPECT_FALSE(IsUuid("0f3e2d1c00004abc8def0123456789ab"));
  EXPECT_FALSE(IsUuid("0f3e2d1c-0000-4abc-8def-0123456789a"));
  EXPECT_FALSE(IsUuid("0f3e2d1c-0000-4abc-8def-0123456789abc"));
  EXPECT_FALSE(IsUuid("0f3e2d1c+0000-4abc-8def-0123456789ab"));
  EXPECT_FALSE(IsUuid("{f3e2d1c-0000-4abc-8def-0123456789ab"));
}

TEST(OrderFormatRfc3339Test, UtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Timestamp(std::chrono::microseconds(kStartMicros + 7'890'123))),
            "2026-11-21T10:00:07.890Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace paymesh::order
