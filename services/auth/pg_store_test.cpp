// PgUserStore against the real PostgreSQL, in a throwaway schema.

#include "services/auth/pg_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "common/pg/migrate.h"
#include "services/auth/migrations.h"
#include "tests/support/pg_schema.h"
#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AuthPgUserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = paymesh::testing::ThrowawaySchema::Create(auth_lib_migrations());
    ASSERT_NE(db_, nullptr);
    pool_ = &db_->pool();
    store_ = std::make_unique<PgUserStore>(pool_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
  }

  std::unique_ptr<paymesh::testing::ThrowawaySchema> db_;
  pg::Pool* pool_ = nullptr;
  std::unique_ptr<PgUserStore> store_;
};

TEST_F(AuthPgUserStoreTest, CreateThenFindByNameIgnoringCaseAndById) {
  auto before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  absl::StatusOr<User> created = store_->CreateUser({"Alice_01", "$scrypt$fake", "13800138000"});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id.size(), 36u);
  EXPECT_EQ(created->username, "Alice_01");
  EXPECT_EQ(created->mobile, "13800138000");
  EXPECT_THAT(created->scopes, ElementsAre("user"));
  EXPECT_GT(created->created_at, before);
  EXPECT_LT(created->created_at, std::chrono::system_clock::now() + std::chrono::minutes(1));

  absl::StatusOr<UserCredentials> by_name = store_->FindByUsername("aLICE_01");
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(by_name->user.id, created->id);
  EXPECT_EQ(by_name->user.username, "Alice_01");
  EXPECT_EQ(by_name->password_hash, "$scrypt$fake");
  EXPECT_EQ(by_name->user.created_at, created->created_at);

  absl::StatusOr<User> by_id = store_->FindById(created->id);
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->username, "Alice_01");
  EXPECT_EQ(by_id->mobile, "13800138000");
}

TEST_F(AuthPgUserStoreTest, UnknownUsersAreNotFound) {
  EXPECT_EQ(store_->FindByUsername("nobody").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindByUsername("x' OR '1'='1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindById("00000000-0000-4000-8000-000000000000").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AuthPgUserStoreTest, UniqueViolationsAreAlreadyExists) {
  ASSERT_TRUE(store_->CreateUser({"alice", "h", "13800138000"}).ok());
  absl::StatusOr<User> same_name = store_->CreateUser({"ALICE", "h", ""});
  EXPECT_EQ(same_name.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_name.status().message(), HasSubstr("username"));
  absl::StatusOr<User> same_mobile = store_->CreateUser({"bob", "h", "13800138000"});
  EXPECT_EQ(same_mobile.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_mobile.status().message(), HasSubstr("mobile"));
  // No mobile is not a taken mobile.
  ASSERT_TRUE(store_->CreateUser({"carol", "h", ""}).ok());
  ASSERT_TRUE(store_->CreateUser({"dave", "h", ""}).ok());
  EXPECT_EQ(store_->FindByUsername("bob").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AuthPgUserStoreTest, ConcurrentRegistrationsOfOneNameCreateOneUser) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> ok{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      absl::StatusOr<User> r = store_->CreateUser({i % 2 ? "Racer" : "racer", "h", ""});
      (r.ok() ? ok : absl::IsAlreadyExists(r.status()) ? exists : other)++;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(AuthPgUserStoreTest, MigratingAgainChangesNothing) {
  ASSERT_TRUE(store_->CreateUser({"alice", "h", ""}).ok());
  absl::Status again = pg::Migrate(*pool_, auth_lib_migrations());
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_TRUE(store_->FindByUsername("alice").ok());
}

}  // namespace
}  // namespace paymesh::auth
