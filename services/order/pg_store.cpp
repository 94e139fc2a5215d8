#include "services/order/pg_store.h"

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "common/error/status_macros.h"

namespace paymesh::order {
namespace {

constexpr char kProductColumns[] = "sku, name, price_fen, currency, active";

// Times leave the database as integer microseconds since the epoch (extract() is numeric,
// so this is exact) and come back through the same unit.
constexpr char kOrderColumns[] =
    "id::text, user_id, out_trade_no, state, total_fen, currency, "
    "(extract(epoch FROM created_at) * 1000000)::bigint, "
    "(extract(epoch FROM updated_at) * 1000000)::bigint, coalesce(request_hash, '')";

// A PostgreSQL array literal of quoted elements, passed as one text parameter.
std::string ArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Product ProductFromRow(const pqxx::row& r) {
  return Product{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>(),
                 r[3].as<std::string>(), r[4].as<bool>()};
}

Timestamp MicrosToTime(const pqxx::field& f) {
  return Timestamp(std::chrono::microseconds(f.as<int64_t>()));
}

absl::StatusOr<StoredOrder> OrderFromRow(const pqxx::row& r) {
  std::optional<OrderState> state = ParseState(r[3].as<std::string>());
  if (!state.has_value()) return absl::InternalError("order row has an unknown state");
  StoredOrder s;
  s.order.id = r[0].as<std::string>();
  s.order.user_id = r[1].as<std::string>();
  s.order.out_trade_no = r[2].as<std::string>();
  s.order.state = *state;
  s.order.total_fen = r[4].as<int64_t>();
  s.order.currency = r[5].as<std::string>();
  s.order.created_at = MicrosToTime(r[6]);
  s.order.updated_at = MicrosToTime(r[7]);
  s.request_hash = r[8].as<std::string>();
  return s;
}

// Reads the order rows of `result` and attaches their items.
absl::StatusOr<std::vector<StoredOrder>> LoadOrders(pqxx::work& tx, const pqxx::result& result) {
  std::vector<StoredOrder> orders;
  std::vector<std::string> ids;
  std::map<std::string, size_t> index;
  for (const pqxx::row& r : result) {
    ASSIGN_OR_RETURN(StoredOrder s, OrderFromRow(r));
    index[s.order.id] = orders.size();
    ids.push_back(s.order.id);
    orders.push_back(std::move(s));
  }
  if (orders.empty()) return orders;
  pqxx::result items = tx.exec_params(
      "SELECT order_id::text, sku, name, quantity, unit_price_fen, line_total_fen "
      "FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no",
      ArrayLiteral(ids));
  for (const pqxx::row& r : items) {
    orders[index.at(r[0].as<std::string>())].order.items.push_back(
        OrderItem{r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int32_t>(),
                  r[4].as<int64_t>(), r[5].as<int64_t>()});
  }
  return orders;
}

absl::StatusOr<std::optional<StoredOrder>> FindByKey(pqxx::work& tx, const std::string& user_id,
                                                     const std::string& key) {
  pqxx::result r = tx.exec_params(std::string("SELECT ") + kOrderColumns +
                                      " FROM orders WHERE user_id = $1 AND idempotency_key = $2",
                                  user_id, key);
  ASSIGN_OR_RETURN(std::vector<StoredOrder> orders, LoadOrders(tx, r));
  if (orders.empty()) return std::nullopt;
  return std::move(orders.front());
}

}  // namespace

absl::StatusOr<std::vector<Product>> PgOrderStore::ListActiveProducts() {
  return pool_.Transact<std::vector<Product>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Product>> {
        std::vector<Product> out;
        for (const pqxx::row& r : tx.exec(std::string("SELECT ") + kProductColumns +
                                          " FROM products WHERE active ORDER BY sku")) {
          out.push_back(ProductFromRow(r));
        }
        return out;
      });
}

absl::StatusOr<std::vector<Product>> PgOrderStore::FindProducts(
    const std::vector<std::string>& skus) {
  return pool_.Transact<std::vector<Product>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Product>> {
        std::vector<Product> out;
        for (const pqxx::row& r : tx.exec_params(std::string("SELECT ") + kProductColumns +
                                                     " FROM products WHERE sku = ANY($1::text[])",
                                                 ArrayLiteral(skus))) {
          out.push_back(ProductFromRow(r));
        }
        return out;
      });
}

