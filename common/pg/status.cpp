// SQLSTATE and libpqxx exceptions → absl::Status. Messages carry the SQLSTATE and a fixed
// description only: server texts can quote row values (e.g. "Key (username)=(…)").

#include "absl/status/status.h"

#include <exception>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/pg/pool.h"

namespace paymesh::pg {
namespace {

// The statement text is parameterized SQL (no values), but it can be long.
std::string ShortQuery(const std::string& query) {
  constexpr size_t kMax = 200;
  std::string q = query.substr(0, kMax);
  for (char& c : q) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return query.size() > kMax ? q + "…" : q;
}

}  // namespace

absl::Status StatusFromSqlState(const std::string& sqlstate, const std::string& what) {
  const std::string msg = absl::StrCat(what.empty() ? "database error" : what, " (SQLSTATE ",
                                       sqlstate.empty() ? "unknown" : sqlstate, ")");
  if (sqlstate == "23505") return absl::AlreadyExistsError(msg);
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(msg);
  if (sqlstate == "57014") return absl::DeadlineExceededError(msg);
  if (absl::StartsWith(sqlstate, "23")) return absl::FailedPreconditionError(msg);
  if (absl::StartsWith(sqlstate, "22")) return absl::InvalidArgumentError(msg);
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P0")) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

absl::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const pqxx::sql_error& e) {
    absl::Status st = StatusFromSqlState(e.sqlstate(), "database error");
    if (st.code() == absl::StatusCode::kInternal) {
      log::Warn("unexpected database error",
                {{"sqlstate", e.sqlstate()}, {"query", ShortQuery(e.query())}});
    }
    return st;
  } catch (const pqxx::in_doubt_error&) {
    return absl::UnavailableError("commit outcome unknown");
  } catch (const pqxx::serialization_failure&) {
    return StatusFromSqlState("40001", "serialization failure");
  } catch (const pqxx::deadlock_detected&) {
    return StatusFromSqlState("40P01", "deadlock detected");
  } catch (const pqxx::transaction_rollback&) {
    return absl::AbortedError("transaction rolled back by the server");
  } catch (const pqxx::broken_connection&) {
    return absl::UnavailableError("database connection lost");
  } catch (const pqxx::unexpected_rows& e) {
    log::Warn("database client error", {{"error", std::string(e.what())}});
    return absl::InternalError("database error");
  } catch (const pqxx::conversion_error&) {
    // Its text quotes the field's value: log the kind only.
    log::Warn("database client error", {{"error", "conversion_error"}});
    return absl::InternalError("database error");
  } catch (const pqxx::range_error&) {
    log::Warn("database client error", {{"error", "range_error"}});
    return absl::InternalError("database error");
  } catch (const std::exception& e) {
    log::Warn("database client error", {{"error", std::string(e.what())}});
    return absl::InternalError("database error");
  } catch (...) {
    log::Warn("database client error", {{"error", "unknown exception"}});
    return absl::InternalError("database error");
  }
}

}  // namespace paymesh::pg
