#pragma once

// The WeChat Pay API v3 calls payment makes, as an interface: WechatPayClient (wechat_client.h)
// is the real one, testing/fake_wechat_api.h the unit-test one.
//
// Every call blocks (signing, HTTPS, retries): call it from a worker thread. WeChat's errors
// arrive already translated to Status:
//   INVALID_ARGUMENT     PARAM_ERROR (WeChat refused a field)
//   FAILED_PRECONDITION  the order cannot take this call: paid, closed, out_trade_no used with
//                        other parameters, INVALID_REQUEST
//   NOT_FOUND            WeChat has no such order
//   RESOURCE_EXHAUSTED   FREQUENCY_LIMITED
//   INTERNAL             our fault: signature refused, merchant/appid configuration
//   UNAVAILABLE          unreachable, 5xx or SYSTEM_ERROR after retries, or a 2xx answer whose
//                        signature did not verify (never trusted)
//   DEADLINE_EXCEEDED    the call's time budget ran out

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/wechatpay/notification.h"
#include "services/payment/types.h"

namespace paymesh::payment {

// The body of a prepay: POST /v3/pay/transactions/{native|jsapi|h5} (the mini program uses jsapi
// with its own appid). A repeat with identical fields is WeChat's re-entry: it answers the same
// (or a renewed) prepay; any difference is refused.
struct PrepayRequest {
  Channel channel = Channel::kNative;
  std::string appid;
  std::string mchid;
  std::string description;   // 1..127 bytes
  std::string out_trade_no;  // 6..32
  std::string time_expire;   // RFC 3339, e.g. 2026-01-01T08:30:00+08:00
  std::string notify_url;
  int64_t amount_total = 0;  // fen, >= 1
  std::string currency = "CNY";
  std::string payer_openid;     // jsapi, miniprogram: the payer's openid for `appid`
  std::string payer_client_ip;  // h5: scene_info.payer_client_ip
};

// What WeChat answered, by channel.
struct PrepayAnswer {
  std::string code_url;   // native: weixin://wxpay/bizpayurl?pr=...
  std::string prepay_id;  // jsapi, miniprogram
  std::string h5_url;     // h5, valid 5 minutes
};

// POST /v3/refund/domestic/refunds: money back to the payer of `transaction_id`. WeChat keys a
// refund on out_refund_no: a repeat with the same number is the same refund.
struct RefundCall {
  std::string transaction_id;
  std::string out_refund_no;
  std::string reason;  // at most 80 bytes; "" = none
  std::string notify_url;
  int64_t refund_fen = 0;
  int64_t total_fen = 0;  // the payment's
  std::string currency = "CNY";
};

// WeChat's answer to a refund call: its refund_id and status (PROCESSING, SUCCESS, ABNORMAL,
// CLOSED) and the amount it refunds.
struct RefundAnswer {
  std::string refund_id;
  std::string out_refund_no;
  std::string status;
  int64_t refund_fen = 0;
};

class WechatPayApi {
 public:
  virtual ~WechatPayApi() = default;

  virtual absl::StatusOr<PrepayAnswer> CreatePrepay(const PrepayRequest& request) = 0;
  // GET /v3/pay/transactions/out-trade-no/{no}?mchid=: the order as WeChat knows it.
  virtual absl::StatusOr<wechatpay::Transaction> QueryByOutTradeNo(
      std::string_view out_trade_no) = 0;
  // POST /v3/pay/transactions/out-trade-no/{no}/close. Re-entrant at WeChat.
  virtual absl::Status Close(std::string_view out_trade_no) = 0;
  // NOT_ENOUGH (the merchant's balance) is FAILED_PRECONDITION; see the codes above.
  virtual absl::StatusOr<RefundAnswer> CreateRefund(const RefundCall& call) = 0;
  // GET /v3/refund/domestic/refunds/{out_refund_no}: NOT_FOUND when WeChat has no such refund.
  virtual absl::StatusOr<RefundAnswer> QueryRefund(std::string_view out_refund_no) = 0;
};

}  // namespace paymesh::payment
