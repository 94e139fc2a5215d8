#pragma once

// The service's schema migrations (migrations/NNNN_*.sql), compiled into order_lib by
// paymesh_embed_migrations().

#include <vector>

#include "common/pg/migrate.h"

const std::vector<paymesh::pg::Migration>& order_lib_migrations();
