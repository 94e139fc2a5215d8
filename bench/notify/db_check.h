#pragma once

// The benchmark's ground truth, read from PostgreSQL after the replay: how many of the bench's
// orders are PAID and how many `paid` audit events they carry (one each when every notification,
// duplicates included, was applied exactly once).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::bench {

struct PaidCounts {
  int64_t orders = 0;       // the bench's orders found
  int64_t paid = 0;         // of which PAID
  int64_t paid_events = 0;  // order_events rows of type `paid` for them
};

// Counts over the orders whose out_trade_no is in `out_trade_nos`, in the order service's schema
// ("orders"). UNAVAILABLE when the database cannot be reached.
absl::StatusOr<PaidCounts> CountPaid(const std::string& pg_dsn,
                                     const std::vector<std::string>& out_trade_nos);

}  // namespace paymesh::bench
