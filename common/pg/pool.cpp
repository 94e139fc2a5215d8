#include "common/pg/pool.h"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/pg/dsn.h"

namespace paymesh::pg {
namespace {

constexpr int kConnectTimeoutSeconds = 2;

// Retrying at once tends to collide with the same transaction again; a few ms of jitter that
// grows with the attempt number lets one of them win.
void BackoffBeforeRetry(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  std::uniform_int_distribution<int> ms(1, 5 * (attempt + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

}  // namespace

// A checked-out connection; goes back to the pool (or is discarded) on destruction.
struct Pool::Lease {
  Lease(Pool& p, Pooled c) : pool(p), pooled(std::move(c)) {}
  ~Lease() {
    const bool healthy = !broken && pooled.conn != nullptr && pooled.conn->is_open();
    pool.Release(std::move(pooled), healthy);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  pqxx::connection& conn() { return *pooled.conn; }

  Pool& pool;
  Pooled pooled;
  bool broken = false;  // saw a connection-level failure: never hand it out again
};

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
  if (options_.size == 0) options_.size = 1;
  if (options_.max_retries < 0) options_.max_retries = 0;
  options_.dsn = WithConnectTimeout(options_.dsn, kConnectTimeoutSeconds);
}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Open() {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(options_.dsn);
  } catch (const pqxx::broken_connection& e) {
    const std::string detail = SafeConnectError(options_.dsn, e.what());
    log::Warn("cannot connect to PostgreSQL", {{"error", detail}});
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", detail));
  } catch (...) {
    // Anything else comes from parsing the DSN, whose text may hold the password.
    log::Warn("cannot connect to PostgreSQL", {{"error", "invalid connection string"}});
    return absl::UnavailableError("cannot connect to PostgreSQL: invalid connection string");
  }
  try {
    pqxx::nontransaction setup(*conn);
    if (!options_.schema.empty()) {
      setup.exec0("SET search_path TO " + setup.quote_name(options_.schema));
    }
    setup.exec0(absl::StrCat("SET statement_timeout = ", options_.statement_timeout.count()));
    for (const auto& [name, value] : options_.settings) {
      setup.exec_params("SELECT set_config($1, $2, false)", name, value);
    }
    setup.commit();
  } catch (...) {
    return StatusFromCurrentException();
  }
  return conn;
}

absl::StatusOr<Pool::Pooled> Pool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<Pooled> got;
  while (!got.has_value()) {
    while (!idle_.empty()) {
      Pooled pooled = std::move(idle_.back());
      idle_.pop_back();
      if (pooled.conn->is_open()) {
        got = std::move(pooled);
        break;
      }
      --open_;  // closed while idle: drop it and look again
    }
    if (got.has_value() || open_ < options_.size) break;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      return absl::UnavailableError("no database connection available");
    }
  }
  if (!got.has_value()) {
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Open();
    if (!conn.ok()) {
      Release(Pooled{}, false);
      return conn.status();
    }
    got = Pooled{std::move(conn).value(), 0};
    lock.lock();
  }
  // Registering a definition is local to libpqxx (it prepares on first use).
  for (; got->prepared < prepared_.size(); ++got->prepared) {
    const PreparedStatement& p = prepared_[got->prepared];
    got->conn->prepare(p.name, p.sql);
  }
  return std::move(*got);
}

void Pool::Release(Pooled pooled, bool healthy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (healthy && pooled.conn != nullptr) {
      idle_.push_back(std::move(pooled));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
  // An unhealthy connection is closed here, outside the lock.
}

void Pool::Prepare(const std::vector<PreparedStatement>& statements) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const PreparedStatement& statement : statements) {
    const auto same_name = [&](const PreparedStatement& p) { return p.name == statement.name; };
    const auto it = std::find_if(prepared_.begin(), prepared_.end(), same_name);
    if (it == prepared_.end()) {
      prepared_.push_back(statement);
    } else if (it->sql != statement.sql) {
      throw std::logic_error("prepared statement " + statement.name + " defined twice");
    }
  }
}

template <typename Tx>
absl::Status Pool::Run(const std::function<absl::Status(Tx&)>& fn) {
  bool stale_retry_left = true;
  int attempt = 0;
  while (true) {
    absl::Status st;
    bool lost = false;  // the connection broke (before the commit, for a transaction)
    {
      absl::StatusOr<Pooled> acquired = Acquire();
      if (!acquired.ok()) return acquired.status();
      Lease lease(*this, std::move(acquired).value());
      try {
        Tx tx(lease.conn());
        st = fn(tx);
        if (st.ok()) tx.commit();
        // Otherwise ~work rolls back.
      } catch (const pqxx::in_doubt_error&) {
        lease.broken = true;
        log::Warn("transaction commit outcome unknown");
        return absl::UnavailableError("commit outcome unknown");
      } catch (const pqxx::broken_connection&) {
        lease.broken = true;
        lost = true;
        st = absl::UnavailableError("database connection lost");
      } catch (...) {
        st = StatusFromCurrentException();  // serialization failure, deadlock → ABORTED
      }
      if (st.code() == absl::StatusCode::kUnavailable) lease.broken = true;
    }  // the connection goes back before any backoff
    // A pooled connection most likely died with a server restart (and its idle siblings with
    // it); try once more on a fresh one. For a transaction nothing was committed (not in
    // doubt); autocommit statements are idempotent by contract.
    if (lost && stale_retry_left) {
      stale_retry_left = false;
      continue;
    }
    if (st.code() != absl::StatusCode::kAborted) return st;
    if (attempt >= options_.max_retries) {
      return absl::AbortedError(
          absl::StrCat(st.message(), "; gave up after ", attempt + 1, " attempts"));
    }
    BackoffBeforeRetry(attempt++);
  }
}

absl::Status Pool::TransactVoid(const std::function<absl::Status(pqxx::work&)>& fn) {
  return Run<pqxx::work>(fn);
}

absl::Status Pool::AutoCommitVoid(const std::function<absl::Status(pqxx::nontransaction&)>& fn) {
  return Run<pqxx::nontransaction>(fn);
}

absl::Status Pool::WithConnection(const std::function<absl::Status(pqxx::connection&)>& fn) {
  absl::StatusOr<Pooled> acquired = Acquire();
  if (!acquired.ok()) return acquired.status();
  Lease lease(*this, std::move(acquired).value());
  absl::Status st;
  try {
    st = fn(lease.conn());
  } catch (const pqxx::broken_connection&) {
    lease.broken = true;
    return absl::UnavailableError("database connection lost");
  } catch (...) {
    st = StatusFromCurrentException();
  }
  if (st.code() == absl::StatusCode::kUnavailable) lease.broken = true;
  return st;
}

absl::Status Pool::Ping() {
  return WithConnection([](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace paymesh::pg
