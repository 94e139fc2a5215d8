#include "common/pg/pool.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_env.h"

namespace paymesh::pg {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A loopback port nobody listens on: bind to port 0, read it back, close.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = testing::PgDsn();
    ASSERT_FALSE(dsn_.empty());
    schema_ = testing::UniqueName("t_");
    pool_ = MakePool(schema_, {});
    ASSERT_TRUE(CreateSchema(schema_).ok());
    ASSERT_TRUE(Exec(*pool_, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)").ok());
  }
  void TearDown() override {
    pool_.reset();
    for (const std::string& s : {schema_, other_schema_}) {
      if (!s.empty()) testing::DropSchema(dsn_, s);
    }
  }

  // The server ends the one connection of a size-1 pool between two calls of `pid`, which reads
  // pg_backend_pid(); the second call must succeed, on another backend.
  void ExpectAFreshConnectionAfterTheServerKillsOne(
      const std::function<absl::StatusOr<int64_t>()>& pid) {
    absl::StatusOr<int64_t> first = pid();
    ASSERT_TRUE(first.ok()) << first.status();
    auto admin = MakePool("", {.size = 1});
    ASSERT_TRUE(admin
                    ->TransactVoid([&](pqxx::work& tx) {
                      tx.exec_params("SELECT pg_terminate_backend($1, 5000)",
                                     *first);  // waits for the exit
                      return absl::OkStatus();
                    })
                    .ok());
    absl::StatusOr<int64_t> second = pid();
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_NE(*first, *second);
  }

  std::unique_ptr<Pool> MakePool(const std::string& schema, PoolOptions opts) {
    opts.dsn = dsn_;
    opts.schema = schema;
    return std::make_unique<Pool>(std::move(opts));
  }

  absl::Status CreateSchema(const std::string& schema) {
    Pool admin({.dsn = dsn_, .size = 1});
    return admin.TransactVoid([&](pqxx::work& tx) {
      tx.exec0("CREATE SCHEMA " + tx.quote_name(schema));
      return absl::OkStatus();
    });
  }

  static absl::Status Exec(Pool& pool, const std::string& sql) {
    return pool.TransactVoid([&](pqxx::work& tx) {
      tx.exec0(sql);
      return absl::OkStatus();
    });
  }

  static absl::StatusOr<int64_t> Count(Pool& pool) {
    return pool.Transact<int64_t>([](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec1("SELECT count(*) FROM items")[0].as<int64_t>();
    });
  }

  static absl::Status Insert(Pool& pool, int id, const std::string& name) {
    return pool.TransactVoid([&](pqxx::work& tx) {
      tx.exec_params0("INSERT INTO items (id, name) VALUES ($1, $2)", id, name);
      return absl::OkStatus();
    });
  }

  std::string dsn_;
  std::string schema_;
  std::string other_schema_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(PoolTest, CommitPersists) {
  ASSERT_TRUE(Insert(*pool_, 1, "one").ok());
  auto name = pool_->Transact<std::string>([](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec_params1("SELECT name FROM items WHERE id = $1", 1)[0].as<std::string>();
  });
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "one");
  // Seen from a brand-new pool too, so it really was committed.
  auto fresh = MakePool(schema_, {});
  EXPECT_EQ(Count(*fresh).value_or(-1), 1);
}

TEST_F(PoolTest, ErrorStatusRollsBackAndIsReturnedUnchanged) {
  absl::Status st = pool_->TransactVoid([](pqxx::work& tx) {
    tx.exec_params0("INSERT INTO items (id, name) VALUES ($1, $2)", 1, "one");
    return absl::InvalidArgumentError("no thanks");
  });
  EXPECT_EQ(st, absl::InvalidArgumentError("no thanks"));
  EXPECT_EQ(Count(*pool_).value_or(-1), 0);
}

TEST_F(PoolTest, ExceptionRollsBackAndBecomesInternal) {
  absl::Status st = pool_->TransactVoid([](pqxx::work& tx) -> absl::Status {
    tx.exec_params0("INSERT INTO items (id, name) VALUES ($1, $2)", 1, "one");
    throw std::runtime_error("bug");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal) << st;
  EXPECT_EQ(Count(*pool_).value_or(-1), 0);
}

TEST_F(PoolTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(Insert(*pool_, 1, "one").ok());
  absl::Status st = Insert(*pool_, 1, "secret-value");
  EXPECT_EQ(st.code(), absl::StatusCode::kAlreadyExists) << st;
  EXPECT_EQ(st.message().find("secret-value"), absl::string_view::npos) << st;
  EXPECT_EQ(Count(*pool_).value_or(-1), 1);
}

TEST_F(PoolTest, NotNullViolationIsFailedPrecondition) {
  absl::Status st = Exec(*pool_, "INSERT INTO items (id, name) VALUES (1, NULL)");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
}

TEST_F(PoolTest, StatementTimeoutIsDeadlineExceededAndTheConnectionStaysUsable) {
  auto pool = MakePool(schema_, {.size = 1, .statement_timeout = milliseconds(200)});
  const auto start = steady_clock::now();
  absl::Status st = Exec(*pool, "SELECT pg_sleep(2)");
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded) << st;
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
  EXPECT_TRUE(pool->Ping().ok());
  EXPECT_EQ(Count(*pool).value_or(-1), 0);
}

