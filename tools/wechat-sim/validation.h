#pragma once

// Validation of the v3 request bodies and parameters as WeChat does it: every failure is a 400
// answer naming the field (PARAM_ERROR), or APPID_MCHID_NOT_MATCH for a foreign appid.
// Pure functions; thread-safe.

#include <functional>
#include <optional>
#include <string_view>

#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct Merchant {
  std::string mchid;
  std::string appid;
  std::string miniprogram_appid;  // also bound to the merchant (JSAPI prepays)
  bool strict_fields = true;      // unknown top-level fields are refused
  // Whether WeChat issued `openid` to `appid` (JSAPI's payer); unset: any openid passes.
  std::function<bool(const std::string& appid, const std::string& openid)> knows_openid;
};

// POST /v3/pay/transactions/{native,jsapi,h5}, `trade_type` NATIVE, JSAPI or MWEB. On success
// fills `out` and returns nullopt.
std::optional<ApiError> ParsePrepayRequest(std::string_view body, const Merchant& merchant,
                                           std::string_view trade_type, OrderRequest* out);
// POST .../close: {"mchid"} equal to the merchant's.
std::optional<ApiError> ParseCloseRequest(std::string_view body, const Merchant& merchant);
// The `mchid` query parameter of the query routes: present and equal to the merchant's.
std::optional<ApiError> CheckQueryMchid(std::string_view query, const Merchant& merchant);

bool IsValidOutTradeNo(std::string_view s);  // 6-32 of [0-9A-Za-z_-|*]
bool IsValidNotifyUrl(std::string_view s);   // absolute http(s), no query, at most 255 bytes

}  // namespace paymesh::wechatsim
