#include "services/order/pg_store.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/error/status_macros.h"
#include "common/pg/array.h"

namespace paymesh::order {
namespace {

// Every statement is named and prepared once per connection (pg::Pool::Prepare). Times leave
// the database as integer microseconds since the epoch (extract() is numeric, so this is exact)
// and come back through the same unit ('epoch' + $n µs).
constexpr char kSelectProducts[] = "SELECT sku, name, price_fen, currency, active FROM products ";
constexpr char kSelectOrders[] =
    "SELECT id::text, user_id, out_trade_no, state, total_fen, currency, "
    "(extract(epoch FROM created_at) * 1000000)::bigint, "
    "(extract(epoch FROM updated_at) * 1000000)::bigint, coalesce(request_hash, ''), "
    "prepay_channel, coalesce(prepay_code_url, ''), coalesce(prepay_id, ''), "
    "coalesce(prepay_h5_url, ''), (extract(epoch FROM prepay_expires_at) * 1000000)::bigint, "
    "coalesce(transaction_id, ''), (extract(epoch FROM paid_at) * 1000000)::bigint, "
    "late_payment, flagged, coalesce(flag_reason, ''), "
    "(extract(epoch FROM expires_at) * 1000000)::bigint, payment_attempt FROM orders ";

constexpr char kActiveProducts[] = "order_active_products";
constexpr char kProductsBySku[] = "order_products_by_sku";
constexpr char kInsertOrder[] = "order_insert";
constexpr char kInsertItem[] = "order_insert_item";
constexpr char kInsertCreatedEvent[] = "order_insert_created_event";
constexpr char kOrderByKey[] = "order_by_idempotency_key";
constexpr char kOrderById[] = "order_by_id";
constexpr char kOrderByIdForUpdate[] = "order_by_id_for_update";
constexpr char kOrderOfUser[] = "order_of_user";
constexpr char kOrderByOutTradeNo[] = "order_by_out_trade_no";
constexpr char kOrdersFirstPage[] = "order_first_page";
constexpr char kOrdersNextPage[] = "order_next_page";
constexpr char kItemsOfOrders[] = "order_items_of";
constexpr char kUpdateOrder[] = "order_update";
constexpr char kInsertEvent[] = "order_insert_event";
constexpr char kApplyPayments[] = "order_apply_payments";
constexpr char kRecordRejected[] = "order_record_rejected_report";
constexpr char kExpiredOrders[] = "order_expired_orders";
constexpr char kRefundsOfOrder[] = "order_refunds_of_order";
constexpr char kInsertRefund[] = "order_insert_refund";
constexpr char kUpdateRefund[] = "order_update_refund";
constexpr char kProcessingRefunds[] = "order_processing_refunds";
constexpr char kPayingOrders[] = "order_paying_orders";
constexpr char kUnmatchedRefund[] = "order_unmatched_refund";
constexpr char kEventsOfOrder[] = "order_events_of_order";

std::vector<pg::PreparedStatement> Statements() {
  const std::string products(kSelectProducts), orders(kSelectOrders);
  return {
      {kActiveProducts, products + "WHERE active ORDER BY sku"},
      {kProductsBySku, products + "WHERE sku = ANY($1::text[])"},
      // Concurrent requests with one key: the losers wait for the winner's commit, insert
      // nothing, and read the winner's order.
      {kInsertOrder,
       "INSERT INTO orders (user_id, out_trade_no, state, total_fen, currency, idempotency_key, "
       "request_hash, expires_at) VALUES ($1, $2, 'CREATED', $3, $4, NULLIF($5, ''), "
       "NULLIF($6, ''), 'epoch'::timestamptz + $7::bigint * interval '1 microsecond') "
       "ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id::text"},
      {kInsertItem,
       "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_fen, "
       "line_total_fen) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)"},
      {kInsertCreatedEvent,
       "INSERT INTO order_events (order_id, event_type, from_state, to_state, detail) "
       "VALUES ($1::uuid, 'created', NULL, 'CREATED', "
       "jsonb_build_object('total_fen', $2::bigint, 'lines', $3::int))"},
      {kOrderByKey, orders + "WHERE user_id = $1 AND idempotency_key = $2"},
      {kOrderById, orders + "WHERE id = $1::uuid"},
      {kOrderByIdForUpdate, orders + "WHERE id = $1::uuid FOR UPDATE"},
      {kOrderOfUser, orders + "WHERE id = $1::uuid AND user_id = $2"},
      // Any attempt's out_trade_no finds the order (types.h, BaseOutTradeNo).
      {kOrderByOutTradeNo, orders + "WHERE out_trade_no = split_part($1, '_', 1)"},
      {kOrdersFirstPage, orders + "WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"},
      {kOrdersNextPage,
       orders + "WHERE user_id = $1 AND (created_at, id) < "
                "('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid) "
                "ORDER BY created_at DESC, id DESC LIMIT $4"},
      {kItemsOfOrders,
       "SELECT order_id::text, sku, name, quantity, unit_price_fen, line_total_fen "
       "FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no"},
      // $1 id, $2 state, $3 replace the prepay?, $4-$8 the prepay, $9 transaction_id (or ''),
      // $10 paid_at, $11 set late_payment?, $12 flag reason (or '').
      {kUpdateOrder,
       "UPDATE orders SET state = $2, updated_at = now(), "
       "prepay_channel = CASE WHEN $3::boolean THEN $4 ELSE prepay_channel END, "
       "prepay_code_url = CASE WHEN $3::boolean THEN NULLIF($5, '') ELSE prepay_code_url END, "
       "prepay_id = CASE WHEN $3::boolean THEN NULLIF($6, '') ELSE prepay_id END, "
       "prepay_h5_url = CASE WHEN $3::boolean THEN NULLIF($7, '') ELSE prepay_h5_url END, "
       "prepay_expires_at = CASE WHEN $3::boolean "
       "  THEN 'epoch'::timestamptz + $8::bigint * interval '1 microsecond' "
       "  ELSE prepay_expires_at END, "
       "payment_attempt = CASE WHEN $3::boolean THEN $13::int ELSE payment_attempt END, "
       "transaction_id = coalesce(NULLIF($9, ''), transaction_id), "
       "paid_at = coalesce('epoch'::timestamptz + $10::bigint * interval '1 microsecond', "
       "paid_at), "
       "late_payment = late_payment OR $11::boolean, "
       "flagged = flagged OR $12 <> '', "
       "flag_reason = CASE WHEN $12 = '' THEN flag_reason "
       "  WHEN coalesce(flag_reason, '') = '' THEN $12 ELSE flag_reason || '; ' || $12 END "
       "WHERE id = $1::uuid"},
      // The detail leaves out what is unset; expires_at is written as RFC 3339 UTC.
      {kInsertEvent,
       "INSERT INTO order_events (order_id, event_type, from_state, to_state, detail) "
       "VALUES ($1::uuid, $2, $3, $4, jsonb_strip_nulls(jsonb_build_object("
       "'transaction_id', NULLIF($5, ''), 'notification_id', NULLIF($6, ''), "
       "'source', $7::text, 'channel', $8::text, "
       "'expires_at', to_char(('epoch'::timestamptz + $9::bigint * interval '1 microsecond') "
       "  AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
       "'reported_fen', $10::bigint, 'expected_fen', $11::bigint, "
       "'reason', NULLIF($12, ''), 'attempt', $13::int, 'out_refund_no', NULLIF($14, ''), "
       "'refund_fen', $15::bigint)))"},
      {kRefundsOfOrder,
       "SELECT id::text, order_id::text, out_refund_no, amount_fen, reason, status, "
       "coalesce(refund_id, ''), requested_by, coalesce(idempotency_key, ''), "
       "coalesce(request_hash, ''), (extract(epoch FROM created_at) * 1000000)::bigint, "
       "(extract(epoch FROM updated_at) * 1000000)::bigint FROM refunds "
       "WHERE order_id = $1::uuid ORDER BY created_at, id"},
      {kEventsOfOrder,
       "SELECT event_type, from_state, to_state, "
       "(extract(epoch FROM created_at) * 1000000)::bigint, coalesce(detail->>'channel', ''), "
       "coalesce(detail->>'reason', ''), (detail->>'refund_fen')::bigint, "
       "coalesce(detail->>'out_refund_no', '') "
       "FROM order_events WHERE order_id = $1::uuid ORDER BY id LIMIT $2"},
      {kUnmatchedRefund,
       "INSERT INTO unmatched_refund_reports AS u (out_refund_no, out_trade_no, refund_id, status, "
       "amount_fen) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (out_refund_no) DO UPDATE SET "
       "status = CASE WHEN u.status IN ('SUCCESS', 'CLOSED') THEN u.status "
       "WHEN u.status = 'ABNORMAL' AND EXCLUDED.status = 'PROCESSING' THEN u.status "
       "ELSE EXCLUDED.status END, "
       "amount_conflict = u.amount_conflict OR EXCLUDED.amount_fen <> u.amount_fen, "
       "refund_id = coalesce(nullif(EXCLUDED.refund_id, ''), u.refund_id), "
       "reports = u.reports + 1, last_seen_at = now()"},
      {kInsertRefund,
       "INSERT INTO refunds (order_id, out_refund_no, amount_fen, reason, status, refund_id, "
       "requested_by, idempotency_key, request_hash) VALUES ($1::uuid, $2, $3, $4, $5, "
       "NULLIF($6, ''), $7, NULLIF($8, ''), NULLIF($9, ''))"},
      // The settling job's refunds: the refund's columns as kRefundsOfOrder, then the order's.
      {kProcessingRefunds,
       "SELECT r.id::text, r.order_id::text, r.out_refund_no, r.amount_fen, r.reason, r.status, "
       "coalesce(r.refund_id, ''), r.requested_by, coalesce(r.idempotency_key, ''), "
       "coalesce(r.request_hash, ''), (extract(epoch FROM r.created_at) * 1000000)::bigint, "
       "(extract(epoch FROM r.updated_at) * 1000000)::bigint, o.out_trade_no, o.payment_attempt, "
       "coalesce(o.transaction_id, ''), o.total_fen FROM refunds r JOIN orders o ON o.id = "
       "r.order_id WHERE r.status = 'PROCESSING' AND r.updated_at <= 'epoch'::timestamptz + "
       "$1::bigint * interval '1 microsecond' ORDER BY r.updated_at, r.id LIMIT $2"},
      {kUpdateRefund,
       "UPDATE refunds SET status = $3, refund_id = coalesce(NULLIF($4, ''), refund_id), "
       "updated_at = now() WHERE order_id = $1::uuid AND out_refund_no = $2"},
      // migrations/0004_apply_payments.sql: the whole apply of a batch in one call.
      {kApplyPayments,
       "SELECT r_idx, r_outcome, r_order_id::text, r_state, coalesce(r_flagged, false), "
       "coalesce(r_flag_reason, '') FROM apply_payments($1::text[], $2::text[], $3::text[], "
       "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], "
       "$11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::bigint)"},
      // Open orders past their expiry, and orders waiting for a payment: the settling jobs.
      // $3/$4: the page goes on after this (time, id), when $3 is set.
      {kExpiredOrders,
       orders +
           "WHERE state IN ('CREATED', 'PAYING', 'PAY_FAILED') AND NOT flagged AND expires_at <= "
           "'epoch'::timestamptz + $1::bigint * interval '1 microsecond' AND ($3::bigint IS NULL "
           "OR (expires_at, id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', "
           "NULLIF($4, '')::uuid)) ORDER BY expires_at, id LIMIT $2"},
      {kPayingOrders,
       orders +
           "WHERE state = 'PAYING' AND NOT flagged AND updated_at <= "
           "'epoch'::timestamptz + $1::bigint * interval '1 microsecond' AND ($3::bigint IS NULL "
           "OR (updated_at, id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', "
           "NULLIF($4, '')::uuid)) ORDER BY updated_at, id LIMIT $2"},
      {kRecordRejected,
       "INSERT INTO notification_inbox (notification_id, source, event_type, out_trade_no, "
       "transaction_id, outcome, report, reject_reason) VALUES ($1, $2, $3, $4, NULLIF($5, ''), "
       "'REJECTED', '{}'::jsonb, $6) ON CONFLICT (notification_id) DO NOTHING RETURNING 1"},
  };
}

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

template <typename Enum>
std::optional<std::string> OptionalName(const std::optional<Enum>& value,
                                        std::string_view (*name)(Enum)) {
  if (!value.has_value()) return std::nullopt;
  return std::string(name(*value));
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
  s.order.payment_attempt = r[20].as<int>();
  if (!r[9].is_null()) {
    std::optional<Channel> channel = ParseChannel(r[9].as<std::string>());
    if (!channel.has_value()) return absl::InternalError("order row has an unknown channel");
    s.order.prepay = Prepay{*channel,
                            r[10].as<std::string>(),
                            r[11].as<std::string>(),
                            r[12].as<std::string>(),
                            OptionalTime(r[13]),
                            s.order.payment_attempt};
  }
  s.order.transaction_id = r[14].as<std::string>();
  s.order.paid_at = OptionalTime(r[15]);
  s.order.late_payment = r[16].as<bool>();
  s.order.flagged = r[17].as<bool>();
  s.order.flag_reason = r[18].as<std::string>();
  s.order.expires_at = MicrosToTime(r[19]);
  return s;
}

// Reads the order rows of `result` and attaches their items (written with the order, never
// changed: a second statement outside the first's transaction reads the same ones).
absl::StatusOr<std::vector<StoredOrder>> LoadOrders(pqxx::transaction_base& tx,
                                                    const pqxx::result& result) {
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
  for (const pqxx::row& r : tx.exec_prepared(kItemsOfOrders, pg::TextArrayLiteral(ids))) {
    orders[index.at(r[0].as<std::string>())].order.items.push_back(
        OrderItem{r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int32_t>(),
                  r[4].as<int64_t>(), r[5].as<int64_t>()});
  }
  return orders;
}

// The one order a named statement selects, or nullopt.
template <typename... Params>
absl::StatusOr<std::optional<StoredOrder>> SelectOne(pqxx::transaction_base& tx,
                                                     const char* statement,
                                                     const Params&... params) {
  ASSIGN_OR_RETURN(std::vector<StoredOrder> orders,
                   LoadOrders(tx, tx.exec_prepared(statement, params...)));
  if (orders.empty()) return std::nullopt;
  return std::move(orders.front());
}

template <typename... Params>
absl::StatusOr<Order> SelectExisting(pqxx::transaction_base& tx, const char* statement,
                                     const Params&... params) {
  ASSIGN_OR_RETURN(std::optional<StoredOrder> stored, SelectOne(tx, statement, params...));
  if (!stored.has_value()) return absl::NotFoundError("order not found");
  return std::move(stored->order);
}

// Writes `change` to the locked `order` and its audit event.
void WriteChange(pqxx::work& tx, const Order& order, const OrderChange& change) {
  const Prepay prepay = change.prepay.value_or(Prepay{});
  const std::optional<Timestamp> paid_at =
      change.transaction_id.empty() ? std::nullopt : std::optional<Timestamp>(change.paid_at);
  tx.exec_prepared0(
      kUpdateOrder, order.id, std::string(StateName(change.to_state)), change.prepay.has_value(),
      std::string(ChannelName(prepay.channel)), prepay.code_url, prepay.prepay_id, prepay.h5_url,
      OptionalMicros(prepay.expires_at), change.transaction_id, OptionalMicros(paid_at),
      change.late_payment, change.flag_reason, prepay.attempt);
  const EventDetail& d = change.detail;
  tx.exec_prepared0(kInsertEvent, order.id, change.event_type, std::string(StateName(order.state)),
                    std::string(StateName(change.to_state)), d.transaction_id, d.notification_id,
                    OptionalName(d.source, SourceName), OptionalName(d.channel, ChannelName),
                    OptionalMicros(d.expires_at), d.reported_fen, d.expected_fen,
                    d.reason.empty() ? change.flag_reason : d.reason, d.attempt, d.out_refund_no,
                    d.refund_fen);
}

// The parallel arrays apply_payments takes, one element per notice.
struct PaymentArrays {
  explicit PaymentArrays(const std::vector<PaymentNotice>& notices) {
    for (const PaymentNotice& n : notices) {
      const PaymentReport& r = n.report;
      notification_ids.push_back(n.notification_id);
      sources.emplace_back(SourceName(n.source));
      event_types.push_back(n.event_type);
      out_trade_nos.push_back(r.out_trade_no);
      transaction_ids.push_back(r.transaction_id);
      appids.push_back(r.appid);
      mchids.push_back(r.mchid);
      trade_types.push_back(r.trade_type);
      trade_states.push_back(r.trade_state);
      success_us.push_back(OptionalMicros(r.success_time));
      payer_openids.push_back(r.payer_openid);
      amount_totals.push_back(r.amount_total);
      payer_totals.push_back(r.payer_total);
      currencies.push_back(r.currency);
    }
  }
  std::vector<std::string> notification_ids, sources, event_types, out_trade_nos, transaction_ids,
      appids, mchids, trade_types, trade_states, payer_openids, currencies;
  std::vector<std::optional<int64_t>> success_us, amount_totals, payer_totals;
};

absl::StatusOr<PaymentResult> ResultFromRow(const pqxx::row& r) {
  std::optional<PaymentOutcome> outcome = ParseOutcome(r[1].as<std::string>());
  if (!outcome.has_value())
    return absl::InternalError("apply_payments returned an unknown outcome");
  PaymentResult result;
  result.outcome = *outcome;
  if (!r[2].is_null()) {
    result.order_id = r[2].as<std::string>();
    result.order_state = ParseState(r[3].as<std::string>());
    if (!result.order_state.has_value()) {
      return absl::InternalError("apply_payments returned an unknown state");
    }
  }
  result.flagged = r[4].as<bool>();
  result.flag_reason = r[5].as<std::string>();
  return result;
}

}  // namespace

PgOrderStore::PgOrderStore(pg::Pool& pool) : pool_(pool) { pool_.Prepare(Statements()); }

absl::StatusOr<std::vector<Product>> PgOrderStore::ListActiveProducts() {
  return pool_.AutoCommit<std::vector<Product>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Product>> {
        std::vector<Product> out;
        for (const pqxx::row& r : tx.exec_prepared(kActiveProducts)) {
          out.push_back(ProductFromRow(r));
        }
        return out;
      });
}

