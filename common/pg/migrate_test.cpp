#include "common/pg/migrate.h"

#include <gtest/gtest.h>

#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_env.h"

namespace paymesh::pg {
namespace {

const Migration kCreate{"0001_create.sql",
                        "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);"};
// Depends on 0001, and would leave a second row behind if it were ever applied twice.
const Migration kSeed{"0002_seed.sql",
                      "INSERT INTO notes (body) VALUES ('first');\n"
                      "ALTER TABLE notes ADD COLUMN tag text;"};
const Migration kIndex{"0003_index.sql", "CREATE INDEX notes_tag ON notes (tag);"};

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = testing::PgDsn();
    ASSERT_FALSE(dsn_.empty());
    schema_ = testing::UniqueName("t_");
  }
  void TearDown() override { testing::DropSchema(dsn_, schema_); }

  std::unique_ptr<Pool> MakePool() {
    return std::make_unique<Pool>(PoolOptions{.dsn = dsn_, .schema = schema_, .size = 1});
  }

  // version → number of rows recording it.
  std::map<std::string, int64_t> Recorded(Pool& pool) {
    std::map<std::string, int64_t> out;
    absl::Status st = pool.TransactVoid([&](pqxx::work& tx) {
      for (const auto& row :
           tx.exec("SELECT version, count(*) FROM schema_migrations GROUP BY version")) {
        out[row[0].as<std::string>()] = row[1].as<int64_t>();
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  int64_t NoteCount(Pool& pool) {
    auto n = pool.Transact<int64_t>([](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec1("SELECT count(*) FROM notes")[0].as<int64_t>();
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  std::string dsn_;
  std::string schema_;
};

TEST_F(MigrateTest, AppliesInNameOrder) {
  auto pool = MakePool();
  // Given out of order: 0002 only works after 0001.
  absl::Status st = Migrate(*pool, {kIndex, kSeed, kCreate});
  ASSERT_TRUE(st.ok()) << st;
  std::map<std::string, int64_t> want{{kCreate.name, 1}, {kSeed.name, 1}, {kIndex.name, 1}};
  EXPECT_EQ(Recorded(*pool), want);
  EXPECT_EQ(NoteCount(*pool), 1);
}

TEST_F(MigrateTest, RerunAppliesNothing) {
  auto pool = MakePool();
  ASSERT_TRUE(Migrate(*pool, {kCreate, kSeed}).ok());
  absl::Status st = Migrate(*pool, {kCreate, kSeed});
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(NoteCount(*pool), 1);
  // A later binary adds a file: only that one runs.
  ASSERT_TRUE(Migrate(*pool, {kCreate, kSeed, kIndex}).ok());
  EXPECT_EQ(NoteCount(*pool), 1);
  EXPECT_EQ(Recorded(*pool).size(), 3u);
}

TEST_F(MigrateTest, ParallelRunnersApplyEachMigrationOnce) {
  constexpr int kRunners = 4;
  std::vector<absl::Status> results(kRunners);
  std::latch start(kRunners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRunners; ++i) {
    threads.emplace_back([&, i] {
      auto pool = MakePool();     // each its own pool, as separate replicas would have
      results[i] = pool->Ping();  // connect first, so that the runs really overlap
      start.arrive_and_wait();
      if (results[i].ok()) results[i] = Migrate(*pool, {kCreate, kSeed, kIndex});
    });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& st : results) EXPECT_TRUE(st.ok()) << st;
  auto pool = MakePool();
  std::map<std::string, int64_t> want{{kCreate.name, 1}, {kSeed.name, 1}, {kIndex.name, 1}};
  EXPECT_EQ(Recorded(*pool), want);
  EXPECT_EQ(NoteCount(*pool), 1);
}

TEST_F(MigrateTest, ChangedChecksumIsFailedPrecondition) {
  auto pool = MakePool();
  ASSERT_TRUE(Migrate(*pool, {kCreate, kSeed}).ok());
  Migration edited = kSeed;
  edited.sql += "\n-- tweaked";
  absl::Status st = Migrate(*pool, {kCreate, edited, kIndex});
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find(kSeed.name), absl::string_view::npos) << st;
  EXPECT_EQ(Recorded(*pool).count(kIndex.name), 0u);  // stops before anything new
}

TEST_F(MigrateTest, FailedMigrationRollsBackNamesTheFileAndReleasesTheLock) {
  auto pool = MakePool();
  const Migration broken{"0003_broken.sql",
                         "CREATE TABLE half_done (id int);\nSELECT no_such_column FROM notes;"};
  absl::Status st = Migrate(*pool, {kCreate, kSeed, broken});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(broken.name), absl::string_view::npos) << st;
  std::map<std::string, int64_t> want{{kCreate.name, 1}, {kSeed.name, 1}};
  EXPECT_EQ(Recorded(*pool), want);
  auto half_done = pool->Transact<bool>([](pqxx::work& tx) -> absl::StatusOr<bool> {
    return tx.exec1("SELECT to_regclass('half_done') IS NOT NULL")[0].as<bool>();
  });
  EXPECT_FALSE(half_done.value_or(true));
  // Another session can take the lock at once, so it was released.
  auto other = MakePool();
  auto locked = other->Transact<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    const std::string key = "paymesh:migrate:" + schema_;
    bool got = tx.exec_params1("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", key)[0]
                   .as<bool>();
    return got;
  });
  EXPECT_TRUE(locked.value_or(false));
}

TEST_F(MigrateTest, RestoresTheStatementTimeoutOfThePooledConnection) {
  Pool pool({.dsn = dsn_,
             .schema = schema_,
             .size = 1,
             .statement_timeout = std::chrono::milliseconds(1234)});
  ASSERT_TRUE(Migrate(pool, {kCreate}).ok());
  auto timeout = pool.Transact<std::string>([](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec1("SHOW statement_timeout")[0].as<std::string>();
  });
  EXPECT_EQ(timeout.value_or(""), "1234ms");
}

TEST_F(MigrateTest, RejectsDuplicateNamesAndAMissingSchema) {
  auto pool = MakePool();
  EXPECT_EQ(Migrate(*pool, {kCreate, kCreate}).code(), absl::StatusCode::kInvalidArgument);
  Pool no_schema({.dsn = dsn_, .size = 1});
  EXPECT_EQ(Migrate(no_schema, {kCreate}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paymesh::pg
