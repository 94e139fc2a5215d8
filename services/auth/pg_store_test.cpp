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

TEST_F(AuthPgUserStoreTest, FindByMobile) {
  absl::StatusOr<User> created = store_->CreateUser({"alice", "h", "13800138000"});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(store_->FindByMobile("13800138000")->id, created->id);
  EXPECT_EQ(store_->FindByMobile("13900139000").status().code(), absl::StatusCode::kNotFound);
}

// The rows auth keeps for an identity, and the audit trail.
class AuthPgWechatTest : public AuthPgUserStoreTest {
 protected:
  pqxx::row Identity(const std::string& appid, const std::string& openid) {
    pqxx::row row;
    EXPECT_TRUE(pool_
                    ->TransactVoid([&](pqxx::work& tx) {
                      row = tx.exec_params1(
                          "SELECT user_id::text, coalesce(unionid, ''), nickname, avatar_url, "
                          "coalesce(session_key, '') FROM wechat_identities "
                          "WHERE appid = $1 AND openid = $2",
                          appid, openid);
                      return absl::OkStatus();
                    })
                    .ok());
    return row;
  }
  std::vector<std::string> Events(const std::string& user_id) {
    std::vector<std::string> out;
    EXPECT_TRUE(pool_
                    ->TransactVoid([&](pqxx::work& tx) {
                      for (const auto& r :
                           tx.exec_params("SELECT kind || ' ' || detail::text FROM account_events "
                                          "WHERE user_id = $1::uuid ORDER BY id",
                                          user_id)) {
                        out.push_back(r[0].as<std::string>());
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }
};

TEST_F(AuthPgWechatTest, AFirstSignInCreatesTheAccountThenFindsIt) {
  absl::StatusOr<User> first = store_->UpsertWechatUser(
      {"wxoa", "oAbcdefgh123", "", "小明", "https://img/0", ""}, "wx_first");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->username, "wx_first");
  absl::StatusOr<User> again =
      store_->UpsertWechatUser({"wxoa", "oAbcdefgh123", "uX", "", "", ""}, "wx_second");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  pqxx::row row = Identity("wxoa", "oAbcdefgh123");
  EXPECT_EQ(row[1].as<std::string>(), "uX") << "the unionid, once WeChat reveals it";
  EXPECT_EQ(row[2].as<std::string>(), "小明") << "an empty nickname does not erase the known one";
  EXPECT_THAT(Events(first->id),
              ElementsAre(R"(wechat_created {"appid": "wxoa", "openid": "oAbc****h123"})"))
      << "audited, never with the whole openid";
}

TEST_F(AuthPgWechatTest, FindOpenidPerApp) {
  User u = store_->UpsertWechatUser({"wxoa", "o-find-1", "u-find", "", "", ""}, "wx_find").value();
  ASSERT_TRUE(store_->UpsertWechatUser({"wxmp", "o-find-mp", "u-find", "", "", ""}, "wx_x").ok());
  EXPECT_EQ(*store_->FindOpenid(u.id, "wxoa"), "o-find-1");
  EXPECT_EQ(*store_->FindOpenid(u.id, "wxmp"), "o-find-mp");
  EXPECT_EQ(store_->FindOpenid(u.id, "wxother").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AuthPgWechatTest, TheSameUnionidInAnotherAppIsTheSameAccount) {
  User oa = store_->UpsertWechatUser({"wxoa", "o-oa-1", "u-1", "", "", ""}, "wx_a").value();
  User mp = store_->UpsertWechatUser({"wxmp", "o-mp-1", "u-1", "", "", "sk=="}, "wx_b").value();
  EXPECT_EQ(mp.id, oa.id);
  EXPECT_EQ(Identity("wxmp", "o-mp-1")[4].as<std::string>(), "sk==");
  EXPECT_EQ(Events(oa.id).size(), 2u);
}

TEST_F(AuthPgWechatTest, LinkingIsIdempotentAndNeverSteals) {
  User alice = store_->CreateUser({"alice", "h", ""}).value();
  User bob = store_->CreateUser({"bob", "h", ""}).value();
  ASSERT_TRUE(store_->LinkWechatIdentity(alice.id, {"wxoa", "o-link", "", "", "", ""}).ok());
  ASSERT_TRUE(store_->LinkWechatIdentity(alice.id, {"wxoa", "o-link", "", "", "", ""}).ok());
  EXPECT_EQ(store_->LinkWechatIdentity(bob.id, {"wxoa", "o-link", "", "", "", ""}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->UpsertWechatUser({"wxoa", "o-link", "", "", "", ""}, "wx_x")->id, alice.id);
  EXPECT_EQ(store_
                ->LinkWechatIdentity("00000000-0000-4000-8000-000000000000",
                                     {"wxoa", "o-other", "", "", "", ""})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AuthPgWechatTest, ConcurrentFirstSignInsCreateOneAccount) {
  constexpr int kThreads = 6;
  std::latch start(kThreads);
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      absl::StatusOr<User> u = store_->UpsertWechatUser({"wxoa", "o-race", "", "", "", ""},
                                                        "wx_race" + std::to_string(i));
      if (u.ok()) ids[i] = u->id;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_FALSE(ids[0].empty());
}

}  // namespace
}  // namespace paymesh::auth