absl::StatusOr<std::vector<Product>> PgOrderStore::FindProducts(
    const std::vector<std::string>& skus) {
  return pool_.AutoCommit<std::vector<Product>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Product>> {
        std::vector<Product> out;
        for (const pqxx::row& r : tx.exec_prepared(kProductsBySku, pg::TextArrayLiteral(skus))) {
          out.push_back(ProductFromRow(r));
        }
        return out;
      });
}

absl::StatusOr<InsertResult> PgOrderStore::InsertOrder(const NewOrder& order) {
  return pool_.Transact<InsertResult>([&](pqxx::work& tx) -> absl::StatusOr<InsertResult> {
    pqxx::result inserted;
    try {
      inserted = tx.exec_prepared(kInsertOrder, order.user_id, order.out_trade_no, order.total_fen,
                                  order.currency, order.idempotency_key, order.request_hash,
                                  order.expires_at.time_since_epoch().count());
    } catch (const pqxx::unique_violation&) {
      // Not the idempotency key (that conflict is absorbed): the out_trade_no is taken.
      return absl::AbortedError("out_trade_no collision");
    }
    if (inserted.empty()) {
      ASSIGN_OR_RETURN(std::optional<StoredOrder> winner,
                       SelectOne(tx, kOrderByKey, order.user_id, order.idempotency_key));
      if (!winner.has_value()) return absl::AbortedError("idempotency key race, retry");
      return InsertResult{std::move(*winner), false};
    }
    const std::string id = inserted[0][0].as<std::string>();
    for (size_t i = 0; i < order.items.size(); ++i) {
      const OrderItem& item = order.items[i];
      tx.exec_prepared0(kInsertItem, id, static_cast<int>(i + 1), item.sku, item.name,
                        item.quantity, item.unit_price_fen, item.line_total_fen);
    }
    tx.exec_prepared0(kInsertCreatedEvent, id, order.total_fen,
                      static_cast<int>(order.items.size()));
    ASSIGN_OR_RETURN(std::optional<StoredOrder> stored, SelectOne(tx, kOrderById, id));
    if (!stored.has_value()) return absl::InternalError("inserted order vanished");
    return InsertResult{std::move(*stored), true};
  });
}

