#include "common/http/status_map.h"

#include <gtest/gtest.h>

#include <string>

namespace paymesh::http {
namespace {

struct Row {
  absl::StatusCode code;
  int http;
  const char* name;
};

TEST(StatusMapTest, EveryCodeMapsAsDocumented) {
  const Row rows[] = {
      {absl::StatusCode::kOk, 200, "OK"},
      {absl::StatusCode::kCancelled, 499, "CANCELLED"},
      {absl::StatusCode::kUnknown, 500, "UNKNOWN"},
      {absl::StatusCode::kInvalidArgument, 400, "INVALID_ARGUMENT"},
      {absl::StatusCode::kDeadlineExceeded, 504, "DEADLINE_EXCEEDED"},
      {absl::StatusCode::kNotFound, 404, "NOT_FOUND"},
      {absl::StatusCode::kAlreadyExists, 409, "ALREADY_EXISTS"},
      {absl::StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
      {absl::StatusCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
      {absl::StatusCode::kFailedPrecondition, 409, "FAILED_PRECONDITION"},
      {absl::StatusCode::kAborted, 409, "ABORTED"},
      {absl::StatusCode::kOutOfRange, 400, "OUT_OF_RANGE"},
      {absl::StatusCode::kUnimplemented, 501, "UNIMPLEMENTED"},
      {absl::StatusCode::kInternal, 500, "INTERNAL"},
      {absl::StatusCode::kUnavailable, 503, "UNAVAILABLE"},
      {absl::StatusCode::kDataLoss, 500, "DATA_LOSS"},
      {absl::StatusCode::kUnauthenticated, 401, "UNAUTHENTICATED"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(HttpStatusFromCode(row.code), row.http) << row.name;
    EXPECT_EQ(std::string(CodeName(row.code)), row.name);
  }
}

TEST(StatusMapTest, UnexpectedCodeIsInternalServerError) {
  const auto weird = static_cast<absl::StatusCode>(999);
  EXPECT_EQ(HttpStatusFromCode(weird), 500);
  EXPECT_EQ(std::string(CodeName(weird)), "UNKNOWN");
}

}  // namespace
}  // namespace paymesh::http
