#include "common/pg/migrate.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/log/log.h"

namespace paymesh::pg {
namespace {

std::string Checksum(const std::string& sql) { return crypto::HexLower(crypto::Sha256(sql)); }

absl::Status CheckNames(const std::vector<Migration>& sorted) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].name.empty()) return absl::InvalidArgumentError("migration without a name");
    if (i > 0 && sorted[i].name == sorted[i - 1].name) {
      return absl::InvalidArgumentError("duplicate migration " + sorted[i].name);
    }
  }
  return absl::OkStatus();
}

// Everything that runs while the advisory lock is held.
absl::Status ApplyLocked(pqxx::connection& conn, const std::string& schema,
                         const std::vector<Migration>& sorted) {
  const std::string quoted = conn.quote_name(schema);
  const std::string table = quoted + ".schema_migrations";
  std::map<std::string, std::string> applied;  // version → checksum
  {
    pqxx::work tx(conn);
    tx.exec0("CREATE SCHEMA IF NOT EXISTS " + quoted);
    tx.exec0("CREATE TABLE IF NOT EXISTS " + table +
             " (version text PRIMARY KEY, checksum text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& row : tx.exec("SELECT version, checksum FROM " + table)) {
      applied[row[0].as<std::string>()] = row[1].as<std::string>();
    }
    tx.commit();
  }
  for (const Migration& m : sorted) {
    const std::string checksum = Checksum(m.sql);
    if (auto it = applied.find(m.name); it != applied.end()) {
      if (it->second != checksum) {
        return absl::FailedPreconditionError(absl::StrCat("migration ", m.name, " in schema ",
                                                          schema, " changed after it was applied"));
      }
      continue;
    }
    try {
      pqxx::work tx(conn);
      tx.exec0("SET LOCAL search_path TO " + quoted);
      tx.exec(m.sql);
      tx.exec_params0("INSERT INTO " + table + " (version, checksum) VALUES ($1, $2)", m.name,
                      checksum);
      tx.commit();
    } catch (...) {
      absl::Status st = StatusFromCurrentException();
      return absl::Status(st.code(), absl::StrCat("migration ", m.name, ": ", st.message()));
    }
    log::Info("migration applied", {{"schema", schema}, {"version", m.name}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations) {
  const std::string& schema = pool.options().schema;
  if (schema.empty()) return absl::InvalidArgumentError("migrations need a pool schema");
  std::vector<Migration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration& a, const Migration& b) { return a.name < b.name; });
  if (absl::Status st = CheckNames(sorted); !st.ok()) return st;

  const std::string lock_key = "paymesh:migrate:" + schema;
  const std::string no_timeout = "SET statement_timeout = 0";
  const std::string pool_timeout =
      absl::StrCat("SET statement_timeout = ", pool.options().statement_timeout.count());
  return pool.WithConnection([&](pqxx::connection& conn) -> absl::Status {
    // Waiting for another replica's migrations (and long DDL) must not hit the pool's
    // per-statement timeout. The lock comes first: CREATE SCHEMA IF NOT EXISTS itself races.
    try {
      pqxx::nontransaction tx(conn);
      tx.exec0(no_timeout);
      tx.exec_params("SELECT pg_advisory_lock(hashtextextended($1, 0))", lock_key);
    } catch (...) {
      conn.disconnect();  // never return a connection without its statement timeout
      return StatusFromCurrentException();
    }
    absl::Status st;
    try {
      st = ApplyLocked(conn, schema, sorted);
    } catch (...) {
      st = StatusFromCurrentException();
    }
    try {
      pqxx::nontransaction tx(conn);
      tx.exec_params("SELECT pg_advisory_unlock(hashtextextended($1, 0))", lock_key);
      tx.exec0(pool_timeout);
    } catch (...) {
      // Closing the session releases the lock and drops the altered setting with it.
      conn.disconnect();
      if (st.ok()) st = StatusFromCurrentException();
    }
    if (!st.ok()) {
      log::Warn("migrations failed", {{"schema", schema}, {"error", st.ToString()}});
    }
    return st;
  });
}

}  // namespace paymesh::pg