absl::StatusOr<std::optional<StoredOrder>> PgOrderStore::FindByIdempotencyKey(
    const std::string& user_id, const std::string& idempotency_key) {
  return pool_.AutoCommit<std::optional<StoredOrder>>([&](pqxx::nontransaction& tx) {
    return SelectOne(tx, kOrderByKey, user_id, idempotency_key);
  });
}

absl::StatusOr<Order> PgOrderStore::GetOrder(const std::string& user_id,
                                             const std::string& order_id) {
  return pool_.AutoCommit<Order>([&](pqxx::nontransaction& tx) {
    return SelectExisting(tx, kOrderOfUser, order_id, user_id);
  });
}

absl::StatusOr<Order> PgOrderStore::GetOrderById(const std::string& order_id) {
  return pool_.AutoCommit<Order>(
      [&](pqxx::nontransaction& tx) { return SelectExisting(tx, kOrderById, order_id); });
}

absl::StatusOr<Order> PgOrderStore::GetOrderByOutTradeNo(const std::string& out_trade_no) {
  return pool_.AutoCommit<Order>([&](pqxx::nontransaction& tx) {
    return SelectExisting(tx, kOrderByOutTradeNo, out_trade_no);
  });
}

absl::StatusOr<Order> PgOrderStore::UpdateOrder(const std::string& order_id,
                                                const OrderDecider& decide) {
  return pool_.Transact<Order>([&](pqxx::work& tx) -> absl::StatusOr<Order> {
    ASSIGN_OR_RETURN(Order locked, SelectExisting(tx, kOrderByIdForUpdate, order_id));
    ASSIGN_OR_RETURN(OrderChange change, decide(locked));
    if (change.event_type.empty()) return locked;
    WriteChange(tx, locked, change);
    return SelectExisting(tx, kOrderById, order_id);
  });
}

