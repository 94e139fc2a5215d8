#pragma once

// A throwaway PostgreSQL schema for one test: a pool whose search_path is a fresh schema with the
// given migrations applied, dropped with everything in it on destruction.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/pg/migrate.h"
#include "common/pg/pool.h"

namespace paymesh::testing {

class ThrowawaySchema {
 public:
  // nullptr after recording a test failure (TEST_PG_DSN missing, or the migrations failed).
  // `settings`: the pool's session settings (pg::PoolOptions::settings).
  static std::unique_ptr<ThrowawaySchema> Create(
      const std::vector<pg::Migration>& migrations, size_t pool_size = 8,
      std::vector<std::pair<std::string, std::string>> settings = {});
  ~ThrowawaySchema();
  ThrowawaySchema(const ThrowawaySchema&) = delete;
  ThrowawaySchema& operator=(const ThrowawaySchema&) = delete;

  pg::Pool& pool() { return *pool_; }
  const std::string& schema() const { return schema_; }

 private:
  ThrowawaySchema(std::string dsn, std::string schema, size_t pool_size,
                  std::vector<std::pair<std::string, std::string>> settings);

  std::string dsn_, schema_;
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace paymesh::testing
