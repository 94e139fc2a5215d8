#include "tests/e2e/payment_util.h"

#include <fstream>
#include <iterator>
#include <pqxx/pqxx>

#include "absl/strings/str_join.h"
#include "common/wechatpay/v2.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {

namespace json = boost::json;

void PaymentTest::SetUp() {
  E2eTest::SetUp();
  if (HasFatalFailure()) return;
  // A test that failed half-way may have left a service down.
  for (Service s : {Service::kWechatSim, Service::kAuth, Service::kOrder, Service::kPayment}) {
    if (!stack().Running(s)) {
      const absl::Status restarted = stack().Restart(s);
      ASSERT_TRUE(restarted.ok()) << restarted;
    }
  }
  sim_ = std::make_unique<Sim>(stack());
  ASSERT_TRUE(sim_->ClearFaults());
  SignInNewShopper();
}

json::value PaymentTest::CreateOrder(const std::vector<Line>& cart) const {
  HttpResponse r = api().Post("/api/v1/orders", CartJson(cart), tokens_.access);
  EXPECT_EQ(r.status, 201) << r;
  if (r.status != 201) return nullptr;
  json::value order = Json(r);
  EXPECT_FALSE(OrderId(order).empty()) << r;
  return order;
}

HttpResponse PaymentTest::Pay(const std::string& order_id) const {
  return api().Post("/api/v1/orders/" + order_id + "/pay", R"({"channel":"native"})",
                    tokens_.access);
}

json::value PaymentTest::PayNative(const std::string& order_id) const {
  HttpResponse r = Pay(order_id);
  EXPECT_EQ(r.status, 200) << r;
  if (r.status != 200) return nullptr;
  json::value v = Json(r);
  EXPECT_FALSE(Str(v, {"code_url"}).empty()) << r;
  return v;
}

json::value PaymentTest::GetOrder(const std::string& order_id) const {
  HttpResponse r = api().Get("/api/v1/orders/" + order_id, tokens_.access);
  EXPECT_EQ(r.status, 200) << r;
  if (r.status != 200) return nullptr;
  return Json(r);
}

json::value PaymentTest::WaitForState(const std::string& order_id, const std::string& state,
                                      std::chrono::milliseconds timeout) const {
  // Answers other than 200 are tolerated while polling (the gateway may be reconnecting to a
  // restarted backend); the last one must be a 200.
  const HttpResponse r = PollUntil<HttpResponse>(
      [&] { return api().Get("/api/v1/orders/" + order_id, tokens_.access); },
      [&](const HttpResponse& r) {
        if (r.status != 200) return false;
        boost::system::error_code ec;
        return Str(json::parse(r.body, ec), {"state"}) == state;
      },
      timeout);
  EXPECT_EQ(r.status, 200) << r;
  return r.status == 200 ? Json(r) : json::value(nullptr);
}

std::string OrderId(const json::value& order) { return Str(order, {"id"}); }
std::string SimStateFile(const Stack& stack, const std::string& name) {
  std::ifstream in(stack.wechat().state_dir + "/" + name);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string V2RefundNotification(const Stack& stack, const std::map<std::string, std::string>& info,
                                 const std::string& v2_key) {
  absl::StatusOr<std::string> sealed = wechatpay::EncryptV2RefundInfo(info, v2_key);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  return wechatpay::SerializeV2Xml({{"return_code", "SUCCESS"},
                                    {"appid", stack.wechat().appid},
                                    {"mch_id", stack.wechat().mchid},
                                    {"nonce_str", "TeqClE3i0mvn3DrK"},
                                    {"req_info", sealed.value_or("")}});
}

std::string OutTradeNo(const json::value& order) { return Str(order, {"out_trade_no"}); }

int64_t TotalFen(const json::value& order) {
  const json::value* total =
      order.is_object() ? order.as_object().if_contains("total_fen") : nullptr;
  return total != nullptr && total->is_int64() ? total->as_int64() : -1;
}

::testing::AssertionResult IsPaidBy(const json::value& order, const std::string& transaction_id) {
  if (!order.is_object()) return ::testing::AssertionFailure() << "not an order: " << order;
  const json::object& o = order.as_object();
  if (Str(order, {"state"}) != "PAID") {
    return ::testing::AssertionFailure() << "state is not PAID: " << order;
  }
  if (transaction_id.empty() || Str(order, {"transaction_id"}) != transaction_id) {
    return ::testing::AssertionFailure()
           << "transaction_id is not \"" << transaction_id << "\": " << order;
  }
  if (Str(order, {"paid_at"}).empty()) {
    return ::testing::AssertionFailure() << "no paid_at: " << order;
  }
  for (const char* flag : {"flagged", "late_payment"}) {
    const json::value* v = o.if_contains(flag);
    if (v == nullptr || !v->is_bool() || v->as_bool()) {
      return ::testing::AssertionFailure() << flag << " is not false: " << order;
    }
  }
  return ::testing::AssertionSuccess();
}

namespace {

// Runs one read-only query with parameters in the stack's order schema; empty (and a recorded
// failure) on an error.
template <typename... Args>
pqxx::result Query(const Stack& stack, const std::string& sql, Args&&... args) {
  try {
    pqxx::connection c(testing::PgDsn());
    pqxx::read_transaction tx(c);
    tx.exec0("SET LOCAL search_path TO " + tx.quote_name(stack.OrderSchema()));
    return tx.exec_params(sql, std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "query failed: " << e.what() << "\n" << sql;
    return {};
  }
}

}  // namespace

int64_t CountEvents(const Stack& stack, const std::string& order_id,
                    const std::string& event_type) {
  pqxx::result r =
      Query(stack, "SELECT count(*) FROM order_events WHERE order_id = $1 AND event_type = $2",
            order_id, event_type);
  return r.size() == 1 ? r[0][0].as<int64_t>() : -1;
}

std::pair<int64_t, int64_t> CountEventsOf(const Stack& stack,
                                          const std::vector<std::string>& order_ids,
                                          const std::string& event_type) {
  // One parameter for the whole list: the ids as text, split on the server.
  pqxx::result r = Query(stack,
                         "SELECT count(*), count(DISTINCT order_id) FROM order_events "
                         "WHERE order_id::text = ANY(string_to_array($1, ',')) AND event_type = $2",
                         absl::StrJoin(order_ids, ","), event_type);
  if (r.size() != 1) return {-1, -1};
  return {r[0][0].as<int64_t>(), r[0][1].as<int64_t>()};
}

std::vector<std::pair<std::string, std::string>> InboxRows(const Stack& stack,
                                                           const std::string& out_trade_no) {
  pqxx::result r = Query(stack,
                         "SELECT notification_id, outcome FROM notification_inbox "
                         "WHERE out_trade_no = $1 ORDER BY received_at, notification_id",
                         out_trade_no);
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& row : r) rows.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  return rows;
}

}  // namespace paymesh::e2e