namespace {

absl::StatusOr<Refund> RefundFromRow(const pqxx::row& r) {
  Refund f;
  f.id = r[0].as<std::string>();
  f.order_id = r[1].as<std::string>();
  f.out_refund_no = r[2].as<std::string>();
  f.amount_fen = r[3].as<int64_t>();
  f.reason = r[4].as<std::string>();
  std::optional<RefundStatus> status =
      ParseName<RefundStatus>(r[5].as<std::string>(), kRefundStatusNames);
  if (!status) return absl::InternalError("refund row has an unknown status");
  f.status = *status;
  f.refund_id = r[6].as<std::string>();
  f.requested_by = r[7].as<std::string>();
  f.idempotency_key = r[8].as<std::string>();
  f.request_hash = r[9].as<std::string>();
  f.created_at = MicrosToTime(r[10]);
  f.updated_at = MicrosToTime(r[11]);
  return f;
}

absl::StatusOr<std::vector<Refund>> RefundsOf(pqxx::transaction_base& tx,
                                              const std::string& order_id) {
  std::vector<Refund> out;
  for (const pqxx::row& r : tx.exec_prepared(kRefundsOfOrder, order_id)) {
    ASSIGN_OR_RETURN(Refund f, RefundFromRow(r));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

absl::StatusOr<RefundResult> PgOrderStore::UpdateRefunds(const std::string& order_id,
                                                         const RefundDecider& decide) {
  return pool_.Transact<RefundResult>([&](pqxx::work& tx) -> absl::StatusOr<RefundResult> {
    ASSIGN_OR_RETURN(Order locked, SelectExisting(tx, kOrderByIdForUpdate, order_id));
    ASSIGN_OR_RETURN(std::vector<Refund> before, RefundsOf(tx, order_id));
    ASSIGN_OR_RETURN(RefundChange change, decide(locked, before));
    if (const std::optional<Refund>& f = change.insert) {
      try {
        tx.exec_prepared0(kInsertRefund, order_id, f->out_refund_no, f->amount_fen, f->reason,
                          std::string(NameOf(f->status, kRefundStatusNames)), f->refund_id,
                          f->requested_by, f->idempotency_key, f->request_hash);
      } catch (const pqxx::unique_violation&) {
        return absl::AlreadyExistsError("refund number or idempotency key taken");
      }
    }
    if (const std::optional<Refund>& f = change.update) {
      tx.exec_prepared0(kUpdateRefund, order_id, f->out_refund_no,
                        std::string(NameOf(f->status, kRefundStatusNames)), f->refund_id);
    }
    if (!change.order.event_type.empty()) WriteChange(tx, locked, change.order);
    RefundResult result;
    ASSIGN_OR_RETURN(result.order, SelectExisting(tx, kOrderById, order_id));
    ASSIGN_OR_RETURN(result.refunds, RefundsOf(tx, order_id));
    for (const Refund& f : result.refunds) {
      if (f.out_refund_no == change.subject) result.refund = f;
    }
    return result;
  });
}

absl::StatusOr<std::vector<RefundToSettle>> PgOrderStore::ListRefundsToSettle(Timestamp before,
                                                                              int limit) {
  return pool_.Transact<std::vector<RefundToSettle>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<RefundToSettle>> {
        std::vector<RefundToSettle> out;
        for (const pqxx::row& r :
             tx.exec_prepared(kProcessingRefunds, before.time_since_epoch().count(), limit)) {
          ASSIGN_OR_RETURN(Refund f, RefundFromRow(r));
          out.push_back(RefundToSettle{std::move(f),
                                       PaymentOutTradeNo(r[12].as<std::string>(), r[13].as<int>()),
                                       r[14].as<std::string>(), r[15].as<int64_t>()});
        }
        return out;
      });
}

absl::StatusOr<std::vector<Refund>> PgOrderStore::ListRefunds(const std::string& order_id) {
  return pool_.Transact<std::vector<Refund>>(
      [&](pqxx::work& tx) { return RefundsOf(tx, order_id); });
}

absl::StatusOr<std::vector<OrderEvent>> PgOrderStore::ListEvents(const std::string& order_id,
                                                                 int limit) {
  return pool_.Transact<std::vector<OrderEvent>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<OrderEvent>> {
        std::vector<OrderEvent> events;
        for (const pqxx::row& r : tx.exec_prepared(kEventsOfOrder, order_id, limit)) {
          OrderEvent e;
          e.event_type = r[0].as<std::string>();
          if (!r[1].is_null()) e.from_state = ParseState(r[1].as<std::string>());
          e.to_state = ParseState(r[2].as<std::string>()).value_or(OrderState::kCreated);
          e.at = Timestamp(std::chrono::microseconds(r[3].as<int64_t>()));
          e.detail.channel = ParseChannel(r[4].as<std::string>());
          e.detail.reason = r[5].as<std::string>();
          if (!r[6].is_null()) e.detail.refund_fen = r[6].as<int64_t>();
          e.detail.out_refund_no = r[7].as<std::string>();
          events.push_back(std::move(e));
        }
        return events;
      });
}

absl::Status PgOrderStore::RecordUnmatchedRefund(const RefundReport& report) {
  return pool_
      .Transact<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
        tx.exec_prepared0(kUnmatchedRefund, report.out_refund_no, report.out_trade_no,
                          report.refund_id, std::string(NameOf(report.status, kRefundStatusNames)),
                          report.amount_fen);
        return true;
      })
      .status();
}

