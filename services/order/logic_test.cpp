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
#include "common/metrics/metrics.h"
#include "common/time/rfc3339.h"
#include "common/time/testing/fake_clock.h"
#include "services/order/testing/fake_order_store.h"
#include "services/order/testing/store_contract.h"

namespace paymesh::order {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-21T10:00:00Z
constexpr int64_t kStartMicros = 1795255200LL * 1000000;

class OrderLogicTest : public ::testing::Test {
 protected:
  OrderLogicTest() : store_(clock_), logic_(store_, clock_) {
    store_.PutProduct({"TEA", "Green tea", 1234, kCurrencyCny, true});
    store_.PutProduct({"MUG", "Mug", 500, kCurrencyCny, true});
    store_.PutProduct({"OLD", "Retired item", 700, kCurrencyCny, false});
  }

  CreateOrderInput Cart(std::vector<ItemInput> items, std::string key = "") {
    return CreateOrderInput{"user-1", std::move(items), std::move(key)};
  }

  void Tick() { clock_.Advance(std::chrono::seconds(1)); }

  time::testing::FakeClock clock_{Timestamp(std::chrono::microseconds(kStartMicros))};
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
  EXPECT_EQ(too_many.message(), "field 'items' has too many elements (max 50)");
}

TEST(OrderValidateItemsTest, QuantityBounds) {
  for (int32_t q : {1, 2, 98, 99}) EXPECT_TRUE(ValidateItems({{"A", q}}).ok()) << q;
  for (int32_t q :
       {0, 100, -1, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()}) {
    absl::Status st = ValidateItems({{"A", 1}, {"B", q}});
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << q;
    EXPECT_EQ(st.message(), "items[1]: field 'quantity' must be an integer in 1..99") << q;
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

// ---- description ----------------------------------------------------------------------------

OrderItem Line(std::string name, int32_t quantity) {
  return OrderItem{"SKU", std::move(name), quantity, 100, 100 * quantity};
}

// Every multi-byte sequence in s is complete and well-formed in its lead/continuation pattern.
bool IsCompleteUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(OrderDescribeTest, FirstItemWithQuantityAndLineCount) {
  EXPECT_EQ(Describe({Line("Green tea", 3)}), "Green tea ×3");
  EXPECT_EQ(Describe({Line("Green tea", 2), Line("Mug", 1), Line("Tote", 5)}),
            "Green tea ×2 等3件");
  EXPECT_EQ(Describe({Line("西湖龙井", 1), Line("Mug", 1)}), "西湖龙井 ×1 等2件");
}

TEST(OrderDescribeTest, LongNamesAreCutOnACharacterBoundaryKeepingTheSuffix) {
  const std::string ascii(300, 'a');
  const std::string a = Describe({Line(ascii, 12), Line("Mug", 1)});
  EXPECT_EQ(a.size(), kMaxDescriptionBytes);
  EXPECT_THAT(a, ::testing::EndsWith(" ×12 等2件"));

  std::string chinese;
  for (int i = 0; i < 60; ++i) chinese += "龙";  // 3 bytes each
  for (int quantity : {1, 10, 99}) {
    for (size_t lines : {1u, 2u, 50u}) {
      std::vector<OrderItem> items(lines, Line("Mug", 1));
      items[0] = Line(chinese, quantity);
      const std::string d = Describe(items);
      EXPECT_LE(d.size(), kMaxDescriptionBytes) << quantity << " " << lines;
      EXPECT_GT(d.size(), kMaxDescriptionBytes - 3) << "cut more than one character";
      EXPECT_TRUE(IsCompleteUtf8(d)) << d;
      EXPECT_EQ(d.rfind("龙", 0), 0u);
      const std::string suffix =
          " ×" + std::to_string(quantity) + (lines > 1 ? " 等" + std::to_string(lines) + "件" : "");
      EXPECT_THAT(d, ::testing::EndsWith(suffix));
    }
  }
}

TEST(OrderTruncateUtf8Test, NeverSplitsASequence) {
  EXPECT_EQ(TruncateUtf8("abc", 3), "abc");
  EXPECT_EQ(TruncateUtf8("abc", 2), "ab");
  EXPECT_EQ(TruncateUtf8("aé", 2), "a");  // é is 2 bytes
  EXPECT_EQ(TruncateUtf8("aé", 3), "aé");
  EXPECT_EQ(TruncateUtf8("a龙", 3), "a");                // 龙 is 3 bytes
  EXPECT_EQ(TruncateUtf8("a\xF0\x9F\x8D\xB5", 4), "a");  // a 4-byte emoji
  EXPECT_EQ(TruncateUtf8("龙", 0), "");
}

TEST_F(OrderLogicTest, EveryReadCarriesTheDescription) {
  auto created = logic_.CreateOrder(Cart({{"TEA", 2}, {"MUG", 1}}, "k"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->order.description, "Green tea ×2 等2件");
  auto replay = logic_.CreateOrder(Cart({{"TEA", 2}, {"MUG", 1}}, "k"));
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->order.description, "Green tea ×2 等2件");
  EXPECT_EQ(logic_.GetOrder("user-1", created->order.id)->description, "Green tea ×2 等2件");
  EXPECT_EQ(logic_.ListOrders("user-1", "", 10)->orders.at(0).description, "Green tea ×2 等2件");
  EXPECT_EQ(logic_.GetOrderForPayment("", created->order.id, "")->description,
            "Green tea ×2 等2件");
}

// ---- payment: lookups and prepay -----------------------------------------------------------

class OrderPaymentLogicTest : public OrderLogicTest {
 protected:
  Order PlaceOrder(std::vector<ItemInput> items = {{"TEA", 1}}) {
    auto r = logic_.CreateOrder(Cart(std::move(items)));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(CreateOrderResult{}).order;
  }

  // 2026-11-21T10:30:00Z
  static Prepay Native(std::string code_url = "weixin://wxpay/bizpayurl?pr=abc") {
    return Prepay{Channel::kNative, std::move(code_url), "", "",
                  Timestamp(std::chrono::microseconds(kStartMicros) + std::chrono::minutes(30))};
  }

  std::vector<testing::FakeOrderStore::Event> EventsOf(const std::string& order_id,
                                                       const std::string& type) {
    std::vector<testing::FakeOrderStore::Event> out;
    for (const auto& e : store_.events()) {
      if (e.order_id == order_id && e.event_type == type) out.push_back(e);
    }
    return out;
  }
};

TEST_F(OrderPaymentLogicTest, GetOrderForPaymentTakesExactlyOneKey) {
  const Order o = PlaceOrder();
  EXPECT_EQ(logic_.GetOrderForPayment("", "", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.GetOrderForPayment("", o.id, o.out_trade_no).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(logic_.GetOrderForPayment("", o.id, "")->id, o.id);
  EXPECT_EQ(logic_.GetOrderForPayment("user-1", o.id, "")->id, o.id);
  EXPECT_EQ(logic_.GetOrderForPayment("", "", o.out_trade_no)->id, o.id);
  EXPECT_EQ(logic_.GetOrderForPayment("user-1", "", o.out_trade_no)->id, o.id);

  EXPECT_EQ(logic_.GetOrderForPayment("user-2", o.id, "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.GetOrderForPayment("user-2", "", o.out_trade_no).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.GetOrderForPayment("", "not-a-uuid", "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      logic_.GetOrderForPayment("", "00000000-0000-4000-8000-999999999999", "").status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.GetOrderForPayment("", "", "PMNOSUCHORDER").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OrderPaymentLogicTest, FirstPrepayMovesCreatedToPaying) {
  const Order o = PlaceOrder();
  auto paying = logic_.RecordPrepay(o.id, Native());
  ASSERT_TRUE(paying.ok()) << paying.status();
  EXPECT_EQ(paying->state, OrderState::kPaying);
  ASSERT_TRUE(paying->prepay.has_value());
  EXPECT_EQ(paying->prepay->channel, Channel::kNative);
  EXPECT_EQ(paying->prepay->code_url, "weixin://wxpay/bizpayurl?pr=abc");
  EXPECT_EQ(time::FormatUtc(paying->prepay->expires_at.value(), time::Precision::kMilliseconds),
            "2026-11-21T10:30:00.000Z");
  EXPECT_FALSE(paying->description.empty());

  auto events = EventsOf(o.id, "prepay_issued");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_state, OrderState::kCreated);
  EXPECT_EQ(events[0].to_state, OrderState::kPaying);
  EXPECT_EQ(events[0].detail.channel, Channel::kNative);
  EXPECT_EQ(events[0].detail.expires_at, paying->prepay->expires_at);
}

TEST_F(OrderPaymentLogicTest, SamePrepayAgainWritesNoEventANewOneReplacesIt) {
  const Order o = PlaceOrder();
  ASSERT_TRUE(logic_.RecordPrepay(o.id, Native()).ok());
  auto again = logic_.RecordPrepay(o.id, Native());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state, OrderState::kPaying);
  EXPECT_EQ(EventsOf(o.id, "prepay_issued").size(), 1u);

  auto renewed = logic_.RecordPrepay(o.id, Native("weixin://wxpay/bizpayurl?pr=new"));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->prepay->code_url, "weixin://wxpay/bizpayurl?pr=new");
  auto events = EventsOf(o.id, "prepay_issued");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].from_state, OrderState::kPaying);
  EXPECT_EQ(events[1].to_state, OrderState::kPaying);
}

TEST_F(OrderPaymentLogicTest, NewOrdersExpireAfterTheTtl) {
  clock_.Advance(std::chrono::milliseconds(1500));  // whole seconds: WeChat's time_expire
  const Order o = PlaceOrder();
  EXPECT_EQ(o.expires_at, Timestamp(std::chrono::microseconds(kStartMicros) +
                                    std::chrono::seconds(1) + kDefaultOrderTtl));
  OrderLogic short_lived(store_, clock_, {}, std::chrono::seconds(60));
  auto r = short_lived.CreateOrder(Cart({{"TEA", 1}}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order.expires_at,
            std::chrono::floor<std::chrono::seconds>(clock_.Now()) + std::chrono::seconds(60));
}

TEST_F(OrderPaymentLogicTest, CloseClosesAnUnpaidOrderOnceWithItsReason) {
  for (OrderState state : {OrderState::kCreated, OrderState::kPaying, OrderState::kPayFailed}) {
    const Order o = PlaceOrder();
    store_.SetState(o.id, state);
    auto closed = logic_.CloseOrder("user-1", o.id, "cancelled");
    ASSERT_TRUE(closed.ok()) << StateName(state) << ": " << closed.status();
    EXPECT_EQ(closed->state, OrderState::kClosed);
    auto again = logic_.CloseOrder("", o.id, "expired");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->state, OrderState::kClosed);
    const auto events = EventsOf(o.id, "closed");
    ASSERT_EQ(events.size(), 1u) << "closing a closed order changes nothing";
    EXPECT_EQ(events[0].from_state, state);
    EXPECT_EQ(events[0].detail.reason, "cancelled");
  }
}

TEST_F(OrderPaymentLogicTest, CloseRefusesPaidForeignAndUnknownOrders) {
  const Order o = PlaceOrder();
  EXPECT_EQ(logic_.CloseOrder("user-2", o.id, "cancelled").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.CloseOrder("", "not-a-uuid", "cancelled").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.CloseOrder("", o.id, "because").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.CloseOrder("", o.id, "").status().code(), absl::StatusCode::kInvalidArgument);
  for (OrderState state :
       {OrderState::kPaid, OrderState::kRefunded, OrderState::kPartiallyRefunded}) {
    store_.SetState(o.id, state);
    auto r = logic_.CloseOrder("", o.id, "expired");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << StateName(state);
    EXPECT_EQ(logic_.GetOrder("user-1", o.id)->state, state);
  }
  EXPECT_TRUE(EventsOf(o.id, "closed").empty());
}

TEST_F(OrderPaymentLogicTest, SettleListsAreBounded) {
  const Timestamp now = clock_.Now();
  EXPECT_EQ(logic_.ListOrdersToSettle(SettleKind::kExpired, now, std::nullopt, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_.ListOrdersToSettle(SettleKind::kPaying, now, std::nullopt, kMaxSettleBatch + 1)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  const Order o = PlaceOrder();
  auto due =
      logic_.ListOrdersToSettle(SettleKind::kExpired, o.expires_at, std::nullopt, kMaxSettleBatch);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_TRUE(logic_.ListOrdersToSettle(SettleKind::kExpired, now, std::nullopt, 1)->empty());
}

TEST_F(OrderPaymentLogicTest, PrepayIsRefusedOutsideCreatedAndPaying) {
  for (OrderState state : {OrderState::kPaid, OrderState::kClosed, OrderState::kPayFailed,
                           OrderState::kRefunded, OrderState::kPartiallyRefunded}) {
    const Order o = PlaceOrder();
    store_.SetState(o.id, state);
    auto r = logic_.RecordPrepay(o.id, Native());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << StateName(state);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(StateName(state))));
    EXPECT_EQ(logic_.GetOrder("user-1", o.id)->state, state);
  }
  EXPECT_TRUE(store_.events().empty());
}

TEST_F(OrderPaymentLogicTest, APrepayMayStartOnlyTheNextPaymentAttempt) {
  const Order o = PlaceOrder();
  ASSERT_TRUE(logic_.RecordPrepay(o.id, Native()).ok());
  Prepay skipping = Native();
  skipping.attempt = 2;
  EXPECT_EQ(logic_.RecordPrepay(o.id, skipping).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Prepay h5{Channel::kH5, "", "", "https://wx.tenpay.com/h5", Native().expires_at, 1};
  auto switched = logic_.RecordPrepay(o.id, h5);
  ASSERT_TRUE(switched.ok()) << switched.status();
  EXPECT_EQ(switched->payment_attempt, 1);
  EXPECT_EQ(switched->prepay->channel, Channel::kH5);
  EXPECT_EQ(logic_.RecordPrepay(o.id, Native()).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "attempt 0 is closed";
  Prepay too_many = h5;
  too_many.attempt = kMaxPaymentAttempts;
  EXPECT_EQ(logic_.RecordPrepay(o.id, too_many).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PaymentOutTradeNo("PM1", 0), "PM1");
  EXPECT_EQ(PaymentOutTradeNo("PM1", 12), "PM1_12");
  EXPECT_EQ(BaseOutTradeNo("PM1_12"), "PM1");
  EXPECT_EQ(BaseOutTradeNo("PM1"), "PM1");
}

TEST_F(OrderPaymentLogicTest, BadPrepaysChangeNothing) {
  const Order o = PlaceOrder();
  const Timestamp at = Native().expires_at.value();
  const std::vector<std::pair<Prepay, std::string>> bad = {
      {{Channel::kNative, "", "", "", at}, "prepay.code_url"},
      {{Channel::kNative, "weixin://x", "", "", std::nullopt}, "prepay.expires_at"},
      {{Channel::kNative, "weixin://x\n", "", "", at}, "prepay.code_url"},
      {{Channel::kNative, std::string(kMaxUrlLength + 1, 'u'), "", "", at}, "prepay.code_url"},
      {{Channel::kJsapi, "", "", "", std::nullopt}, "prepay.prepay_id"},
      {{Channel::kMiniprogram, "", "", "", std::nullopt}, "prepay.prepay_id"},
      {{Channel::kH5, "", "", "", std::nullopt}, "prepay.h5_url"},
  };
  for (const auto& [input, field] : bad) {
    auto r = logic_.RecordPrepay(o.id, input);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(r.status().message(), HasSubstr(field));
  }
  EXPECT_EQ(logic_.GetOrder("user-1", o.id)->state, OrderState::kCreated);
  EXPECT_TRUE(EventsOf(o.id, "prepay_issued").empty());

  EXPECT_TRUE(
      logic_.RecordPrepay(o.id, {Channel::kJsapi, "", "wx2026prepay", "", std::nullopt}).ok());
  EXPECT_EQ(logic_.RecordPrepay("00000000-0000-4000-8000-999999999999", Native()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.RecordPrepay("nope", Native()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(OrderPaymentLogicTest, OnlyAPayingOrderWithAnUnexpiredPrepayHasAnActiveOne) {
  Order o = PlaceOrder();
  const Timestamp now = clock_.Now();
  EXPECT_FALSE(HasActivePrepay(o, now)) << "CREATED, no prepay";
  o = logic_.RecordPrepay(o.id, Native()).value();
  EXPECT_TRUE(HasActivePrepay(o, now));
  const Timestamp expires = o.prepay->expires_at.value();
  EXPECT_TRUE(HasActivePrepay(o, expires - std::chrono::microseconds(1)));
  EXPECT_FALSE(HasActivePrepay(o, expires)) << "expired at its expiry";
  o.prepay->expires_at.reset();
  EXPECT_TRUE(HasActivePrepay(o, expires)) << "a prepay without an expiry stays active";
  o.state = OrderState::kPaid;
  EXPECT_FALSE(HasActivePrepay(o, now));
}

// ---- payment: reports (their rules are the store contract's, testing/store_contract.cpp) ---

TEST_F(OrderPaymentLogicTest, ApplyPaymentsAppliesAtTheClocksTimeOneResultPerReport) {
  using testing::StoreContractTest;
  const Order a = PlaceOrder();
  const Order b = PlaceOrder({{"MUG", 2}});
  PaymentNotice paid = StoreContractTest::Report(a, "n-1");
  paid.report.success_time.reset();
  PaymentNotice wrong = StoreContractTest::Report(b, "n-2", "4200000002");
  wrong.report.amount_total = 1;
  Tick();
  auto r = logic_.ApplyPayments({paid, wrong});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].outcome, PaymentOutcome::kApplied);
  EXPECT_EQ((*r)[0].order_id, a.id);
  EXPECT_EQ((*r)[1].outcome, PaymentOutcome::kAmountMismatch);
  EXPECT_EQ(logic_.GetOrder("user-1", a.id)->paid_at, clock_.Now()) << "no success_time: now";

  store_.FailNextApply(absl::UnavailableError("database down"));
  EXPECT_EQ(
      logic_.ApplyPayments({StoreContractTest::Report(b, "n-3", "4200000003")}).status().code(),
      absl::StatusCode::kUnavailable);
}

TEST_F(OrderPaymentLogicTest, ReportsAndLatePaymentsAreCounted) {
  using testing::StoreContractTest;
  auto& registry = metrics::Registry::Default();
  auto& reports = registry.AddCounter("order_payment_reports_total", "", {"source", "outcome"});
  auto& late = registry.AddCounter("order_late_payments_total", "", {});
  const double applied_before = reports.Value({"query", "APPLIED"});
  const double late_before = late.Value();

  const Order open = PlaceOrder();
  PaymentNotice queried = StoreContractTest::Report(open, "query:4200000001");
  queried.source = ReportSource::kQuery;
  ASSERT_TRUE(logic_.ApplyPayments({queried}).ok());
  EXPECT_EQ(reports.Value({"query", "APPLIED"}), applied_before + 1);
  EXPECT_EQ(late.Value(), late_before) << "paid in time";

  const Order closed = PlaceOrder();
  store_.SetState(closed.id, OrderState::kClosed);
  ASSERT_TRUE(logic_.ApplyPayments({StoreContractTest::Report(closed, "n-9", "4200000009")}).ok());
  EXPECT_EQ(late.Value(), late_before + 1);
}

TEST_F(OrderPaymentLogicTest, RefundRequestsAreCheckedBeforeAnythingIsLocked) {
  const Order o = PlaceOrder();
  store_.SetState(o.id, OrderState::kPaid);
  const std::string long_reason(kMaxRefundReasonBytes + 1, 'r');
  for (const RefundRequest& bad :
       {RefundRequest{o.id, 0, "", "", "admin-1"}, RefundRequest{o.id, -5, "", "", "admin-1"},
        RefundRequest{o.id, 1, long_reason, "", "admin-1"},
        RefundRequest{o.id, 1, "\xff\xfe", "", "admin-1"}, RefundRequest{o.id, 1, "", "", ""}}) {
    EXPECT_EQ(logic_.RequestRefund(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad.amount_fen << " " << bad.reason.size();
  }
  EXPECT_EQ(logic_.RequestRefund({"not-a-uuid", 1, "", "", "admin-1"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(logic_.ListRefunds(o.id)->empty());

  auto ok = logic_.RequestRefund({o.id, 1, "too sweet", "k-1", "admin-1"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->refund->out_refund_no.rfind("RF", 0), 0u);
  EXPECT_EQ(ok->refund->out_refund_no.size(), o.out_trade_no.size());
  auto replay = logic_.RequestRefund({o.id, 1, "too sweet", "k-1", "admin-1"});
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->refund->out_refund_no, ok->refund->out_refund_no);
  EXPECT_EQ(logic_.RequestRefund({o.id, 2, "too sweet", "k-1", "admin-1"}).status().code(),
            absl::StatusCode::kAlreadyExists);
}

// A verified refund of an order we do not know is money WeChat moved: kept for a person (one row
// per out_refund_no, the latest report, deliveries counted), answered without an order.
TEST_F(OrderPaymentLogicTest, ARefundReportForAnUnknownOrderIsKept) {
  auto first =
      logic_.ApplyRefundReport({"PMunknown", "PORTAL-2", "", RefundStatus::kProcessing, 10});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->order.id.empty());
  ASSERT_TRUE(first->refund.has_value());
  EXPECT_EQ(first->refund->status, RefundStatus::kProcessing);
  auto second =
      logic_.ApplyRefundReport({"PMunknown", "PORTAL-2", "5000002", RefundStatus::kSuccess, 10});
  ASSERT_TRUE(second.ok()) << second.status();
  const auto kept = store_.unmatched_refunds();
  ASSERT_EQ(kept.size(), 1u);
  const auto& [report, deliveries] = kept.at("PORTAL-2");
  EXPECT_EQ(report.out_trade_no, "PMunknown");
  EXPECT_EQ(report.status, RefundStatus::kSuccess);
  EXPECT_EQ(report.refund_id, "5000002");
  EXPECT_EQ(deliveries, 2);
  // A late PROCESSING or ABNORMAL delivery does not take a final status back.
  ASSERT_TRUE(
      logic_.ApplyRefundReport({"PMunknown", "PORTAL-2", "", RefundStatus::kAbnormal, 10}).ok());
  EXPECT_EQ(store_.unmatched_refunds().at("PORTAL-2").first.status, RefundStatus::kSuccess);
  // Validation still comes first.
  EXPECT_EQ(logic_.ApplyRefundReport({"PMunknown", "PORTAL-3", "", RefundStatus::kSuccess, 0})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.unmatched_refunds().size(), 1u);
}

// An unauthenticated (APIv2) report moves only a refund order started; of any other refund it is
// kept for a person, the order untouched.
// The order's timeline: its own events in order, with the detail a customer may see; another
// user's order is not found.
TEST_F(OrderPaymentLogicTest, TheTimelineIsTheOwnersOnly) {
  const Order o = PlaceOrder();
  ASSERT_TRUE(logic_.CloseOrder(o.user_id, o.id, "cancelled").ok());
  auto events = logic_.ListOrderEvents(o.user_id, o.id);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().event_type, "closed");
  EXPECT_EQ(events->back().to_state, OrderState::kClosed);
  EXPECT_EQ(events->back().detail.reason, "cancelled");
  EXPECT_EQ(logic_.ListOrderEvents("someone-else", o.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_.ListOrderEvents(o.user_id, "not-a-uuid").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OrderPaymentLogicTest, AnUnauthenticatedReportMovesOnlyARefundStartedHere) {
  const Order o = PlaceOrder();
  store_.SetState(o.id, OrderState::kPaid);
  auto portal = logic_.ApplyRefundReport(
      {o.out_trade_no, "PORTAL-V2", "5000003", RefundStatus::kSuccess, o.total_fen, true});
  ASSERT_TRUE(portal.ok()) << portal.status();
  EXPECT_TRUE(portal->order.id.empty());
  EXPECT_EQ(store_.unmatched_refunds().count("PORTAL-V2"), 1u);
  EXPECT_EQ(store_.GetOrderById(o.id)->state, OrderState::kPaid);
  EXPECT_TRUE(store_.ListRefunds(o.id)->empty());

  auto requested = logic_.RequestRefund({o.id, o.total_fen, "returned", "k-v2", "admin-1"});
  ASSERT_TRUE(requested.ok()) << requested.status();
  const std::string ours = requested->refund->out_refund_no;
  auto applied = logic_.ApplyRefundReport(
      {o.out_trade_no, ours, "5000004", RefundStatus::kSuccess, o.total_fen, true});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->order.state, OrderState::kRefunded);
}

TEST_F(OrderPaymentLogicTest, ARefundReportFindsItsOrderByAnyPaymentAttempt) {
  const Order o = PlaceOrder();
  store_.SetState(o.id, OrderState::kPaid);
  auto r = logic_.ApplyRefundReport(
      {o.out_trade_no + "_1", "PORTAL-1", "5000001", RefundStatus::kProcessing, 10});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->refund->requested_by, kRequestedByWechat);
  EXPECT_EQ(logic_.ApplyRefundReport({o.out_trade_no, "", "", RefundStatus::kSuccess, 10})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OrderValidatePaymentNoticeTest, RefusesWhatTheStoreMustNeverSee) {
  PaymentNotice good;
  good.notification_id = "n-1";
  good.event_type = "TRANSACTION.SUCCESS";
  good.report.out_trade_no = "PM1";
  good.report.transaction_id = "4200000001";
  good.report.trade_state = "SUCCESS";
  good.report.amount_total = 1;
  ASSERT_TRUE(ValidatePaymentNotice(good).ok());

  std::vector<std::pair<PaymentNotice, std::string>> bad;
  auto with = [&](auto edit, std::string field) {
    PaymentNotice n = good;
    edit(n);
    bad.emplace_back(std::move(n), std::move(field));
  };
  with([](PaymentNotice& n) { n.notification_id = ""; }, "notification_id");
  with([](PaymentNotice& n) { n.notification_id = std::string(200, 'n'); }, "notification_id");
  with([](PaymentNotice& n) { n.event_type = "TRANSACTION\n"; }, "event_type");
  with([](PaymentNotice& n) { n.report.out_trade_no = ""; }, "report.out_trade_no");
  with([](PaymentNotice& n) { n.report.trade_state = ""; }, "report.trade_state");
  with([](PaymentNotice& n) { n.report.transaction_id = ""; }, "report.transaction_id");
  with([](PaymentNotice& n) { n.report.amount_total = -1; }, "amounts");
  with([](PaymentNotice& n) { n.report.payer_total = -1; }, "amounts");
  with([](PaymentNotice& n) { n.report.payer_openid = "o\x01"; }, "report.payer_openid");
  with([](PaymentNotice& n) { n.report.currency = std::string(129, 'C'); }, "report.currency");
  for (const auto& [notice, field] : bad) {
    absl::Status st = ValidatePaymentNotice(notice);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(st.message(), HasSubstr(field));
  }

  PaymentNotice notpay = good;  // only a successful payment needs a transaction id
  notpay.report.trade_state = "NOTPAY";
  notpay.report.transaction_id = "";
  EXPECT_TRUE(ValidatePaymentNotice(notpay).ok());
}

TEST_F(OrderLogicTest, ARejectedReportIsStoredCutToSizeOnlyWithAUsableId) {
  RejectedReport r{"n-rejected",          ReportSource::kNotification,
                   "TRANSACTION.SUCCESS", std::string(300, 'o'),
                   "4200000001",          std::string(1000, 'r')};
  absl::StatusOr<PaymentOutcome> outcome = logic_.RecordRejectedReport(r);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, PaymentOutcome::kRejected);
  EXPECT_EQ(*logic_.RecordRejectedReport(r), PaymentOutcome::kDuplicate);
  r.notification_id = "";
  EXPECT_EQ(logic_.RecordRejectedReport(r).status().code(), absl::StatusCode::kInvalidArgument)
      << "nothing to key it on: WeChat must keep it";
}

}  // namespace
}  // namespace paymesh::order
