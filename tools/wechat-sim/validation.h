#pragma once

// Validation of the v3 request bodies and parameters as WeChat does it: every failure is a 400
// answer naming the field (PARAM_ERROR), or APPID_MCHID_NOT_MATCH for a foreign appid.
// Pure functions; thread-safe.

#include <optional>
#include <string_view>

#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct Merchant {
  std::string mchid;
  std::string appid;
  bool strict_fields = true;  // unknown top-level fields are refused
};

// POST /v3/pay/transactions/native. On success fills `out` and returns nullopt.
std::optional<ApiError> ParseNativeRequest(std::string_view body, const Merchant& merchant,
                                           NativeOrderRequest* out);
// POST .../close: {"mchid"} equal to the merchant's.
std::optional<ApiError> ParseCloseRequest(std::string_view body, const Merchant& merchant);
// The `mchid` query parameter of the query routes: present and equal to the merchant's.
std::optional<ApiError> CheckQueryMchid(std::string_view query, const Merchant& merchant);

bool IsValidOutTradeNo(std::string_view s);  // 6-32 of [0-9A-Za-z_-|*]
bool IsValidNotifyUrl(std::string_view s);   // absolute http(s), no query, at most 255 bytes

}  // namespace paymesh::wechatsim
