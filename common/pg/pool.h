#pragma once

// PostgreSQL connection pool on libpqxx 6.4. Blocking by nature: call it only from an
// exec::WorkerPool thread (size the worker pool to the connection pool).
//
// Every connection sets `search_path` to the pool's schema, so stores use unqualified table
// names and tests can run against a throwaway schema. Connections are opened lazily and
// replaced after a broken-connection error.
//
//   pg::Pool pool({.dsn = cfg.pg_dsn, .schema = "orders", .size = 8});
//   absl::StatusOr<Order> o = pool.Transact<Order>([&](pqxx::work& tx) -> absl::StatusOr<Order> {
//     pqxx::result r = tx.exec_params("SELECT ... WHERE id = $1", id);
//     ...
//   });
//
// Errors: UNAVAILABLE when no connection can be had (server down, acquire timeout) or the
// connection broke; otherwise the SQLSTATE mapping of StatusFromSqlState(). A serialization
// failure or deadlock is retried up to `max_retries` times before ABORTED is returned.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace paymesh::pg {

struct PoolOptions {
  std::string dsn{};     // libpq connection string or postgresql:// URL
  std::string schema{};  // search_path; created by migrations
  size_t size = 4;
  std::chrono::milliseconds acquire_timeout{2000};
  std::chrono::milliseconds statement_timeout{5000};  // server-side, per statement
  // Session settings every connection makes (set_config, parameterized), e.g. a custom
  // "paymesh.late_payment_policy" the database's own functions read.
  std::vector<std::pair<std::string, std::string>> settings{};
  int max_retries = 3;
};

// A named statement (userver's named SQL): prepared once per connection, run with
// tx.exec_prepared(name, params...).
struct PreparedStatement {
  std::string name;
  std::string sql;
};

// Maps a SQLSTATE to a Status: 23505 unique_violation → ALREADY_EXISTS, 23xxx other integrity
// → FAILED_PRECONDITION, 22xxx data exception → INVALID_ARGUMENT, 40001/40P01 → ABORTED,
// 57014 query_canceled (statement timeout) → DEADLINE_EXCEEDED, 08xxx/57P0x → UNAVAILABLE,
// anything else → INTERNAL. The message names the SQLSTATE, never the statement's parameters.
absl::Status StatusFromSqlState(const std::string& sqlstate, const std::string& what);
// Translates the exception in flight (call inside catch (...)).
absl::Status StatusFromCurrentException();

// Thread-safe. A caller holding a connection (inside fn) that asks for another one from the
// same pool can wait out acquire_timeout when the pool is small: don't nest.
class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs fn inside a read-write transaction and commits if fn returns OK; otherwise rolls back
  // and returns fn's status. A libpqxx exception escaping fn is translated (see above). Retries
  // fn from the start, up to max_retries times, on a serialization failure or deadlock, and on
  // any ABORTED status fn returns; so fn must be safe to run more than once and should let
  // libpqxx exceptions propagate rather than swallow them. "commit outcome unknown"
  // (UNAVAILABLE) means the connection broke during COMMIT: the transaction may have applied.
  template <typename T>
  absl::StatusOr<T> Transact(const std::function<absl::StatusOr<T>(pqxx::work&)>& fn);
  absl::Status TransactVoid(const std::function<absl::Status(pqxx::work&)>& fn);

  // Runs fn without BEGIN/COMMIT: each statement is its own transaction (autocommit), so one
  // statement costs one round trip, commit included. For a single statement, or a function call,
  // that must be all or nothing. Errors as Transact. A serialization failure or deadlock is
  // retried like Transact, and so is a connection that broke, once, on a fresh one: fn's
  // statements must therefore be safe to repeat (idempotent), since one that broke mid-way may
  // have committed.
  template <typename T>
  absl::StatusOr<T> AutoCommit(const std::function<absl::StatusOr<T>(pqxx::nontransaction&)>& fn);
  absl::Status AutoCommitVoid(const std::function<absl::Status(pqxx::nontransaction&)>& fn);

  // Adds named statements that every connection of this pool knows (libpqxx sends the PREPARE
  // when a connection first runs one). Call before running them. Adding one again is a no-op;
  // a name with other SQL is a programming error (std::logic_error).
  void Prepare(const std::vector<PreparedStatement>& statements);

  // Runs fn with a raw connection (no transaction), e.g. for advisory locks. fn must leave the
  // session as it found it (settings, locks); a connection that broke is discarded.
  absl::Status WithConnection(const std::function<absl::Status(pqxx::connection&)>& fn);

  // SELECT 1 through a pooled connection.
  absl::Status Ping();

  const PoolOptions& options() const { return options_; }

 private:
  struct Lease;
  // A connection and how many of prepared_ it has registered.
  struct Pooled {
    std::unique_ptr<pqxx::connection> conn;
    size_t prepared = 0;
  };
  template <typename Tx>
  absl::Status Run(const std::function<absl::Status(Tx&)>& fn);
  template <typename T, typename Tx>
  absl::StatusOr<T> Collect(const std::function<absl::StatusOr<T>(Tx&)>& fn,
                            absl::Status (Pool::*run)(const std::function<absl::Status(Tx&)>&));
  absl::StatusOr<Pooled> Acquire();
  void Release(Pooled conn, bool healthy);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open();

  PoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pooled> idle_;
  std::vector<PreparedStatement> prepared_;  // guarded by mu_; append-only
  size_t open_ = 0;
};

// Transact and AutoCommit: run the void form, keeping what fn produced.
template <typename T, typename Tx>
absl::StatusOr<T> Pool::Collect(
    const std::function<absl::StatusOr<T>(Tx&)>& fn,
    absl::Status (Pool::*run)(const std::function<absl::Status(Tx&)>&)) {
  std::optional<T> out;
  absl::Status st = (this->*run)([&](Tx& tx) -> absl::Status {
    absl::StatusOr<T> r = fn(tx);
    if (!r.ok()) return r.status();
    out = std::move(r).value();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return std::move(*out);
}

template <typename T>
absl::StatusOr<T> Pool::Transact(const std::function<absl::StatusOr<T>(pqxx::work&)>& fn) {
  return Collect<T, pqxx::work>(fn, &Pool::TransactVoid);
}

template <typename T>
absl::StatusOr<T> Pool::AutoCommit(
    const std::function<absl::StatusOr<T>(pqxx::nontransaction&)>& fn) {
  return Collect<T, pqxx::nontransaction>(fn, &Pool::AutoCommitVoid);
}

}  // namespace paymesh::pg
