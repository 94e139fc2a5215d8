// Idempotency-Key on POST /api/v1/orders: replays, conflicts, and a burst of concurrent retries.

#include <set>
#include <thread>

#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class IdempotencyTest : public ShopperTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    SignInNewShopper();
    if (HasFatalFailure()) return;
    ASSERT_GE(catalogue_.size(), 2u);
  }

  size_t OrderCount() {
    HttpResponse r = api().Get("/api/v1/orders?limit=100", tokens_.access);
    EXPECT_EQ(r.status, 200) << r;
    if (r.status != 200) return 0;
    return Json(r).at("orders").as_array().size();
  }
};

TEST_F(IdempotencyTest, SameKeySameBodyReplaysTheOrder) {
  const std::string key = testing::UniqueName("key-");
  const std::vector<Line> cart = {{catalogue_[0], 1}, {catalogue_[1], 4}};

  HttpResponse first =
      api().Post("/api/v1/orders", CartJson(cart), tokens_.access, {{"Idempotency-Key", key}});
  ASSERT_EQ(first.status, 201) << first;
  EXPECT_NE(first.Header("Idempotent-Replayed"), "true") << first;
  const json::value original = Json(first);
  ExpectOrder(original, cart);

  HttpResponse again =
      api().Post("/api/v1/orders", CartJson(cart), tokens_.access, {{"Idempotency-Key", key}});
  ASSERT_EQ(again.status, 201) << again;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true") << again;
  const json::value replayed = Json(again);
  ExpectOrder(replayed, cart);
  EXPECT_EQ(Str(replayed, {"id"}), Str(original, {"id"}));
  EXPECT_EQ(Str(replayed, {"out_trade_no"}), Str(original, {"out_trade_no"}));
  EXPECT_EQ(OrderCount(), 1u);
}

TEST_F(IdempotencyTest, SameKeyDifferentBodyConflicts) {
  const std::string key = testing::UniqueName("key-");
  HttpResponse first = api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access,
                                  {{"Idempotency-Key", key}});
  ASSERT_EQ(first.status, 201) << first;

  EXPECT_TRUE(IsError(api().Post("/api/v1/orders", CartJson({{catalogue_[0], 2}}), tokens_.access,
                                 {{"Idempotency-Key", key}}),
                      409, ""));
  EXPECT_TRUE(IsError(api().Post("/api/v1/orders", CartJson({{catalogue_[1], 1}}), tokens_.access,
                                 {{"Idempotency-Key", key}}),
                      409, ""));
  EXPECT_EQ(OrderCount(), 1u);

  // A key belongs to its user: another user's identical request makes its own order.
  const Account other = RegisterUser(api());
  const Tokens other_tokens = Login(api(), other);
  HttpResponse theirs = api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}),
                                   other_tokens.access, {{"Idempotency-Key", key}});
  ASSERT_EQ(theirs.status, 201) << theirs;
  EXPECT_NE(theirs.Header("Idempotent-Replayed"), "true") << theirs;
  EXPECT_NE(Str(Json(theirs), {"id"}), Str(Json(first), {"id"}));
}

TEST_F(IdempotencyTest, ConcurrentRetriesWithOneKeyMakeOneOrder) {
  constexpr int kRequests = 20;
  const std::string key = testing::UniqueName("burst-");
  const std::vector<Line> cart = {{catalogue_[0], 3}};
  const std::string body = CartJson(cart);

  std::vector<HttpResponse> answers(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      answers[i] = api().Post("/api/v1/orders", body, tokens_.access, {{"Idempotency-Key", key}});
    });
  }
  for (auto& t : threads) t.join();

  std::set<std::string> ids;
  int created = 0;
  for (const HttpResponse& r : answers) {
    // A request that loses the race may be told to retry (409 ABORTED); none may fail otherwise.
    if (r.status == 409) {
      EXPECT_TRUE(IsError(r, 409, "ABORTED"));
      continue;
    }
    ASSERT_EQ(r.status, 201) << r;
    const json::value order = Json(r);
    ExpectOrder(order, cart);
    ids.insert(Str(order, {"id"}));
    if (r.Header("Idempotent-Replayed") != "true") ++created;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1) << "exactly one answer may report a newly created order";
  EXPECT_EQ(OrderCount(), 1u);
}

TEST_F(IdempotencyTest, MalformedKeysAreRejected) {
  const std::string body = CartJson({{catalogue_[0], 1}});
  for (const std::string& key : {std::string(65, 'k'), std::string("has space"),
                                 std::string("semi;colon"), std::string("slash/key")}) {
    EXPECT_TRUE(
        IsError(api().Post("/api/v1/orders", body, tokens_.access, {{"Idempotency-Key", key}}), 400,
                "INVALID_ARGUMENT"))
        << key;
  }
  EXPECT_EQ(OrderCount(), 0u);
  // The longest allowed key, with every allowed punctuation mark.
  const std::string longest = "Aa0_.:-" + std::string(57, 'z');
  HttpResponse r =
      api().Post("/api/v1/orders", body, tokens_.access, {{"Idempotency-Key", longest}});
  EXPECT_EQ(r.status, 201) << r;
}

}  // namespace
}  // namespace paymesh::e2e
