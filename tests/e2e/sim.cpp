#include "tests/e2e/sim.h"

#include <algorithm>
#include <boost/json.hpp>

#include "tests/e2e/orders.h"

namespace paymesh::e2e {

namespace json = boost::json;

std::ostream& operator<<(std::ostream& out, const SimAttempt& a) {
  return out << "{attempt " << a.attempt << ", " << a.kind << ", status " << a.status
             << (a.acknowledged ? ", acknowledged" : "") << ", at " << a.at_unix_ms << ", id "
             << a.notification_id << "}";
}

std::ostream& operator<<(std::ostream& out, const SimAttempts& attempts) {
  out << attempts.size() << " attempt(s):";
  for (const SimAttempt& a : attempts) out << "\n  " << a;
  return out;
}

testing::HttpResponse Sim::Send(const std::string& method, const std::string& target,
                                const std::string& body) const {
  testing::HttpHeaders headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return testing::Send(host_, port_, method, target, headers, body);
}

testing::HttpResponse Sim::Pay(const std::string& out_trade_no,
                               std::optional<int64_t> amount_total) const {
  json::object body{{"out_trade_no", out_trade_no}};
  if (amount_total) body["amount_total"] = *amount_total;
  return Send("POST", "/sim/pay", json::serialize(body));
}

testing::HttpResponse Sim::PayV2(const std::string& out_trade_no, const std::string& notify_url,
                                 const std::string& sign_type) const {
  return Send("POST", "/sim/pay",
              json::serialize(json::object{{"out_trade_no", out_trade_no},
                                           {"v2_notify_url", notify_url},
                                           {"v2_sign_type", sign_type}}));
}

testing::HttpResponse Sim::PayCodeUrl(const std::string& code_url) const {
  return Send("POST", "/sim/pay", json::serialize(json::object{{"code_url", code_url}}));
}

testing::HttpResponse Sim::Order(const std::string& out_trade_no) const {
  return Send("GET", "/sim/orders/" + UrlEncode(out_trade_no));
}

::testing::AssertionResult Sim::SetFaults(const SimFaults& faults,
                                          const std::optional<std::string>& out_trade_no) const {
  json::object body{{"duplicate", faults.duplicate},
                    {"drop_first", faults.drop_first},
                    {"corrupt_signature", faults.corrupt_signature},
                    {"stale_timestamp", faults.stale_timestamp},
                    {"signtest_probe", faults.signtest_probe},
                    {"query_500", faults.query_500},
                    {"unreadable_success_time", faults.unreadable_success_time},
                    {"query_delay_ms", faults.query_delay_ms},
                    {"refund_500", faults.refund_500}};
  if (out_trade_no) body["out_trade_no"] = *out_trade_no;
  testing::HttpResponse r = Send("POST", "/sim/faults", json::serialize(body));
  if (r.status != 200) return ::testing::AssertionFailure() << "POST /sim/faults: " << r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Sim::ClearFaults() const {
  testing::HttpResponse r = Send("DELETE", "/sim/faults");
  if (r.status != 204) return ::testing::AssertionFailure() << "DELETE /sim/faults: " << r;
  return ::testing::AssertionSuccess();
}

SimAttempts Sim::Notifications(const std::optional<std::string>& out_trade_no) const {
  const std::string target = out_trade_no
                                 ? "/sim/notifications?out_trade_no=" + UrlEncode(*out_trade_no)
                                 : "/sim/notifications";
  testing::HttpResponse r = Send("GET", target);
  SimAttempts out;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (r.status != 200 || ec || !v.is_array()) {
    ADD_FAILURE() << "GET " << target << ": " << r;
    return out;
  }
  for (const json::value& item : v.as_array()) {
    const json::object* o = item.if_object();
    if (o == nullptr || !o->contains("attempt") || !o->contains("status") ||
        !o->contains("acknowledged") || !o->contains("at_unix_ms")) {
      ADD_FAILURE() << "an attempt without the documented fields: " << item;
      continue;
    }
    SimAttempt a;
    a.notification_id = json::value_to<std::string>(o->at("notification_id"));
    a.out_trade_no = json::value_to<std::string>(o->at("out_trade_no"));
    a.kind = json::value_to<std::string>(o->at("kind"));
    a.attempt = json::value_to<int>(o->at("attempt"));
    a.status = json::value_to<int>(o->at("status"));
    if (const json::value* serial = o->if_contains("serial"); serial && serial->is_string()) {
      a.serial = json::value_to<std::string>(*serial);
    }
    a.at_unix_ms = json::value_to<int64_t>(o->at("at_unix_ms"));
    a.acknowledged = o->at("acknowledged").as_bool();
    out.push_back(std::move(a));
  }
  return out;
}

SimAttempts Sim::WaitForNotifications(const std::string& out_trade_no,
                                      const std::function<bool(const SimAttempts&)>& done,
                                      std::chrono::milliseconds timeout) const {
  return PollUntil<SimAttempts>([&] { return Notifications(out_trade_no); }, done, timeout);
}

size_t CountKind(const SimAttempts& attempts, const std::string& kind) {
  return std::count_if(attempts.begin(), attempts.end(),
                       [&](const SimAttempt& a) { return a.kind == kind; });
}

size_t CountAcknowledged(const SimAttempts& attempts) {
  return std::count_if(attempts.begin(), attempts.end(),
                       [](const SimAttempt& a) { return a.acknowledged; });
}

}  // namespace paymesh::e2e
