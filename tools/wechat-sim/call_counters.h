#pragma once

// How many merchant queries (GET /v3/pay/transactions/out-trade-no/{no}) and close calls
// (POST /v3/pay/transactions/out-trade-no/{no}/close) the simulator received, per out_trade_no:
// lets a test check which of several payment replicas called WeChat for an order.
//
// pay_api counts a request once it has passed authentication and carries a valid out_trade_no,
// whatever it then answers (404 for an unknown order, a bad mchid, the query_500 fault) and
// before any query_delay_ms; so an order queried before it existed keeps those queries. Not
// counted: queries by transaction_id, and requests refused as SIGN_ERROR or for a malformed
// out_trade_no. Counts are never reset (tests use a fresh out_trade_no). Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace paymesh::wechatsim {

struct CallCounts {
  int64_t queries = 0;
  int64_t closes = 0;

  bool operator==(const CallCounts&) const = default;
};

class CallCounters {
 public:
  void CountQuery(std::string_view out_trade_no);
  void CountClose(std::string_view out_trade_no);
  CallCounts For(std::string_view out_trade_no) const;  // zeros for one never called

 private:
  mutable std::mutex mu_;
  std::map<std::string, CallCounts, std::less<>> counts_;
};

}  // namespace paymesh::wechatsim
