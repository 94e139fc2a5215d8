#pragma once

// gRPC status code → HTTP status, in one table, used for every REST error.

#include "absl/status/status.h"

namespace paymesh::http {

// OK 200, INVALID_ARGUMENT/OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
// NOT_FOUND 404, ALREADY_EXISTS/ABORTED/FAILED_PRECONDITION 409, RESOURCE_EXHAUSTED 429,
// CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, other 500.
int HttpStatusFromCode(absl::StatusCode code);
// "INVALID_ARGUMENT" etc., the `code` field of REST errors.
const char* CodeName(absl::StatusCode code);

}  // namespace paymesh::http