TEST_F(PoolTest, UnreachableServerIsUnavailableQuicklyWithoutThePassword) {
  const std::string dsn =
      "postgresql://paymesh:s3cretPw0rd@127.0.0.1:" + std::to_string(UnusedPort()) + "/paymesh";
  Pool pool({.dsn = dsn, .schema = schema_, .size = 1});
  const auto start = steady_clock::now();
  absl::Status st = pool.Ping();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(st.message().find("s3cretPw0rd"), absl::string_view::npos) << st;
  // A failed connect frees its slot: the next call fails the same way instead of timing out.
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
}

TEST_F(PoolTest, WrongPasswordIsUnavailableWithoutThePassword) {
  std::string dsn = dsn_;
  const size_t at = dsn.find('@');
  const size_t colon = dsn.rfind(':', at);
  ASSERT_NE(at, std::string::npos);
  dsn.replace(colon + 1, at - colon - 1, "Wr0ngPassw0rd");
  Pool pool({.dsn = dsn, .size = 1});
  absl::Status st = pool.Ping();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(st.message().find("Wr0ngPassw0rd"), absl::string_view::npos) << st;
}

TEST_F(PoolTest, SearchPathIsolatesSchemas) {
  other_schema_ = testing::UniqueName("t_");
  ASSERT_TRUE(CreateSchema(other_schema_).ok());
  auto other = MakePool(other_schema_, {});
  ASSERT_TRUE(Exec(*other, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)").ok());
  ASSERT_TRUE(Insert(*pool_, 1, "mine").ok());
  ASSERT_TRUE(Insert(*pool_, 2, "mine too").ok());
  ASSERT_TRUE(Insert(*other, 1, "theirs").ok());
  EXPECT_EQ(Count(*pool_).value_or(-1), 2);
  EXPECT_EQ(Count(*other).value_or(-1), 1);
  auto current = other->Transact<std::string>([](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec1("SELECT current_schema()")[0].as<std::string>();
  });
  EXPECT_EQ(current.value_or(""), other_schema_);
}

TEST_F(PoolTest, AcquireTimesOutWhenEveryConnectionIsHeld) {
  auto pool = MakePool(schema_, {.size = 1, .acquire_timeout = milliseconds(200)});
  absl::Status inner;
  steady_clock::duration waited{};
  absl::Status outer = pool->WithConnection([&](pqxx::connection&) {
    const auto start = steady_clock::now();
    inner = pool->Ping();  // the only connection is held right here
    waited = steady_clock::now() - start;
    return absl::OkStatus();
  });
  EXPECT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner.code(), absl::StatusCode::kUnavailable) << inner;
  EXPECT_EQ(inner.message(), "no database connection available");
  EXPECT_GE(waited, milliseconds(150));
  EXPECT_TRUE(pool->Ping().ok());  // released again
}

