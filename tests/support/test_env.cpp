#include "tests/support/test_env.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <pqxx/pqxx>

#include "common/crypto/crypto.h"

namespace paymesh::testing {
namespace {

std::string Required(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run the tests through scripts/test, which starts "
                  << "PostgreSQL and Redis";
    return "";
  }
  return v;
}

}  // namespace

std::string PgDsn() { return Required("TEST_PG_DSN"); }
std::string RedisUrl() { return Required("TEST_REDIS_URL"); }

redis::Options RedisOptions() {
  auto opts = redis::ParseUrl(RedisUrl());
  if (!opts.ok()) {
    ADD_FAILURE() << "TEST_REDIS_URL: " << opts.status();
    return {};
  }
  return *opts;
}

std::string UniqueName(const std::string& prefix) {
  std::string s = crypto::RandomAlnum(12);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return prefix + s;
}

void DropSchema(const std::string& dsn, const std::string& schema) {
  try {
    pqxx::connection c(dsn);
    pqxx::work tx(c);
    tx.exec0("DROP SCHEMA IF EXISTS " + tx.quote_name(schema) + " CASCADE");
    tx.commit();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping schema " << schema << ": " << e.what();
  }
}

}  // namespace paymesh::testing
