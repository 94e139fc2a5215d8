#pragma once

// The simulator's refunds (POST /v3/refund/domestic/refunds, §6.6): keyed on out_refund_no (a
// repeat with the same number and amount is the same refund; another amount is refused), never
// more than the payment's paid total across its refunds. A refund is settled SUCCESS at once —
// its REFUND.SUCCESS notification is what the merchant waits for — while the call answers
// PROCESSING as WeChat does. Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tools/wechat-sim/responses.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct RefundRequest {
  std::string transaction_id;  // one of these two
  std::string out_trade_no;
  std::string out_refund_no;
  std::string reason;
  std::string notify_url;
  int64_t refund = 0;
  int64_t total = 0;
  std::string currency = "CNY";
};

struct SimRefund {
  std::string out_refund_no;
  std::string refund_id;
  std::string out_trade_no;
  std::string transaction_id;
  std::string notify_url;
  int64_t refund = 0;
  int64_t total = 0;
  std::string status;       // SUCCESS
  std::string create_time;  // RFC 3339, +08:00
};

// The body of a refund call. PARAM_ERROR naming the field otherwise.
std::variant<RefundRequest, ApiError> ParseRefundRequest(std::string_view body,
                                                         const std::string& mchid);

class RefundStore {
 public:
  // The refund of `paid` (an order in SUCCESS) the request asks for; `created` tells a new one
  // from a repeat. INVALID_REQUEST when the order is not paid, the total is not the payment's,
  // the amount exceeds what is left, or the number was used with another amount.
  struct Created {
    SimRefund refund;
    bool created = false;
  };
  std::variant<Created, ApiError> Create(const RefundRequest& request, const Order& paid,
                                         int64_t now_unix);
  // Refund calls seen for an order so far, this one included (the refund_500 fault's count).
  int CountCall(std::string_view out_trade_no);
  std::vector<SimRefund> OfOrder(std::string_view out_trade_no) const;
  std::optional<SimRefund> Find(std::string_view out_refund_no) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, SimRefund, std::less<>> by_number_;
  std::map<std::string, int, std::less<>> calls_;
};

// The REFUND.SUCCESS notification body for a refund: the refund resource (§5.3) encrypted
// under the APIv3 key.
absl::StatusOr<std::string> BuildRefundNotification(const SimRefund& refund,
                                                    const std::string& mchid,
                                                    std::string_view apiv3_key, int64_t now_unix,
                                                    const std::string& id);

}  // namespace paymesh::wechatsim
