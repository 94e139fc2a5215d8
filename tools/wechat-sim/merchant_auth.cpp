#include "tools/wechat-sim/merchant_auth.h"

#include <boost/json.hpp>

#include "common/crypto/crypto.h"
#include "common/wechatpay/signing.h"

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;

constexpr size_t kTruncatedMessageBytes = 100;

// What WeChat echoes on a signature mismatch: the message it rebuilt, truncated, so that a
// merchant can compare it with the one it signed.
std::string SignInformation(const http::Request& req, const std::string& message) {
  json::object info{{"method", req.method},
                    {"url", req.target},
                    {"sign_message_length", message.size()},
                    {"truncated_sign_message", message.substr(0, kTruncatedMessageBytes)}};
  return json::serialize(json::object{{"field", "signature"},
                                      {"location", "authorization"},
                                      {"detail", json::object{{"issue", "sign not match"}}},
                                      {"sign_information", std::move(info)}});
}

}  // namespace

std::optional<ApiError> VerifyMerchantRequest(const http::Request& req,
                                              const MerchantIdentity& merchant, int64_t now) {
  const std::string_view header = req.Header("Authorization");
  if (header.empty()) return SignError("HTTP头缺少Authorization");
  absl::StatusOr<wechatpay::Authorization> auth = wechatpay::ParseAuthorization(header);
  if (!auth.ok()) {
    return SignError("Authorization格式错误: " + std::string(auth.status().message()));
  }
  if (auth->mchid != merchant.mchid) return SignError("Authorization中的mchid不存在或不匹配");
  if (auth->serial_no != merchant.serial) return SignError("商户证书序列号有误。");
  if (!wechatpay::CheckTimestamp(auth->timestamp, now).ok()) {
    return SignError("Authorization中的timestamp与当前时间相差超过5分钟");
  }
  const std::string message =
      wechatpay::RequestMessage(req.method, req.target, auth->timestamp, auth->nonce_str, req.body);
  absl::StatusOr<std::string> signature = crypto::Base64Decode(auth->signature);
  if (!signature.ok() || !merchant.public_key.VerifySha256(message, *signature)) {
    ApiError e = SignError("签名错误，请检查后再试");
    e.detail_json = SignInformation(req, message);
    return e;
  }
  return std::nullopt;
}

}  // namespace paymesh::wechatsim
