#pragma once

// The simulator's domain values: a validated prepay request, an order as WeChat keeps it,
// the fault knobs of notification delivery and queries, and an error answer in WeChat's shape.

#include <cstdint>
#include <optional>
#include <string>

namespace paymesh::wechatsim {

// The fields of POST /v3/pay/transactions/{native,jsapi,h5} that re-entry compares.
struct OrderRequest {
  std::string trade_type = "NATIVE";  // NATIVE, JSAPI (also the mini program's), MWEB (h5)
  std::string appid;
  std::string mchid;
  std::string description;
  std::string out_trade_no;
  std::string notify_url;
  std::string time_expire;  // as sent (RFC 3339), or empty
  std::string attach;
  int64_t amount_total = 0;  // fen
  std::string currency = "CNY";
  std::string payer_openid;     // JSAPI
  std::string payer_client_ip;  // MWEB: scene_info.payer_client_ip
  std::string h5_type;          // MWEB: scene_info.h5_info.type

  bool operator==(const OrderRequest&) const = default;
};

// WeChat closes an unpaid order 7 days after its time_expire (SIM_AUTO_CLOSE_AFTER_SECONDS).
inline constexpr int64_t kDefaultAutoCloseAfterSeconds = 7 * 24 * 3600;

enum class TradeState { kNotPay, kSuccess, kClosed, kPayError };
const char* TradeStateName(TradeState state);  // NOTPAY, SUCCESS, CLOSED, PAYERROR

struct Order {
  OrderRequest request;
  std::optional<int64_t> expire_unix;  // from time_expire
  std::string code_url;                // NATIVE
  std::string prepay_id;               // JSAPI and MWEB
  TradeState state = TradeState::kNotPay;
  // Set by payment.
  std::string transaction_id;
  std::string success_time;  // RFC 3339, +08:00
  std::string payer_openid;
  int64_t paid_total = 0;  // what the payment reports; differs from the order in mismatch tests
};

// Faults applied to the notification delivery and the queries of one order (or to all, as the
// default). Attempts are numbered from 1; a count K covers attempts 1..K.
struct Faults {
  int duplicate = 0;            // extra identical copies sent with the first attempt that is sent
  int drop_first = 0;           // attempts not sent at all, counted as failed
  int corrupt_signature = 0;    // attempts whose signature does not verify
  int stale_timestamp = 0;      // attempts signed with a timestamp 600 s in the past
  bool signtest_probe = false;  // a WECHATPAY/SIGNTEST/ probe before the first attempt
  bool query_500 = false;       // queries of the order answer 500 SYSTEM_ERROR
  bool unreadable_success_time = false;  // the notification's success_time is not a time
  int query_delay_ms = 0;  // queries of the order are answered this much later (0..10000)
  int refund_500 = 0;      // the order's first N refund calls answer 500 SYSTEM_ERROR

  bool operator==(const Faults&) const = default;
};

// An error answer: HTTP status, WeChat code and message; `subcode` ends the Request-ID.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
  int64_t subcode = 0;
  std::string detail_json;  // an optional "detail" object, serialized
};

inline ApiError MakeError(int status, std::string code, std::string message, int64_t subcode = 0) {
  ApiError e;
  e.status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  e.subcode = subcode;
  return e;
}
inline ApiError ParamError(std::string message) {
  return MakeError(400, "PARAM_ERROR", std::move(message), 268435461);
}
inline ApiError SignError(std::string message) {
  return MakeError(401, "SIGN_ERROR", std::move(message), 268443699);
}

}  // namespace paymesh::wechatsim