TEST_F(PoolTest, RetriesASerializationFailure) {
  int calls = 0;
  absl::Status st = pool_->TransactVoid([&](pqxx::work& tx) -> absl::Status {
    ++calls;
    tx.exec_params0("INSERT INTO items (id, name) VALUES ($1, $2)", calls, "try");
    if (calls == 1) throw pqxx::serialization_failure("could not serialize access");
    return absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Count(*pool_).value_or(-1), 1);  // the first attempt was rolled back
}

TEST_F(PoolTest, GivesUpWithAbortedAfterMaxRetries) {
  auto pool = MakePool(schema_, {.max_retries = 2});
  int calls = 0;
  absl::Status st = pool->TransactVoid([&](pqxx::work&) -> absl::Status {
    ++calls;
    throw pqxx::deadlock_detected("deadlock detected");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted) << st;
  EXPECT_EQ(calls, 3);
}

TEST_F(PoolTest, RetriesAnAbortedStatusFromFn) {
  int calls = 0;
  absl::Status st = pool_->TransactVoid([&](pqxx::work& tx) -> absl::Status {
    ++calls;
    tx.exec_params0("INSERT INTO items (id, name) VALUES ($1, $2)", calls, "try");
    return calls < 3 ? absl::AbortedError("lost a race") : absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(Count(*pool_).value_or(-1), 1);
}

TEST_F(PoolTest, RetriesARealSerializableConflict) {
  ASSERT_TRUE(Insert(*pool_, 1, "v0").ok());
  auto rival = MakePool(schema_, {.size = 1});
  int calls = 0;
  absl::Status st = pool_->TransactVoid([&](pqxx::work& tx) -> absl::Status {
    ++calls;
    tx.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    const std::string seen = tx.exec1("SELECT name FROM items WHERE id = 1")[0].as<std::string>();
    if (calls == 1) {
      // Another session changes the row after our snapshot was taken.
      absl::Status r = Exec(*rival, "UPDATE items SET name = 'rival' WHERE id = 1");
      if (!r.ok()) return r;
    }
    tx.exec_params0("UPDATE items SET name = $1 WHERE id = 1", seen + "+mine");
    return absl::OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(calls, 2);
  auto name = pool_->Transact<std::string>([](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec1("SELECT name FROM items WHERE id = 1")[0].as<std::string>();
  });
  EXPECT_EQ(name.value_or(""), "rival+mine");
}

TEST_F(PoolTest, ReplacesAConnectionKilledByTheServer) {
  auto pool = MakePool(schema_, {.size = 1});
  ExpectAFreshConnectionAfterTheServerKillsOne([&]() {
    return pool->Transact<int64_t>([](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec1("SELECT pg_backend_pid()")[0].as<int64_t>();
    });
  });
}

TEST_F(PoolTest, AutoCommitRunsEachStatementAsItsOwnTransaction) {
  auto pool = MakePool(schema_, {.size = 1});
  auto txids = pool->AutoCommit<std::pair<int64_t, int64_t>>(
      [](pqxx::nontransaction& tx) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
        const int64_t a = tx.exec1("SELECT txid_current()")[0].as<int64_t>();
        return std::make_pair(a, tx.exec1("SELECT txid_current()")[0].as<int64_t>());
      });
  ASSERT_TRUE(txids.ok()) << txids.status();
  EXPECT_NE(txids->first, txids->second) << "no BEGIN: one transaction per statement";
  auto same = pool->Transact<std::pair<int64_t, int64_t>>(
      [](pqxx::work& tx) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
        const int64_t a = tx.exec1("SELECT txid_current()")[0].as<int64_t>();
        return std::make_pair(a, tx.exec1("SELECT txid_current()")[0].as<int64_t>());
      });
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->first, same->second);

  // A failing statement is an error like in Transact, and what it did is gone.
  absl::Status failed = pool->AutoCommitVoid([](pqxx::nontransaction& tx) {
    tx.exec0("INSERT INTO items (id, name) VALUES (7, NULL)");
    return absl::OkStatus();
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition) << failed;
  EXPECT_EQ(Count(*pool).value_or(-1), 0);
}

TEST_F(PoolTest, AutoCommitRetriesOnAFreshConnectionAfterTheServerKilledOne) {
  auto pool = MakePool(schema_, {.size = 1});
  ExpectAFreshConnectionAfterTheServerKillsOne([&]() {
    return pool->AutoCommit<int64_t>([](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
      return tx.exec1("SELECT pg_backend_pid()")[0].as<int64_t>();
    });
  });
}

TEST_F(PoolTest, PreparedStatementsReachEveryConnection) {
  auto pool = MakePool(schema_, {.size = 2});
  pool->Prepare({{"plus_one", "SELECT $1::int + 1"}});
  pool->Prepare({{"plus_one", "SELECT $1::int + 1"}});  // again: nothing new
  EXPECT_THROW(pool->Prepare({{"plus_one", "SELECT $1::int + 2"}}), std::logic_error);
  // Two callers at once hold both connections, the second opened after Prepare.
  std::barrier both(2);
  std::vector<absl::StatusOr<int>> results(2, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      results[i] = pool->AutoCommit<int>([&](pqxx::nontransaction& tx) -> absl::StatusOr<int> {
        both.arrive_and_wait();
        return tx.exec_prepared1("plus_one", 40 + i)[0].as<int>();
      });
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(*results[0], 41);
  EXPECT_EQ(*results[1], 42);
}

TEST_F(PoolTest, ConcurrentTransactionsShareASmallPool) {
  auto pool = MakePool(schema_, {.size = 2});
  constexpr int kThreads = 6;
  constexpr int kEach = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!Insert(*pool, t * kEach + i, "x").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(*pool).value_or(-1), kThreads * kEach);
}

}  // namespace
}  // namespace paymesh::pg
