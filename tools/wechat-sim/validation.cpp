#include "tools/wechat-sim/validation.h"

#include <array>
#include <boost/json.hpp>
#include <limits>

#include "common/http/client.h"
#include "common/http/message.h"
#include "common/strings/ip.h"
#include "common/time/rfc3339.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 15> kPrepayFields = {
    "appid",  "mchid",      "description", "out_trade_no",   "time_expire",
    "attach", "notify_url", "goods_tag",   "support_fapiao", "limit_pay",
    "amount", "detail",     "scene_info",  "settle_info",    "payer"};

ApiError Missing(std::string_view field) { return ParamError("缺少参数 " + std::string(field)); }
ApiError Invalid(std::string_view field, std::string_view why) {
  return ParamError("参数 " + std::string(field) + " 不合法: " + std::string(why));
}

std::optional<ApiError> ParseObject(std::string_view body, json::object* out) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return ParamError("请求体不是合法的JSON对象");
  *out = std::move(v.as_object());
  return std::nullopt;
}

std::optional<ApiError> UnknownField(const json::object& o, const std::string_view* begin,
                                     const std::string_view* end) {
  for (const auto& kv : o) {
    bool known = false;
    for (const std::string_view* f = begin; f != end && !known; ++f) known = (*f == kv.key());
    if (!known) {
      ApiError e = ParamError("非法的额外参数 " + std::string(kv.key()));
      e.subcode = 270924358;
      return e;
    }
  }
  return std::nullopt;
}

// A string field: required or optional, with a byte-length range.
std::optional<ApiError> Str(const json::object& o, std::string_view name, bool required, size_t min,
                            size_t max, std::string* out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) {
    return required ? std::optional<ApiError>(Missing(name)) : std::nullopt;
  }
  if (!v->is_string()) return Invalid(name, "应为字符串");
  const json::string& s = v->as_string();
  if (s.size() < min || s.size() > max) {
    return Invalid(name, "长度应为 " + std::to_string(min) + "-" + std::to_string(max) + " 字节");
  }
  out->assign(s.data(), s.size());
  return std::nullopt;
}

std::optional<ApiError> CheckMchid(const json::object& o, const Merchant& m) {
  std::string mchid;
  if (auto e = Str(o, "mchid", true, 1, 32, &mchid)) return e;
  if (mchid != m.mchid) return Invalid("mchid", "与请求签名中的商户号不匹配");
  return std::nullopt;
}

std::optional<ApiError> ParseAmount(const json::object& o, OrderRequest* out) {
  const json::value* v = o.if_contains("amount");
  if (v == nullptr || v->is_null()) return Missing("amount");
  if (!v->is_object()) return Invalid("amount", "应为对象");
  const json::object& amount = v->as_object();
  const json::value* total = amount.if_contains("total");
  if (total == nullptr || total->is_null()) return Missing("amount.total");
  if (total->is_int64()) {
    out->amount_total = total->as_int64();
  } else if (total->is_uint64()) {
    out->amount_total = -1;  // beyond int64: out of range below
  } else {
    return Invalid("amount.total", "应为整数");
  }
  if (out->amount_total < 1 || out->amount_total > std::numeric_limits<int32_t>::max()) {
    return Invalid("amount.total", "应为大于0的整数(分)");
  }
  std::string currency = "CNY";
  if (auto e = Str(amount, "currency", false, 1, 16, &currency)) return e;
  if (currency != "CNY") return Invalid("amount.currency", "仅支持CNY");
  out->currency = currency;
  for (const auto& kv : amount) {
    if (kv.key() != "total" && kv.key() != "currency") {
      return Invalid("amount", "包含未知字段 " + std::string(kv.key()));
    }
  }
  return std::nullopt;
}

// JSAPI's payer: {"openid"} issued to the appid.
std::optional<ApiError> ParsePayer(const json::object& o, const Merchant& m, OrderRequest* out) {
  const json::value* payer = o.if_contains("payer");
  if (payer == nullptr || !payer->is_object() || !payer->as_object().contains("openid")) {
    return MakeError(400, "PARAM_ERROR", "JSAPI支付必须传openid", 268501013);
  }
  if (auto e = Str(payer->as_object(), "openid", true, 1, 128, &out->payer_openid)) return e;
  if (m.knows_openid && !m.knows_openid(out->appid, out->payer_openid)) {
    return MakeError(400, "PARAM_ERROR", "appid和openid不匹配", 268501029);
  }
  return std::nullopt;
}

// H5's scene_info: payer_client_ip and h5_info.type, both required.
std::optional<ApiError> ParseH5Scene(const json::object& o, OrderRequest* out) {
  const json::value* scene = o.if_contains("scene_info");
  if (scene == nullptr || !scene->is_object()) return Missing("scene_info");
  const json::object& s = scene->as_object();
  if (auto e = Str(s, "payer_client_ip", true, 1, 45, &out->payer_client_ip)) return e;
  if (!strings::IsIpAddress(out->payer_client_ip)) {
    return Invalid("scene_info.payer_client_ip", "应为IP地址");
  }
  const json::value* h5 = s.if_contains("h5_info");
  if (h5 == nullptr || !h5->is_object()) return Missing("scene_info.h5_info");
  if (auto e = Str(h5->as_object(), "type", true, 1, 32, &out->h5_type)) return e;
  if (out->h5_type != "iOS" && out->h5_type != "Android" && out->h5_type != "Wap") {
    return Invalid("scene_info.h5_info.type", "应为iOS、Android或Wap");
  }
  return std::nullopt;
}

