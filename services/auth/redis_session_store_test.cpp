// RedisSessionStore against the real Redis, under a key prefix of its own.

#include "services/auth/redis_session_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

using ::testing::ElementsAre;

class AuthRedisSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(paymesh::testing::RedisUrl().empty());
    client_ = std::make_unique<redis::Client>(paymesh::testing::RedisOptions());
    prefix_ = "paymesh:test:" + paymesh::testing::UniqueName("t_") + ":session:";
    store_ = std::make_unique<RedisSessionStore>(client_.get(), prefix_);
  }
  void TearDown() override {
    for (const std::string& sid : created_) client_->Del(store_->Key(sid)).IgnoreError();
  }

  Session MakeSession(const std::string& sid, const std::string& hash = "hash-1") {
    created_.push_back(sid);
    return Session{
        sid, "00000000-0000-4000-8000-000000000001", hash, {"user", "admin"}, 1767225600};
  }
  int64_t Ttl(const std::string& sid) {
    absl::StatusOr<redis::Reply> r = client_->Command({"TTL", store_->Key(sid)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->integer : -100;
  }
  std::string HashOf(const std::string& sid) {
    absl::StatusOr<Session> s = store_->Get(sid);
    return s.ok() ? s->secret_hash : "<" + std::string(s.status().message()) + ">";
  }

  std::unique_ptr<redis::Client> client_;
  std::string prefix_;
  std::unique_ptr<RedisSessionStore> store_;
  std::vector<std::string> created_;
};

TEST_F(AuthRedisSessionStoreTest, DefaultKeyLayout) {
  RedisSessionStore store(client_.get());
  EXPECT_EQ(store.Key("abc"), "paymesh:auth:session:abc");
}

TEST_F(AuthRedisSessionStoreTest, CreateThenGetWithTtl) {
  ASSERT_TRUE(store_->Create(MakeSession("s1"), std::chrono::seconds(600)).ok());
  absl::StatusOr<Session> got = store_->Get("s1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->session_id, "s1");
  EXPECT_EQ(got->user_id, "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(got->secret_hash, "hash-1");
  EXPECT_THAT(got->scopes, ElementsAre("user", "admin"));
  EXPECT_EQ(got->created_at, 1767225600);
  int64_t ttl = Ttl("s1");
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 600);
}

TEST_F(AuthRedisSessionStoreTest, CreateRefusesATakenId) {
  ASSERT_TRUE(store_->Create(MakeSession("s1"), std::chrono::seconds(600)).ok());
  absl::Status again = store_->Create(MakeSession("s1", "hash-2"), std::chrono::seconds(600));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(HashOf("s1"), "hash-1");
}

TEST_F(AuthRedisSessionStoreTest, UnknownSessionIsNotFound) {
  EXPECT_EQ(store_->Get("missing").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AuthRedisSessionStoreTest, RotateIsCompareAndSetAndRestartsTheTtl) {
  ASSERT_TRUE(store_->Create(MakeSession("s1"), std::chrono::seconds(100)).ok());
  absl::StatusOr<RotateOutcome> rotated =
      store_->Rotate("s1", "hash-1", "hash-2", std::chrono::seconds(5000));
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(*rotated, RotateOutcome::kRotated);
  EXPECT_EQ(HashOf("s1"), "hash-2");
  EXPECT_GT(Ttl("s1"), 100);
  EXPECT_LE(Ttl("s1"), 5000);

  EXPECT_EQ(*store_->Rotate("s1", "hash-1", "hash-3", std::chrono::seconds(5000)),
            RotateOutcome::kMismatch);
  EXPECT_EQ(HashOf("s1"), "hash-2");
}

TEST_F(AuthRedisSessionStoreTest, RotateOfAMissingSessionCreatesNothing) {
  created_.push_back("ghost");
  EXPECT_EQ(*store_->Rotate("ghost", "a", "b", std::chrono::seconds(60)), RotateOutcome::kNotFound);
  EXPECT_FALSE(*client_->Exists(store_->Key("ghost")));
}

TEST_F(AuthRedisSessionStoreTest, ConcurrentRotationsFromOneSecretHaveOneWinner) {
  constexpr int kThreads = 16;
  ASSERT_TRUE(store_->Create(MakeSession("race", "old"), std::chrono::seconds(600)).ok());
  std::latch start(kThreads);
  std::atomic<int> rotated{0}, mismatched{0}, other{0}, winner{-1};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      absl::StatusOr<RotateOutcome> r =
          store_->Rotate("race", "old", "new-" + std::to_string(i), std::chrono::seconds(600));
      if (r.ok() && *r == RotateOutcome::kRotated) {
        rotated++;
        winner = i;
      } else if (r.ok() && *r == RotateOutcome::kMismatch) {
        mismatched++;
      } else {
        other++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(mismatched.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(HashOf("race"), "new-" + std::to_string(winner.load()));
}

TEST_F(AuthRedisSessionStoreTest, DeleteRevokes) {
  ASSERT_TRUE(store_->Create(MakeSession("s1"), std::chrono::seconds(600)).ok());
  EXPECT_TRUE(*store_->Delete("s1"));
  EXPECT_FALSE(*store_->Delete("s1"));
  EXPECT_EQ(store_->Get("s1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->Rotate("s1", "hash-1", "x", std::chrono::seconds(60)),
            RotateOutcome::kNotFound);
}

}  // namespace
}  // namespace paymesh::auth
