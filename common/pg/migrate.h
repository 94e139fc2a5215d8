#pragma once

// Schema migrations: plain SQL files NNNN_name.sql, embedded into each service binary by the
// CMake function paymesh_embed_migrations() and applied at start-up and by tests.
//
// Migrate() takes a session-level advisory lock keyed on the schema name, so any number of
// replicas (or parallel tests) can run it at once: one applies, the others wait and then find
// nothing to do. It creates the schema and `<schema>.schema_migrations(version, checksum,
// applied_at)`, then applies every missing file in name order, each in its own transaction
// with search_path set to the schema. A file whose recorded checksum changed is an error
// (FAILED_PRECONDITION): applied migrations are immutable.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/pg/pool.h"

namespace paymesh::pg {

struct Migration {
  std::string name;  // "0001_init.sql"
  std::string sql;
};

absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations);

}  // namespace paymesh::pg
