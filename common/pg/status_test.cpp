#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "common/pg/pool.h"

namespace paymesh::pg {
namespace {

using absl::StatusCode;

struct Case {
  const char* sqlstate;
  StatusCode code;
};

TEST(StatusFromSqlStateTest, MapsEachClass) {
  const Case kCases[] = {
      {"23505", StatusCode::kAlreadyExists},
      {"23503", StatusCode::kFailedPrecondition},
      {"23502", StatusCode::kFailedPrecondition},
      {"23514", StatusCode::kFailedPrecondition},
      {"22P02", StatusCode::kInvalidArgument},
      {"22003", StatusCode::kInvalidArgument},
      {"40001", StatusCode::kAborted},
      {"40P01", StatusCode::kAborted},
      {"57014", StatusCode::kDeadlineExceeded},
      {"08006", StatusCode::kUnavailable},
      {"08001", StatusCode::kUnavailable},
      {"57P01", StatusCode::kUnavailable},
      {"57P03", StatusCode::kUnavailable},
      {"42P01", StatusCode::kInternal},
      {"42601", StatusCode::kInternal},
      {"XX000", StatusCode::kInternal},
      {"", StatusCode::kInternal},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(StatusFromSqlState(c.sqlstate, "insert user").code(), c.code) << c.sqlstate;
  }
}

TEST(StatusFromSqlStateTest, MessageNamesTheSqlStateAndContext) {
  absl::Status st = StatusFromSqlState("23505", "insert user");
  EXPECT_NE(st.message().find("23505"), absl::string_view::npos) << st;
  EXPECT_NE(st.message().find("insert user"), absl::string_view::npos) << st;
}

absl::Status Translate(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (...) {
    return StatusFromCurrentException();
  }
}

TEST(StatusFromCurrentExceptionTest, TranslatesLibpqxxExceptions) {
  EXPECT_EQ(
      Translate(std::make_exception_ptr(pqxx::unique_violation(
                    "duplicate key: Key (username)=(alice) already exists", "INSERT", "23505")))
          .code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(
      Translate(std::make_exception_ptr(pqxx::sql_error("canceled", "SELECT", "57014"))).code(),
      StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Translate(std::make_exception_ptr(pqxx::serialization_failure("x"))).code(),
            StatusCode::kAborted);
  EXPECT_EQ(Translate(std::make_exception_ptr(pqxx::deadlock_detected("x"))).code(),
            StatusCode::kAborted);
  EXPECT_EQ(Translate(std::make_exception_ptr(pqxx::broken_connection("x"))).code(),
            StatusCode::kUnavailable);
  absl::Status doubt = Translate(std::make_exception_ptr(pqxx::in_doubt_error("x")));
  EXPECT_EQ(doubt.code(), StatusCode::kUnavailable);
  EXPECT_EQ(doubt.message(), "commit outcome unknown");
  EXPECT_EQ(Translate(std::make_exception_ptr(std::runtime_error("boom"))).code(),
            StatusCode::kInternal);
  EXPECT_EQ(Translate(std::make_exception_ptr(42)).code(), StatusCode::kInternal);
}

TEST(StatusFromCurrentExceptionTest, NeverEchoesTheServerText) {
  absl::Status st = Translate(std::make_exception_ptr(pqxx::unique_violation(
      "Key (username)=(alice) already exists", "INSERT INTO users", "23505")));
  EXPECT_EQ(st.message().find("alice"), absl::string_view::npos) << st;
  st = Translate(std::make_exception_ptr(pqxx::conversion_error("cannot convert 'secret'")));
  EXPECT_EQ(st.message().find("secret"), absl::string_view::npos) << st;
}

}  // namespace
}  // namespace paymesh::pg