// Optional fields WeChat accepts but the simulator ignores: only their types are checked.
std::optional<ApiError> CheckIgnoredFields(const json::object& o) {
  std::string ignored;
  if (auto e = Str(o, "goods_tag", false, 1, 32, &ignored)) return e;
  if (const json::value* v = o.if_contains("support_fapiao"); v && !v->is_bool()) {
    return Invalid("support_fapiao", "应为布尔值");
  }
  if (const json::value* v = o.if_contains("limit_pay"); v && !v->is_array()) {
    return Invalid("limit_pay", "应为数组");
  }
  for (const char* name : {"detail", "scene_info", "settle_info"}) {
    if (const json::value* v = o.if_contains(name); v && !v->is_object()) {
      return Invalid(name, "应为对象");
    }
  }
  return std::nullopt;
}

}  // namespace

bool IsValidOutTradeNo(std::string_view s) {
  if (s.size() < 6 || s.size() > 32) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-' || c == '|' || c == '*';
    if (!ok) return false;
  }
  return true;
}

bool IsValidNotifyUrl(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.find_first_of("?# ") != std::string_view::npos) {
    return false;
  }
  absl::StatusOr<http::ParsedUrl> url = http::ParseUrl(s);
  return url.ok() && s.substr(0, url->scheme.size()) == url->scheme;
}

std::optional<ApiError> ParsePrepayRequest(std::string_view body, const Merchant& m,
                                           std::string_view trade_type, OrderRequest* out) {
  json::object o;
  if (auto e = ParseObject(body, &o)) return e;
  if (m.strict_fields) {
    const size_t known = trade_type == "JSAPI" ? kPrepayFields.size() : kPrepayFields.size() - 1;
    if (auto e = UnknownField(o, kPrepayFields.data(), kPrepayFields.data() + known)) return e;
  }
  OrderRequest r;
  r.trade_type = std::string(trade_type);
  if (auto e = Str(o, "appid", true, 1, 32, &r.appid)) return e;
  if (auto e = CheckMchid(o, m)) return e;
  r.mchid = m.mchid;
  // The mini program's appid is bound to the merchant too, for JSAPI (wx.requestPayment).
  const bool bound = r.appid == m.appid || (trade_type == "JSAPI" && !m.miniprogram_appid.empty() &&
                                            r.appid == m.miniprogram_appid);
  if (!bound) return MakeError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配", 268445527);
  if (trade_type == "JSAPI") {
    if (auto e = ParsePayer(o, m, &r)) return e;
  } else if (trade_type == "MWEB") {
    if (auto e = ParseH5Scene(o, &r)) return e;
  }
  if (auto e = Str(o, "description", true, 1, 127, &r.description)) return e;
  if (auto e = Str(o, "out_trade_no", true, 1, 64, &r.out_trade_no)) return e;
  if (!IsValidOutTradeNo(r.out_trade_no)) {
    return Invalid("out_trade_no", "应为6-32位数字、大小写字母或_-|*");
  }
  if (auto e = Str(o, "notify_url", true, 1, 1024, &r.notify_url)) return e;
  if (!IsValidNotifyUrl(r.notify_url)) {
    return Invalid("notify_url", "应为不超过255字节、不带查询串的http(s)绝对地址");
  }
  if (auto e = Str(o, "time_expire", false, 1, 64, &r.time_expire)) return e;
  if (!r.time_expire.empty() && !time::Parse(r.time_expire).ok()) {
    return Invalid("time_expire", "应为RFC 3339格式, 如2018-06-08T10:34:56+08:00");
  }
  if (auto e = Str(o, "attach", false, 0, 128, &r.attach)) return e;
  if (auto e = ParseAmount(o, &r)) return e;
  if (auto e = CheckIgnoredFields(o)) return e;
  *out = std::move(r);
  return std::nullopt;
}

std::optional<ApiError> ParseCloseRequest(std::string_view body, const Merchant& m) {
  json::object o;
  if (auto e = ParseObject(body, &o)) return e;
  if (m.strict_fields) {
    constexpr std::string_view kFields[] = {"mchid"};
    if (auto e = UnknownField(o, std::begin(kFields), std::end(kFields))) return e;
  }
  return CheckMchid(o, m);
}

std::optional<ApiError> CheckQueryMchid(std::string_view query, const Merchant& m) {
  std::optional<std::string> mchid = http::QueryParam(query, "mchid");
  if (!mchid || mchid->empty()) return Missing("mchid");
  if (*mchid != m.mchid) return Invalid("mchid", "与请求签名中的商户号不匹配");
  return std::nullopt;
}

}  // namespace paymesh::wechatsim
