#pragma once

// Fault knobs for tests and demos: a global default plus per-order settings. A per-order setting
// replaces the default for that order entirely. Delivery faults are read when the order is paid
// (a delivery keeps the faults it started with); query_500 and query_delay_ms at each query.
// Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

class FaultRegistry {
 public:
  void Set(const std::optional<std::string>& out_trade_no, const Faults& faults);
  void Reset();  // no faults anywhere
  Faults For(std::string_view out_trade_no) const;
  Faults Default() const;

 private:
  mutable std::mutex mu_;
  Faults default_;
  std::map<std::string, Faults, std::less<>> per_order_;
};

struct FaultSetting {
  std::optional<std::string> out_trade_no;  // absent: the global default
  Faults faults;
};
// The body of POST /sim/faults. Absent knobs are off. INVALID_ARGUMENT naming the field for
// malformed JSON, unknown fields, wrong types, counts outside 0..100 or a query_delay_ms outside
// 0..10000.
absl::StatusOr<FaultSetting> ParseFaultSetting(std::string_view body);
std::string FaultsJson(const Faults& faults);

}  // namespace paymesh::wechatsim
