#pragma once

// Where the real PostgreSQL and Redis started by scripts/test are. Missing settings fail the
// test that asks (never a skip): integration tests must not pass without their servers.
//
//   TEST_PG_DSN     postgresql://user:pass@127.0.0.1:port/db
//   TEST_REDIS_URL  redis://127.0.0.1:port/0

#include <string>

#include "common/redis/client.h"

namespace paymesh::testing {

// The DSN, or "" after recording a test failure.
std::string PgDsn();
// The Redis URL, or "" after recording a test failure.
std::string RedisUrl();
redis::Options RedisOptions();

// A fresh name for a throwaway schema, user, key, ...: prefix + 12 random lowercase alnum.
std::string UniqueName(const std::string& prefix);

// Drops a schema and everything in it (for throwaway test schemas).
void DropSchema(const std::string& dsn, const std::string& schema);

}  // namespace paymesh::testing
