#pragma once

// The service's schema migrations (migrations/NNNN_*.sql), compiled into auth_lib by
// paymesh_embed_migrations().

#include <vector>

#include "common/pg/migrate.h"

const std::vector<paymesh::pg::Migration>& auth_lib_migrations();
