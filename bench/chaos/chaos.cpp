#include "bench/chaos/chaos.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <iomanip>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/common/shop.h"
#include "common/error/status_macros.h"
#include "common/redis/client.h"
#include "tests/support/http_client.h"
#include "tests/support/test_env.h"

namespace paymesh::chaos {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using testing::Service;

constexpr std::chrono::milliseconds kPollInterval{250};
// After the last acknowledgement, how long duplicates still in flight may take to land.
constexpr std::chrono::milliseconds kQuietPeriod{1500};

testing::HttpResponse SimCall(const testing::Stack& stack, const std::string& method,
                              const std::string& target, const std::string& body = "") {
  testing::HttpHeaders headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return testing::Send(stack.host(), stack.sim_port(), method, target, headers, body);
}

absl::Status SetSimFaults(const testing::Stack& stack, int drop_first) {
  // Every notification delivered twice: the gateway and order must apply it once.
  const std::string body =
      json::serialize(json::object{{"duplicate", 1}, {"drop_first", drop_first}});
  testing::HttpResponse r = SimCall(stack, "POST", "/sim/faults", body);
  if (r.status != 200) return absl::InternalError(absl::StrCat("POST /sim/faults: ", r.status));
  return absl::OkStatus();
}

// Pays each order at the simulator, one every `interval`; returns those it took payment for.
// `started` counts the payments made so far (for the fault to start mid-way).
std::vector<std::string> PayAtSim(const testing::Stack& stack,
                                  const std::vector<bench::PlacedOrder>& orders,
                                  std::chrono::milliseconds interval,
                                  std::atomic<size_t>* started) {
  std::vector<std::string> paid;
  for (const bench::PlacedOrder& order : orders) {
    const std::string body = json::serialize(json::object{{"out_trade_no", order.out_trade_no}});
    if (SimCall(stack, "POST", "/sim/pay", body).status == 200) paid.push_back(order.out_trade_no);
    started->fetch_add(1);
    std::this_thread::sleep_for(interval);
  }
  return paid;
}

struct Attempt {
  std::string out_trade_no;
  std::string kind;
  int status = 0;
  bool acknowledged = false;
};

absl::StatusOr<std::vector<Attempt>> Deliveries(const testing::Stack& stack,
                                                const std::set<std::string>& round) {
  testing::HttpResponse r = SimCall(stack, "GET", "/sim/notifications");
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (r.status != 200 || ec || !v.is_array()) {
    return absl::UnavailableError(absl::StrCat("GET /sim/notifications: ", r.status));
  }
  std::vector<Attempt> out;
  for (const json::value& item : v.as_array()) {
    const json::object& o = item.as_object();
    Attempt a{.out_trade_no = json::value_to<std::string>(o.at("out_trade_no")),
              .kind = json::value_to<std::string>(o.at("kind")),
              .status = json::value_to<int>(o.at("status")),
              .acknowledged = o.at("acknowledged").as_bool()};
    if (round.contains(a.out_trade_no) && a.kind != "probe") out.push_back(std::move(a));
  }
  return out;
}

class OrderTables {
 public:
  OrderTables(std::string schema, const std::vector<std::string>& out_trade_nos)
      : schema_(std::move(schema)), list_(absl::StrJoin(out_trade_nos, ",")) {}

  // How many of the round's orders are PAID.
  absl::StatusOr<size_t> Paid() const {
    return Count(
        "SELECT count(*) FROM orders WHERE state = 'PAID' AND out_trade_no = "
        "ANY(string_to_array($1, ','))");
  }
  // Orders with more than one payment row or more than one paid event.
  absl::StatusOr<size_t> AppliedTwice() const {
    return Count(
        "SELECT count(*) FROM orders o WHERE o.out_trade_no = ANY(string_to_array($1, ',')) AND ("
        "  (SELECT count(*) FROM order_events e WHERE e.order_id = o.id"
        "     AND e.event_type IN ('paid', 'late_payment')) > 1 OR"
        "  (SELECT count(*) FROM payments p WHERE p.order_id = o.id) > 1)");
  }

 private:
  absl::StatusOr<size_t> Count(const std::string& sql) const {
    try {
      pqxx::connection c(testing::PgDsn());
      pqxx::read_transaction tx(c);
      tx.exec0("SET LOCAL search_path TO " + tx.quote_name(schema_));
      return tx.exec_params1(sql, list_)[0].as<size_t>();
    } catch (const std::exception& e) {
      // The database may be restarting: the caller polls again.
      return absl::UnavailableError(e.what());
    }
  }

  std::string schema_;
  std::string list_;
};

absl::Status Bounce(testing::Stack& stack, Service service, bool kill,
                    std::chrono::milliseconds downtime) {
  if (kill) {
    stack.Kill(service);
  } else {
    stack.Stop(service);
  }
  std::this_thread::sleep_for(downtime);
  return stack.Restart(service);
}

absl::Status Inject(testing::Stack& stack, Fault fault, const RoundOptions& options) {
  switch (fault) {
    case Fault::kNone:
    case Fault::kDropDeliveries:
      return absl::OkStatus();
    case Fault::kKillOrder:
      return Bounce(stack, Service::kOrder, true, options.downtime);
    case Fault::kKillPayment:
      return Bounce(stack, Service::kPayment, true, options.downtime);
    case Fault::kDrainGateway:
      return Bounce(stack, Service::kGateway, false, options.downtime);
    case Fault::kRestartPostgres:
      if (!options.restart_postgres) {
        return absl::FailedPreconditionError("restarting PostgreSQL needs the harness's hook");
      }
      return options.restart_postgres();
    case Fault::kFlushRedis: {
      redis::Client redis(testing::RedisOptions());
      return redis.Command({"FLUSHALL"}).status();
    }
  }
  return absl::InvalidArgumentError("unknown fault");
}

}  // namespace