absl::StatusOr<std::vector<Order>> PgOrderStore::ListOrdersToSettle(
    SettleKind kind, Timestamp before, const std::optional<SettleKey>& after, int limit) {
  const std::optional<int64_t> after_at =
      after ? std::optional<int64_t>(after->at.time_since_epoch().count()) : std::nullopt;
  const std::string after_id = after ? after->id : std::string();
  return pool_.Transact<std::vector<Order>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Order>> {
        ASSIGN_OR_RETURN(
            std::vector<StoredOrder> stored,
            LoadOrders(tx, tx.exec_prepared(
                               kind == SettleKind::kExpired ? kExpiredOrders : kPayingOrders,
                               before.time_since_epoch().count(), limit, after_at, after_id)));
        std::vector<Order> orders;
        for (StoredOrder& s : stored) orders.push_back(std::move(s.order));
        return orders;
      });
}

absl::StatusOr<PaymentOutcome> PgOrderStore::RecordRejectedReport(const RejectedReport& report) {
  return pool_.AutoCommit<PaymentOutcome>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<PaymentOutcome> {
        const pqxx::result r = tx.exec_prepared(
            kRecordRejected, report.notification_id, std::string(SourceName(report.source)),
            report.event_type, report.out_trade_no, report.transaction_id, report.reason);
        return r.empty() ? PaymentOutcome::kDuplicate : PaymentOutcome::kRejected;
      });
}

