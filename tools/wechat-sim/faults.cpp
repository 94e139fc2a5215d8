#include "tools/wechat-sim/faults.h"

#include <boost/json.hpp>

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxCount = 100;
// Long enough to outlast a merchant's query timeout; no longer than the HTTP server's drain
// timeout (10 s), which bounds how long Stop() waits for a delayed answer anyway.
constexpr int64_t kMaxQueryDelayMs = 10000;

absl::Status Count(const json::value& v, std::string_view name, int* out) {
  if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > kMaxCount) {
    return absl::InvalidArgumentError(std::string(name) + " must be an integer from 0 to 100");
  }
  *out = static_cast<int>(v.as_int64());
  return absl::OkStatus();
}

absl::Status Millis(const json::value& v, std::string_view name, int* out) {
  if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > kMaxQueryDelayMs) {
    return absl::InvalidArgumentError(std::string(name) + " must be an integer from 0 to 10000");
  }
  *out = static_cast<int>(v.as_int64());
  return absl::OkStatus();
}

absl::Status Flag(const json::value& v, std::string_view name, bool* out) {
  if (!v.is_bool()) return absl::InvalidArgumentError(std::string(name) + " must be a boolean");
  *out = v.as_bool();
  return absl::OkStatus();
}

}  // namespace

void FaultRegistry::Set(const std::optional<std::string>& out_trade_no, const Faults& faults) {
  std::lock_guard lock(mu_);
  if (out_trade_no) {
    per_order_[*out_trade_no] = faults;
  } else {
    default_ = faults;
  }
}

void FaultRegistry::Reset() {
  std::lock_guard lock(mu_);
  default_ = Faults{};
  per_order_.clear();
}

Faults FaultRegistry::For(std::string_view out_trade_no) const {
  std::lock_guard lock(mu_);
  auto it = per_order_.find(out_trade_no);
  return it == per_order_.end() ? default_ : it->second;
}

Faults FaultRegistry::Default() const {
  std::lock_guard lock(mu_);
  return default_;
}

absl::StatusOr<FaultSetting> ParseFaultSetting(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  FaultSetting s;
  for (const auto& [key, value] : v.as_object()) {
    absl::Status st;
    if (key == "out_trade_no") {
      if (!value.is_string() || value.as_string().empty()) {
        st = absl::InvalidArgumentError("out_trade_no must be a non-empty string");
      } else {
        s.out_trade_no = std::string(value.as_string());
      }
    } else if (key == "duplicate") {
      st = Count(value, key, &s.faults.duplicate);
    } else if (key == "drop_first") {
      st = Count(value, key, &s.faults.drop_first);
    } else if (key == "corrupt_signature") {
      st = Count(value, key, &s.faults.corrupt_signature);
    } else if (key == "stale_timestamp") {
      st = Count(value, key, &s.faults.stale_timestamp);
    } else if (key == "signtest_probe") {
      st = Flag(value, key, &s.faults.signtest_probe);
    } else if (key == "query_500") {
      st = Flag(value, key, &s.faults.query_500);
    } else if (key == "unreadable_success_time") {
      st = Flag(value, key, &s.faults.unreadable_success_time);
    } else if (key == "query_delay_ms") {
      st = Millis(value, key, &s.faults.query_delay_ms);
    } else if (key == "refund_500") {
      st = Count(value, key, &s.faults.refund_500);
    } else {
      st = absl::InvalidArgumentError("unknown field " + std::string(key));
    }
    if (!st.ok()) return st;
  }
  return s;
}

std::string FaultsJson(const Faults& f) {
  return json::serialize(json::object{{"duplicate", f.duplicate},
                                      {"drop_first", f.drop_first},
                                      {"corrupt_signature", f.corrupt_signature},
                                      {"stale_timestamp", f.stale_timestamp},
                                      {"signtest_probe", f.signtest_probe},
                                      {"query_500", f.query_500},
                                      {"unreadable_success_time", f.unreadable_success_time},
                                      {"query_delay_ms", f.query_delay_ms},
                                      {"refund_500", f.refund_500}});
}

}  // namespace paymesh::wechatsim
