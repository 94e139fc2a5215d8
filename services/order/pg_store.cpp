#include "services/order/pg_store.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/error/status_macros.h"
#include "common/pg/array.h"

namespace paymesh::order {
namespace {

constexpr char kProductColumns[] = "sku, name, price_fen, currency, active";

// Times leave the database as integer microseconds since the epoch (extract() is numeric,
// so this is exact) and come back through the same unit.
constexpr char kOrderColumns[] =
    "id::text, user_id, out_trade_no, state, total_fen, currency, "
    "(extract(epoch FROM created_at) * 1000000)::bigint, "
    "(extract(epoch FROM updated_at) * 1000000)::bigint, coalesce(request_hash, ''), "
    "prepay_channel, coalesce(prepay_code_url, ''), coalesce(prepay_id, ''), "
    "coalesce(prepay_h5_url, ''), (extract(epoch FROM prepay_expires_at) * 1000000)::bigint, "
    "coalesce(transaction_id, ''), (extract(epoch FROM paid_at) * 1000000)::bigint, "
    "late_payment, flagged, coalesce(flag_reason, '')";

Product ProductFromRow(const pqxx::row& r) {
  return Product{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>(),
                 r[3].as<std::string>(), r[4].as<bool>()};
}

Timestamp MicrosToTime(const pqxx::field& f) {
  return Timestamp(std::chrono::microseconds(f.as<int64_t>()));
}

std::optional<Timestamp> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return MicrosToTime(f);
}

std::optional<int64_t> OptionalMicros(const std::optional<Timestamp>& t) {
  if (!t.has_value()) return std::nullopt;
  return t->time_since_epoch().count();
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
  if (!r[9].is_null()) {
    s.order.prepay = Prepay{r[9].as<std::string>(), r[10].as<std::string>(),
                            r[11].as<std::string>(), r[12].as<std::string>(), OptionalTime(r[13])};
  }
  s.order.transaction_id = r[14].as<std::string>();
  s.order.paid_at = OptionalTime(r[15]);
  s.order.late_payment = r[16].as<bool>();
  s.order.flagged = r[17].as<bool>();
  s.order.flag_reason = r[18].as<std::string>();
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
      pg::TextArrayLiteral(ids));
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

// The one order `where` selects (with `param` as $1), or nullopt. `where` may end in FOR UPDATE.
absl::StatusOr<std::optional<Order>> SelectOrder(pqxx::work& tx, const std::string& where,
                                                 const std::string& param) {
  pqxx::result r =
      tx.exec_params(std::string("SELECT ") + kOrderColumns + " FROM orders " + where, param);
  ASSIGN_OR_RETURN(std::vector<StoredOrder> orders, LoadOrders(tx, r));
  if (orders.empty()) return std::nullopt;
  return std::move(orders.front().order);
}

absl::StatusOr<Order> SelectExisting(pqxx::work& tx, const std::string& where,
                                     const std::string& param) {
  ASSIGN_OR_RETURN(std::optional<Order> order, SelectOrder(tx, where, param));
  if (!order.has_value()) return absl::NotFoundError("order not found");
  return std::move(*order);
}

// Named statements of the payment side. Timestamps travel as nullable bigint microseconds since
// the epoch ('epoch' + $n µs turns one back), like the columns read by kOrderColumns.

// $1 id, $2 state, $3 replace the prepay?, $4-$8 the prepay, $9 transaction_id (or ''),
// $10 paid_at, $11 set late_payment?, $12 flag reason (or '').
constexpr char kUpdateOrder[] =
    "UPDATE orders SET state = $2, updated_at = now(), "
    "prepay_channel = CASE WHEN $3::boolean THEN $4 ELSE prepay_channel END, "
    "prepay_code_url = CASE WHEN $3::boolean THEN NULLIF($5, '') ELSE prepay_code_url END, "
    "prepay_id = CASE WHEN $3::boolean THEN NULLIF($6, '') ELSE prepay_id END, "
    "prepay_h5_url = CASE WHEN $3::boolean THEN NULLIF($7, '') ELSE prepay_h5_url END, "
    "prepay_expires_at = CASE WHEN $3::boolean "
    "  THEN 'epoch'::timestamptz + $8::bigint * interval '1 microsecond' "
    "  ELSE prepay_expires_at END, "
    "transaction_id = coalesce(NULLIF($9, ''), transaction_id), "
    "paid_at = coalesce('epoch'::timestamptz + $10::bigint * interval '1 microsecond', paid_at), "
    "late_payment = late_payment OR $11::boolean, "
    "flagged = flagged OR $12 <> '', "
    "flag_reason = coalesce(NULLIF($12, ''), flag_reason) "
    "WHERE id = $1::uuid";

// The detail leaves out what is unset; expires_at is written as RFC 3339 UTC.
constexpr char kInsertEvent[] =
    "INSERT INTO order_events (order_id, event_type, from_state, to_state, detail) "
    "VALUES ($1::uuid, $2, $3, $4, jsonb_strip_nulls(jsonb_build_object("
    "'transaction_id', NULLIF($5, ''), 'notification_id', NULLIF($6, ''), "
    "'source', NULLIF($7, ''), 'channel', NULLIF($8, ''), "
    "'expires_at', to_char(('epoch'::timestamptz + $9::bigint * interval '1 microsecond') "
    "  AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "'reported_fen', $10::bigint, 'expected_fen', $11::bigint, "
    "'reason', NULLIF($12, ''))))";

// The payer's openid stays out of the inbox copy of a report: it lives only in payments.
constexpr char kInsertInbox[] =
    "INSERT INTO notification_inbox (notification_id, source, event_type, out_trade_no, "
    "transaction_id, outcome, report) "
    "VALUES ($1, $2, $3, $4, NULLIF($5, ''), 'RECEIVED', jsonb_build_object("
    "'appid', $6::text, 'mchid', $7::text, 'out_trade_no', $4::text, "
    "'transaction_id', $5::text, 'trade_type', $8::text, 'trade_state', $9::text, "
    "'success_time', $10::text, 'amount_total', $11::bigint, 'payer_total', $12::bigint, "
    "'currency', $13::text)) "
    "ON CONFLICT (notification_id) DO NOTHING RETURNING 1";

constexpr char kInsertPayment[] =
    "INSERT INTO payments (transaction_id, order_id, out_trade_no, trade_state, amount_total, "
    "payer_total, currency, success_time, payer_openid, source) "
    "VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, "
    "'epoch'::timestamptz + $8::bigint * interval '1 microsecond', NULLIF($9, ''), $10) "
    "ON CONFLICT (transaction_id) DO NOTHING RETURNING 1";

// Writes `change` to the locked `order` and its audit event.
void WriteChange(pqxx::work& tx, const Order& order, const OrderChange& change) {
  const Prepay prepay = change.prepay.value_or(Prepay{});
  const std::optional<Timestamp> paid_at =
      change.transaction_id.empty() ? std::nullopt : std::optional<Timestamp>(change.paid_at);
  tx.exec_params0(kUpdateOrder, order.id, std::string(StateName(change.to_state)),
                  change.prepay.has_value(), prepay.channel, prepay.code_url, prepay.prepay_id,
                  prepay.h5_url, OptionalMicros(prepay.expires_at), change.transaction_id,
                  OptionalMicros(paid_at), change.late_payment, change.flag_reason);
  const EventDetail& d = change.detail;
  tx.exec_params0(kInsertEvent, order.id, change.event_type, std::string(StateName(order.state)),
                  std::string(StateName(change.to_state)), d.transaction_id, d.notification_id,
                  d.source, d.channel, OptionalMicros(d.expires_at), d.reported_fen, d.expected_fen,
                  change.flag_reason);
}

// Inserts the notification's inbox row; false when its id was already there.
bool InsertInbox(pqxx::work& tx, const PaymentNotice& n) {
  const PaymentReport& r = n.report;
  return !tx.exec_params(kInsertInbox, n.notification_id, n.source, n.event_type, r.out_trade_no,
                         r.transaction_id, r.appid, r.mchid, r.trade_type, r.trade_state,
                         r.success_time, r.amount_total, r.payer_total, r.currency)
              .empty();
}

void SetOutcome(pqxx::work& tx, const PaymentNotice& n, PaymentOutcome outcome) {
  tx.exec_params0("UPDATE notification_inbox SET outcome = $2 WHERE notification_id = $1",
                  n.notification_id, std::string(OutcomeName(outcome)));
}

// Inserts the payment (for `order_id`, or none); false when the transaction was already known.
bool InsertPayment(pqxx::work& tx, const PaymentNotice& n,
                   const std::optional<std::string>& order_id) {
  const PaymentReport& r = n.report;
  return !tx.exec_params(kInsertPayment, r.transaction_id, order_id, r.out_trade_no, r.trade_state,
                         r.amount_total, r.payer_total, r.currency, OptionalMicros(n.success_at),
                         r.payer_openid, n.source)
              .empty();
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
                                                 pg::TextArrayLiteral(skus))) {
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

absl::StatusOr<Order> PgOrderStore::GetOrderById(const std::string& order_id) {
  return pool_.Transact<Order>(
      [&](pqxx::work& tx) { return SelectExisting(tx, "WHERE id = $1::uuid", order_id); });
}

absl::StatusOr<Order> PgOrderStore::GetOrderByOutTradeNo(const std::string& out_trade_no) {
  return pool_.Transact<Order>(
      [&](pqxx::work& tx) { return SelectExisting(tx, "WHERE out_trade_no = $1", out_trade_no); });
}

absl::StatusOr<Order> PgOrderStore::UpdateOrder(const std::string& order_id,
                                                const OrderDecider& decide) {
  return pool_.Transact<Order>([&](pqxx::work& tx) -> absl::StatusOr<Order> {
    ASSIGN_OR_RETURN(Order locked, SelectExisting(tx, "WHERE id = $1::uuid FOR UPDATE", order_id));
    ASSIGN_OR_RETURN(OrderChange change, decide(locked));
    if (change.event_type.empty()) return locked;
    WriteChange(tx, locked, change);
    return SelectExisting(tx, "WHERE id = $1::uuid", order_id);
  });
}

absl::StatusOr<PaymentResult> PgOrderStore::ApplyPayment(const PaymentNotice& notice,
                                                         const PaymentDecider& decide) {
  const std::string& out_trade_no = notice.report.out_trade_no;
  return pool_.Transact<PaymentResult>([&](pqxx::work& tx) -> absl::StatusOr<PaymentResult> {
    // Concurrent deliveries of one notification wait here for the first to commit.
    if (!InsertInbox(tx, notice)) {
      ASSIGN_OR_RETURN(std::optional<Order> current,
                       SelectOrder(tx, "WHERE out_trade_no = $1", out_trade_no));
      return PaymentResult{PaymentOutcome::kDuplicate, std::move(current)};
    }
    if (!notice.applicable) {
      SetOutcome(tx, notice, PaymentOutcome::kIgnored);
      ASSIGN_OR_RETURN(std::optional<Order> current,
                       SelectOrder(tx, "WHERE out_trade_no = $1", out_trade_no));
      return PaymentResult{PaymentOutcome::kIgnored, std::move(current)};
    }
    // Reports of one order, under any notification id, queue up on this row lock.
    ASSIGN_OR_RETURN(std::optional<Order> locked,
                     SelectOrder(tx, "WHERE out_trade_no = $1 FOR UPDATE", out_trade_no));
    if (!locked.has_value()) {
      // Money WeChat says it took for an order we do not know: kept for reconciliation.
      InsertPayment(tx, notice, std::nullopt);
      SetOutcome(tx, notice, PaymentOutcome::kUnknownOrder);
      return PaymentResult{PaymentOutcome::kUnknownOrder, std::nullopt};
    }
    if (!InsertPayment(tx, notice, locked->id)) {
      SetOutcome(tx, notice, PaymentOutcome::kDuplicate);
      return PaymentResult{PaymentOutcome::kDuplicate, std::move(*locked)};
    }
    PaymentDecision decision = decide(*locked);
    SetOutcome(tx, notice, decision.outcome);
    if (decision.change.event_type.empty()) {
      return PaymentResult{decision.outcome, std::move(*locked)};
    }
    WriteChange(tx, *locked, decision.change);
    ASSIGN_OR_RETURN(Order updated, SelectExisting(tx, "WHERE id = $1::uuid", locked->id));
    return PaymentResult{decision.outcome, std::move(updated)};
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