absl::StatusOr<InsertResult> PgOrderStore::InsertOrder(const NewOrder& order) {
  return pool_.Transact<InsertResult>([&](pqxx::work& tx) -> absl::StatusOr<InsertResult> {
    pqxx::result inserted;
    try {
      // Concurrent requests with one key: the losers wait for the winner's commit, insert
      // nothing, and read the winner's order below.
      inserted = tx.exec_params(
          "INSERT INTO orders (user_id, out_trade_no, state, total_fen, currency, "
          "idempotency_key, request_hash) "
          "VALUES ($1, $2, 'CREATED', $3, $4, NULLIF($5, ''), NULLIF($6, '')) "
          "ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id::text",
          order.user_id, order.out_trade_no, order.total_fen, order.currency, order.idempotency_key,
          order.request_hash);
    } catch (const pqxx::unique_violation&) {
      // Not the idempotency key (that conflict is absorbed above): the out_trade_no is taken.
      return absl::AbortedError("out_trade_no collision");
    }
    if (inserted.empty()) {
      ASSIGN_OR_RETURN(std::optional<StoredOrder> winner,
                       FindByKey(tx, order.user_id, order.idempotency_key));
      if (!winner.has_value()) return absl::AbortedError("idempotency key race, retry");
      return InsertResult{std::move(*winner), false};
    }
    const std::string id = inserted[0][0].as<std::string>();
    for (size_t i = 0; i < order.items.size(); ++i) {
      const OrderItem& item = order.items[i];
      tx.exec_params0(
          "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_fen, "
          "line_total_fen) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)",
          id, static_cast<int>(i + 1), item.sku, item.name, item.quantity, item.unit_price_fen,
          item.line_total_fen);
    }
    tx.exec_params0(
        "INSERT INTO order_events (order_id, event_type, from_state, to_state, detail) "
        "VALUES ($1::uuid, 'created', NULL, 'CREATED', "
        "jsonb_build_object('total_fen', $2::bigint, 'lines', $3::int))",
        id, order.total_fen, static_cast<int>(order.items.size()));
    pqxx::result r = tx.exec_params(
        std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = $1::uuid", id);
    ASSIGN_OR_RETURN(std::vector<StoredOrder> orders, LoadOrders(tx, r));
    if (orders.empty()) return absl::InternalError("inserted order vanished");
    return InsertResult{std::move(orders.front()), true};
  });
}

absl::StatusOr<std::optional<StoredOrder>> PgOrderStore::FindByIdempotencyKey(
    const std::string& user_id, const std::string& idempotency_key) {
  return pool_.Transact<std::optional<StoredOrder>>(
      [&](pqxx::work& tx) { return FindByKey(tx, user_id, idempotency_key); });
}

absl::StatusOr<Order> PgOrderStore::GetOrder(const std::string& user_id,
                                             const std::string& order_id) {
  return pool_.Transact<Order>([&](pqxx::work& tx) -> absl::StatusOr<Order> {
    pqxx::result r = tx.exec_params(std::string("SELECT ") + kOrderColumns +
                                        " FROM orders WHERE id = $1::uuid AND user_id = $2",
                                    order_id, user_id);
    ASSIGN_OR_RETURN(std::vector<StoredOrder> orders, LoadOrders(tx, r));
    if (orders.empty()) return absl::NotFoundError("order not found");
    return std::move(orders.front().order);
  });
}

absl::StatusOr<std::vector<Order>> PgOrderStore::ListOrders(const std::string& user_id,
                                                            const std::optional<PageKey>& after,
                                                            int limit) {
  return pool_.Transact<std::vector<Order>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Order>> {
        const std::string select = std::string("SELECT ") + kOrderColumns + " FROM orders ";
        const std::string order_by = " ORDER BY created_at DESC, id DESC LIMIT ";
        pqxx::result r =
            after.has_value()
                ? tx.exec_params(
                      select +
                          "WHERE user_id = $1 AND (created_at, id) < "
                          "('epoch'::timestamptz + $2::bigint * interval '1 microsecond',"
                          " $3::uuid)" +
                          order_by + "$4",
                      user_id, after->created_at.time_since_epoch().count(), after->id, limit)
                : tx.exec_params(select + "WHERE user_id = $1" + order_by + "$2", user_id, limit);
        ASSIGN_OR_RETURN(std::vector<StoredOrder> stored, LoadOrders(tx, r));
        std::vector<Order> out;
        for (StoredOrder& s : stored) out.push_back(std::move(s.order));
        return out;
      });
}

}  // namespace paymesh::order