absl::StatusOr<std::vector<PaymentResult>> PgOrderStore::ApplyPayments(
    const std::vector<PaymentNotice>& notices, Timestamp now) {
  if (notices.empty()) return std::vector<PaymentResult>{};
  const PaymentArrays a(notices);
  using pg::Int64ArrayLiteral;
  using pg::TextArrayLiteral;
  // One statement, one round trip: its implicit transaction is the batch's commit. Re-running
  // it (the pool does, after a broken connection) is safe: the inbox makes it idempotent.
  return pool_.AutoCommit<std::vector<PaymentResult>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<PaymentResult>> {
        const pqxx::result rows =
            tx.exec_prepared(kApplyPayments, TextArrayLiteral(a.notification_ids),
                             TextArrayLiteral(a.sources), TextArrayLiteral(a.event_types),
                             TextArrayLiteral(a.out_trade_nos), TextArrayLiteral(a.transaction_ids),
                             TextArrayLiteral(a.appids), TextArrayLiteral(a.mchids),
                             TextArrayLiteral(a.trade_types), TextArrayLiteral(a.trade_states),
                             Int64ArrayLiteral(a.success_us), TextArrayLiteral(a.payer_openids),
                             Int64ArrayLiteral(a.amount_totals), Int64ArrayLiteral(a.payer_totals),
                             TextArrayLiteral(a.currencies), now.time_since_epoch().count());
        std::vector<std::optional<PaymentResult>> by_index(notices.size());
        for (const pqxx::row& r : rows) {
          const int idx = r[0].as<int>();
          if (idx < 1 || static_cast<size_t>(idx) > notices.size() || by_index[idx - 1]) {
            return absl::InternalError("apply_payments returned an unexpected row");
          }
          ASSIGN_OR_RETURN(by_index[idx - 1], ResultFromRow(r));
        }
        std::vector<PaymentResult> results;
        results.reserve(notices.size());
        for (std::optional<PaymentResult>& r : by_index) {
          if (!r.has_value()) return absl::InternalError("apply_payments left a report out");
          results.push_back(std::move(*r));
        }
        return results;
      });
}

absl::StatusOr<std::vector<Order>> PgOrderStore::ListOrders(const std::string& user_id,
                                                            const std::optional<PageKey>& after,
                                                            int limit) {
  return pool_.AutoCommit<std::vector<Order>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Order>> {
        pqxx::result r =
            after.has_value()
                ? tx.exec_prepared(kOrdersNextPage, user_id,
                                   after->created_at.time_since_epoch().count(), after->id, limit)
                : tx.exec_prepared(kOrdersFirstPage, user_id, limit);
        ASSIGN_OR_RETURN(std::vector<StoredOrder> stored, LoadOrders(tx, r));
        std::vector<Order> out;
        for (StoredOrder& s : stored) out.push_back(std::move(s.order));
        return out;
      });
}

}  // namespace paymesh::order
