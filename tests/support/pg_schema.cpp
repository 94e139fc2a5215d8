#include "tests/support/pg_schema.h"

#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace paymesh::testing {

ThrowawaySchema::ThrowawaySchema(std::string dsn, std::string schema, size_t pool_size,
                                 std::vector<std::pair<std::string, std::string>> settings)
    : dsn_(std::move(dsn)),
      schema_(std::move(schema)),
      pool_(std::make_unique<pg::Pool>(pg::PoolOptions{
          .dsn = dsn_, .schema = schema_, .size = pool_size, .settings = std::move(settings)})) {}

std::unique_ptr<ThrowawaySchema> ThrowawaySchema::Create(
    const std::vector<pg::Migration>& migrations, size_t pool_size,
    std::vector<std::pair<std::string, std::string>> settings) {
  std::string dsn = PgDsn();
  if (dsn.empty()) return nullptr;  // PgDsn() recorded the failure
  std::unique_ptr<ThrowawaySchema> db(
      new ThrowawaySchema(std::move(dsn), UniqueName("t_"), pool_size, std::move(settings)));
  if (absl::Status migrated = pg::Migrate(db->pool(), migrations); !migrated.ok()) {
    ADD_FAILURE() << "migrating " << db->schema() << ": " << migrated;
    return nullptr;
  }
  return db;
}

ThrowawaySchema::~ThrowawaySchema() {
  pool_.reset();  // close its connections before dropping what they use
  DropSchema(dsn_, schema_);
}

}  // namespace paymesh::testing
