#include "tools/wechat-sim/call_counters.h"

namespace paymesh::wechatsim {

void CallCounters::CountQuery(std::string_view out_trade_no) {
  std::lock_guard lock(mu_);
  ++counts_[std::string(out_trade_no)].queries;
}

void CallCounters::CountClose(std::string_view out_trade_no) {
  std::lock_guard lock(mu_);
  ++counts_[std::string(out_trade_no)].closes;
}

CallCounts CallCounters::For(std::string_view out_trade_no) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(out_trade_no);
  return it == counts_.end() ? CallCounts{} : it->second;
}

}  // namespace paymesh::wechatsim