const char* FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kKillOrder:
      return "kill -9 order";
    case Fault::kKillPayment:
      return "kill -9 payment";
    case Fault::kRestartPostgres:
      return "postgres crash";
    case Fault::kFlushRedis:
      return "redis flushall";
    case Fault::kDrainGateway:
      return "gateway SIGTERM";
    case Fault::kDropDeliveries:
      return "drop 2 deliveries";
  }
  return "?";
}

std::vector<Fault> AllFaults() {
  return {Fault::kNone,       Fault::kKillOrder,    Fault::kKillPayment,   Fault::kRestartPostgres,
          Fault::kFlushRedis, Fault::kDrainGateway, Fault::kDropDeliveries};
}

absl::StatusOr<ChaosRound> RunRound(testing::Stack& stack, Fault fault,
                                    const RoundOptions& options) {
  ChaosRound round{.fault = FaultName(fault), .orders = options.orders};
  ASSIGN_OR_RETURN(
      std::vector<bench::PlacedOrder> orders,
      bench::CreatePayingOrders(
          {.host = stack.host(), .port = stack.gateway_port(), .connections = 4}, options.orders));
  RETURN_IF_ERROR(SetSimFaults(stack, fault == Fault::kDropDeliveries ? 2 : 0));

  // Payments go on at a steady pace while the fault strikes a third of the way through, so
  // that notifications meet the stack before, during and after it. The fault runs on this
  // thread: the stack's processes belong to the thread that started them.
  const auto interval = std::max(std::chrono::milliseconds(2),
                                 3 * options.downtime / static_cast<int64_t>(orders.size()));
  std::atomic<size_t> started{0};
  std::vector<std::string> paid;
  std::thread payer([&] { paid = PayAtSim(stack, orders, interval, &started); });
  while (started.load() < orders.size() / 3) std::this_thread::sleep_for(interval);
  absl::Status injected = Inject(stack, fault, options);
  payer.join();
  const Clock::time_point settled_from = Clock::now();
  RETURN_IF_ERROR(injected);
  round.paid_at_sim = paid.size();

  const std::set<std::string> round_orders(paid.begin(), paid.end());
  const OrderTables tables(stack.OrderSchema(), paid);
  std::vector<std::string> all;
  for (const bench::PlacedOrder& order : orders) all.push_back(order.out_trade_no);
  const OrderTables every_order(stack.OrderSchema(), all);
  const Clock::time_point deadline = Clock::now() + options.converge_timeout;
  std::optional<Clock::time_point> quiet_since;
  while (Clock::now() < deadline) {
    absl::StatusOr<size_t> now_paid = tables.Paid();
    absl::StatusOr<std::vector<Attempt>> attempts = Deliveries(stack, round_orders);
    if (now_paid.ok() && *now_paid == paid.size() && !round.converged) {
      round.converged = true;
      round.converge_seconds = std::chrono::duration<double>(Clock::now() - settled_from).count();
    }
    std::set<std::string> acknowledged;
    if (attempts.ok()) {
      // The notification itself, not its duplicate: WeChat's retries stop on that answer.
      for (const Attempt& a : *attempts) {
        if (a.acknowledged && a.kind != "duplicate") acknowledged.insert(a.out_trade_no);
      }
    }
    if (round.converged && acknowledged.size() == round_orders.size()) {
      if (!quiet_since) quiet_since = Clock::now();
      if (Clock::now() - *quiet_since >= kQuietPeriod) break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  RETURN_IF_ERROR(SimCall(stack, "DELETE", "/sim/faults").status == 204
                      ? absl::OkStatus()
                      : absl::InternalError("DELETE /sim/faults failed"));

  ASSIGN_OR_RETURN(round.paid, tables.Paid());
  ASSIGN_OR_RETURN(round.applied_twice, every_order.AppliedTwice());
  ASSIGN_OR_RETURN(size_t paid_of_all, every_order.Paid());
  round.paid_unpaid = paid_of_all - std::min(paid_of_all, round.paid);
  round.lost = round.paid_at_sim - std::min(round.paid, round.paid_at_sim);
  ASSIGN_OR_RETURN(std::vector<Attempt> attempts, Deliveries(stack, round_orders));
  for (const Attempt& a : attempts) {
    const std::string key =
        a.kind == "dropped" ? "dropped" : (a.status == 0 ? "none" : std::to_string(a.status));
    ++round.answers[key];
  }
  return round;
}

void PrintTable(std::ostream& out, const std::vector<ChaosRound>& rounds) {
  out << std::left << std::setw(19) << "fault" << std::right << std::setw(7) << "orders"
      << std::setw(9) << "paid@sim" << std::setw(6) << "PAID" << std::setw(7) << "twice"
      << std::setw(6) << "lost" << std::setw(7) << "extra" << std::setw(11) << "converge"
      << "  gateway answers\n";
  for (const ChaosRound& r : rounds) {
    std::string answers;
    for (const auto& [key, count] : r.answers) {
      absl::StrAppend(&answers, answers.empty() ? "" : " ", key, "×", count);
    }
    std::ostringstream converge;
    if (r.converged) {
      converge << std::fixed << std::setprecision(1) << r.converge_seconds << " s";
    } else {
      converge << "never";
    }
    out << std::left << std::setw(19) << r.fault << std::right << std::setw(7) << r.orders
        << std::setw(9) << r.paid_at_sim << std::setw(6) << r.paid << std::setw(7)
        << r.applied_twice << std::setw(6) << r.lost << std::setw(7) << r.paid_unpaid
        << std::setw(11) << converge.str() << "  " << answers << "\n";
  }
}

}  // namespace paymesh::chaos
