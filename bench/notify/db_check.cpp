#include "bench/notify/db_check.h"

#include "common/pg/array.h"
#include "common/pg/pool.h"

namespace paymesh::bench {

absl::StatusOr<PaidCounts> CountPaid(const std::string& pg_dsn,
                                     const std::vector<std::string>& out_trade_nos) {
  pg::Pool pool({.dsn = pg_dsn, .schema = "orders", .size = 1});
  const std::string numbers = pg::TextArrayLiteral(out_trade_nos);
  return pool.Transact<PaidCounts>([&](pqxx::work& tx) -> absl::StatusOr<PaidCounts> {
    const pqxx::row orders = tx.exec_params1(
        "SELECT count(*), count(*) FILTER (WHERE state = 'PAID') FROM orders "
        "WHERE out_trade_no = ANY($1::text[])",
        numbers);
    const pqxx::row events = tx.exec_params1(
        "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id "
        "WHERE o.out_trade_no = ANY($1::text[]) AND e.event_type = 'paid'",
        numbers);
    return PaidCounts{orders[0].as<int64_t>(), orders[1].as<int64_t>(), events[0].as<int64_t>()};
  });
}

}  // namespace paymesh::bench
