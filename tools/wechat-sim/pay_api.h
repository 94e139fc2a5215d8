#pragma once

// The WeChat Pay v3 routes the simulator serves:
//   POST /v3/pay/transactions/native
//   GET  /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=
//   GET  /v3/pay/transactions/id/{transaction_id}?mchid=
//   POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close
//   POST /v3/refund/domestic/refunds  (refunds.h; answers PROCESSING, then REFUND.SUCCESS is
//        delivered to the refund's notify_url under the order's delivery faults; the refund_500
//        fault answers 500 first)
//   GET  /v3/refund/domestic/refunds/{out_refund_no}  (the refund now; 404 RESOURCE_NOT_EXISTS)
//   GET  /v3/certificates  (the platform certificates listed now, each sealed with the APIv3
//        key; in public-key mode 404 RESOURCE_NOT_EXISTS, or 403 as configured)
// Each verifies the merchant's Authorization first (401 SIGN_ERROR), then validates as WeChat
// does (400 PARAM_ERROR naming the field, ...), then answers from the store. 2xx answers are
// signed with the key platform.h picks (by the request's Wechatpay-Serial in dual mode); errors
// are not. Queries and closes by out_trade_no are counted
// (call_counters.h). A query's answer, whatever it is, comes with the order's query_delay_ms
// fault as its delay: it is computed (and signed) now and sent that much later. Thread-safe (the
// store, registry and counters are).

#include <cstdint>
#include <string>

#include "common/crypto/rsa.h"
#include "common/http/message.h"
#include "tools/wechat-sim/call_counters.h"
#include "tools/wechat-sim/faults.h"
#include "tools/wechat-sim/merchant_auth.h"
#include "tools/wechat-sim/notifier.h"
#include "tools/wechat-sim/platform.h"
#include "tools/wechat-sim/refunds.h"
#include "tools/wechat-sim/responses.h"
#include "tools/wechat-sim/store.h"
#include "tools/wechat-sim/validation.h"

namespace paymesh::wechatsim {

struct PayApiContext {
  OrderStore* store = nullptr;
  FaultRegistry* faults = nullptr;
  CallCounters* calls = nullptr;
  PlatformKeys* platform = nullptr;  // signs answers; lists certificates
  const MerchantIdentity* identity = nullptr;
  Merchant merchant;
  RefundStore* refunds = nullptr;
  Notifier* notifier = nullptr;  // delivers refund notifications
  std::string apiv3_key;
};

// Answers any request under /v3/ (404 NOT_FOUND for other routes); `now` is Unix seconds. The
// delay is zero except for queries under the query_delay_ms fault.
DelayedResponse HandlePayApi(const http::Request& request, const PayApiContext& ctx, int64_t now);

}  // namespace paymesh::wechatsim
